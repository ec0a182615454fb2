"""Public pages: the claimant's survey reached by QR code or link."""
from flask import Blueprint

bp = Blueprint("public", __name__)

from . import routes  # noqa: E402,F401
from . import receipts  # noqa: E402,F401  (/r/<code>: receipt codes)
