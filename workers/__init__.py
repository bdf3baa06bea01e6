"""Celery glue: Celery's config lives under the Flask config key CELERY, and every task
runs inside an app context (Flask's Celery pattern)."""
from celery import Celery, Task
from flask import Flask


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    from . import learning, privacy, tasks, webhooks  # noqa: F401  (registers the shared tasks)
    webhooks.install()
    return celery_app
