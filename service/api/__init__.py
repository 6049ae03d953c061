"""The public JSON API used by the comment widget."""

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import request

from ..errors import ApiError

bp = Blueprint("api", __name__)

CORS_MAX_AGE = 600


@bp.before_request
def refuse_nul_in_query() -> None:
    """No valid parameter holds a NUL character, and PostgreSQL text cannot (a 500 otherwise)."""
    if any("\x00" in value for _name, value in request.args.items(multi=True)):
        raise ApiError(400, "Query parameters must not contain NUL characters.")


@bp.after_request
def allow_configured_origins(response: Response) -> Response:
    """CORS for the blog origins in ALLOWED_ORIGINS only; the API uses no cookies."""
    response.vary.add("Origin")
    if response.status_code not in (429, 503):  # the rate limiter adds it to every answer
        response.headers.pop("Retry-After", None)
    origin = request.headers.get("Origin")
    if origin and origin in current_app.config["ALLOWED_ORIGINS"]:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = "Location, Retry-After"
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, PATCH, DELETE"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type"
            response.headers["Access-Control-Max-Age"] = str(CORS_MAX_AGE)
    return response


from . import comments  # noqa: E402,F401  (registers the routes on bp)
from . import docs  # noqa: E402,F401  (the OpenAPI document and its page: docs.bp)
from . import reports  # noqa: E402,F401
