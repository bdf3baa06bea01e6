"""Entry module: `celery -A workers.main worker` / `celery -A workers.main beat`."""
from moderation import create_app

flask_app = create_app()
celery_app = flask_app.extensions["celery"]
