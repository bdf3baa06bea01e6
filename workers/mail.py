"""Sending mail: one SMTP attempt per task run (moderation/mail.py), retried with backoff,
and a beat job that hands over whatever is due again. Messages added in a transaction
are handed to a worker right after that transaction commits (workers.after_commit)."""
import logging

from celery import shared_task
from flask import current_app
from sqlalchemy.orm import Session

from moderation import mail
from moderation.extensions import db

log = logging.getLogger(__name__)
RETRY_IN_TASK_MAX = 600  # longer backoffs wait for the beat job


@shared_task(name="moderation.send_mail", bind=True, acks_late=True, max_retries=None)
def send_mail(self, mail_id: int) -> str:
    with Session(db.engine) as session:
        message = mail.claim(session, mail_id)
        session.commit()
    if message is None:
        return "skipped"
    error = mail.send(message, mail.Settings.of(current_app.config))
    with Session(db.engine) as session:
        delay = mail.finish(session, mail_id, error)
        session.commit()
    if delay is None:
        return "done" if not error else "failed"
    log.warning("mail %s not sent (%s); again in %s s", mail_id, error, delay)
    if not self.request.is_eager and delay <= RETRY_IN_TASK_MAX:
        raise self.retry(countdown=delay)
    return "waiting"


@shared_task(name="moderation.resend_mail", acks_late=True)
def resend_mail() -> int:
    from workers import hand_over
    with Session(db.engine) as session:
        ids = mail.due(session)
    return hand_over(send_mail, ids)
