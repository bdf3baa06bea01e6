"""gunicorn entry: `gunicorn moderation.wsgi:app`."""
from . import create_app

app = create_app()
