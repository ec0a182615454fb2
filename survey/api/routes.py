"""URL table of the API: each feature module registers its views on ``bp``."""
from . import bp  # noqa: F401

# Feature modules import ``bp`` and add their routes; import them here.
from . import kiosk  # noqa: E402,F401
from . import receipts  # noqa: E402,F401  (POST /receipts)
from . import index  # noqa: E402,F401  (GET /index)
from . import trend  # noqa: E402,F401  (GET /trend)
from . import coverage  # noqa: E402,F401  (GET, PUT /coverage)
from . import openapi  # noqa: E402,F401  (GET /openapi.json, GET /docs)
