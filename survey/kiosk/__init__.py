"""The counter kiosk's client (the repo-root ``kiosk/`` folder), served at ``/kiosk/``."""
from flask import Blueprint

bp = Blueprint("kiosk", __name__)

from . import routes  # noqa: E402,F401
