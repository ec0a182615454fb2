"""WSGI entry point: ``flask --app wsgi ...`` and production servers use ``app``."""
from survey import create_app

app = create_app()
