# One image for the web, worker and beat containers (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

RUN useradd --create-home --uid 10001 app
WORKDIR /app

COPY pyproject.toml README.md ./
COPY service ./service
COPY worker ./worker
COPY models ./models
COPY migrations ./migrations
RUN pip install --upgrade pip && pip install . && mkdir -p /data/models && chown -R app /data

USER app
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "service.wsgi:app"]
