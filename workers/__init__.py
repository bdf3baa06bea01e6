"""Celery glue: Celery's config lives under the Flask config key CELERY, every task runs
inside an app context (Flask's Celery pattern), and the app's wake-ups send the tasks
that make workers look at their queues."""
from celery import Celery, Task
from flask import Flask

from workers.wakeups import Wakeup

PROCESS, DISPATCH = "moderation.process_received", "moderation.dispatch_events"


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    from workers import learning, outbox, privacy, tasks, webhooks  # noqa: F401  (registers the shared tasks)
    app.extensions["wakeups"] = {name: Wakeup(celery_app, name) for name in (PROCESS, DISPATCH)}
    webhooks.install()
    return celery_app


def wake(app: Flask, task_name: str = PROCESS) -> bool:
    """Ask a worker to look at its queue for everything committed before this call (after
    a commit, never inside a transaction). False when the broker cannot take the
    wake-up: then beat's periodic one does it."""
    return app.extensions["wakeups"][task_name].send()
