"""Celery glue: Celery's config lives under the Flask config key CELERY, every task runs
inside an app context (Flask's Celery pattern), and the app's wake-ups send the tasks
that make workers look at their queues."""
import logging

from celery import Celery, Task
from flask import Flask
from sqlalchemy import event, inspect

from workers.wakeups import Wakeup

log = logging.getLogger(__name__)

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
    from moderation import mail as mail_outbox
    from moderation.extensions import db
    from moderation.mainsite import webhooks as deliveries
    from workers import learning, mail, outbox, privacy, tasks, threads, webhooks  # noqa: F401  (registers the shared tasks)
    app.extensions["wakeups"] = {name: Wakeup(celery_app, name) for name in (PROCESS, DISPATCH)}
    after_commit(db.session, deliveries.NEW_DELIVERIES, webhooks.deliver_webhook)
    after_commit(db.session, mail_outbox.NEW_MAIL, mail.send_mail)
    return celery_app


def wake(app: Flask, task_name: str = PROCESS) -> bool:
    """Ask a worker to look at its queue for everything committed before this call (after
    a commit, never inside a transaction). False when the broker cannot take the
    wake-up: then beat's periodic one does it."""
    return app.extensions["wakeups"][task_name].send()


def hand_over(task, ids: list[int]) -> int:
    """One message per row id for `task`; returns how many the broker took (it stops at
    the first refusal: the rows stay due, and beat hands them over later)."""
    sent = 0
    for row_id in ids:
        try:
            task.delay(row_id)
            sent += 1
        except Exception as exc:  # broker down
            log.warning("could not hand %s %s to a worker: %s", task.name, row_id, exc)
            break
    return sent


_handed_over: set[str] = set()  # session.info keys already listened for in this process


def after_commit(session_factory, key: str, task) -> None:
    """After every commit of the factory's sessions, hand the rows that transaction added
    under session.info[key] to `task` (one listener per key and process): send only
    after the commit, and never from inside a domain function."""
    if key in _handed_over:
        return
    _handed_over.add(key)

    def handed_over(session) -> None:
        if session.in_nested_transaction():
            return  # a savepoint released (SQLAlchemy says after_commit): not committed yet
        added = session.info.pop(key, [])
        # Rows of a rolled-back transaction have no identity any more: skip them.
        ids = [state.identity[0] for state in map(inspect, added) if state.has_identity]
        if ids:
            hand_over(task, ids)
    event.listen(session_factory, "after_commit", handed_over)
