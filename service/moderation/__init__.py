"""The moderation queue: staff review held comments and decide, and each decision is recorded."""

from flask import Blueprint

bp = Blueprint("moderation", __name__)

from . import label_next  # noqa: E402,F401  (the least certain comments)
from . import views  # noqa: E402,F401  (registers the routes on bp)
