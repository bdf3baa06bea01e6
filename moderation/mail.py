"""Mail to readers and to the desk: adding a message to the mail outbox (queue), and the
bookkeeping of sending it (claim, finish, due), which a worker does (workers/mail.py);
the SMTP conversation itself is send(). Nothing here runs inside a reader's or a
moderator's request but queue(), which only adds a row to its transaction.

Settings (config.py): MAIL_SERVER (empty: no mail is sent, and features that need it
say so), MAIL_PORT, MAIL_SECURITY ("", "starttls" or "ssl"), MAIL_USERNAME,
MAIL_PASSWORD, MAIL_FROM, and MODERATION_PUBLIC_URL for the links in messages."""
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation.store import utcnow
from moderation.store.mail import Mail

# Seconds to wait after the 1st, 2nd, ... failed attempt; after the last, give up.
BACKOFF = (30, 120, 600, 1800, 3600, 6 * 3600)
MAX_ATTEMPTS = len(BACKOFF) + 1
TIMEOUT = 15
LEASE = timedelta(seconds=TIMEOUT * 4)  # one attempt in flight at a time
# A session.info key: messages added in this transaction, handed to a worker after it.
NEW_MAIL = "new_mail"


@dataclass(frozen=True)
class Settings:
    server: str
    port: int
    security: str  # "", "starttls" or "ssl"
    username: str
    password: str
    sender: str

    @classmethod
    def of(cls, config) -> "Settings":
        return cls(config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_SECURITY"],
                   config["MAIL_USERNAME"], config["MAIL_PASSWORD"], config["MAIL_FROM"])

    @property
    def enabled(self) -> bool:
        return bool(self.server)


@dataclass(frozen=True)
class Outgoing:
    mail_id: int
    to: str
    subject: str
    body: str
    headers: dict


def queue(session: Session, to: str, subject: str, body: str, *, kind: str,
          site_id: int | None = None, headers: dict | None = None) -> Mail:
    """Add a message to the mail outbox (not committed); a worker sends it after the
    commit."""
    mail = Mail(to_address=to, subject=subject[:300], body=body, kind=kind, site_id=site_id,
                headers=headers or {}, status="pending", next_attempt_at=utcnow(),
                created_at=utcnow())
    session.add(mail)
    session.info.setdefault(NEW_MAIL, []).append(mail)
    return mail


def claim(session: Session, mail_id: int, now: datetime | None = None) -> Outgoing | None:
    """Start one attempt of a due, pending message: count it and take the lease (not
    committed). None when there is nothing to send."""
    now = now or utcnow()
    mail = session.get(Mail, mail_id, with_for_update=True, populate_existing=True)
    if mail is None or mail.status != "pending" or mail.next_attempt_at > now + timedelta(seconds=2):
        return None
    mail.attempts += 1
    mail.next_attempt_at = now + LEASE
    return Outgoing(mail.id, mail.to_address, mail.subject, mail.body, dict(mail.headers or {}))


def finish(session: Session, mail_id: int, error: str, now: datetime | None = None) -> int | None:
    """Record an attempt's outcome (not committed): seconds until the next attempt, or
    None when the message is done (sent, or given up after MAX_ATTEMPTS)."""
    now = now or utcnow()
    mail = session.get(Mail, mail_id, with_for_update=True, populate_existing=True)
    if not error:
        mail.status, mail.sent_at, mail.last_error = "sent", now, ""
        return None
    mail.last_error = error[:500]
    if mail.attempts >= MAX_ATTEMPTS:
        mail.status = "failed"
        return None
    delay = BACKOFF[mail.attempts - 1]
    mail.next_attempt_at = now + timedelta(seconds=delay)
    return delay


def due(session: Session, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Pending messages whose time has come: never handed over (the broker was down),
    past their backoff, or whose worker died mid-attempt."""
    return list(session.scalars(select(Mail.id).where(
        Mail.status == "pending", Mail.next_attempt_at <= (now or utcnow()))
        .order_by(Mail.id).limit(limit)))


def send(message: Outgoing, settings: Settings) -> str:
    """Hand the message to the SMTP server: "" when it took it, else why not."""
    if not settings.enabled:
        return "no MAIL_SERVER is configured"
    email = EmailMessage()
    email["From"], email["To"], email["Subject"] = settings.sender, message.to, message.subject
    email["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2].strip("> ") or None)
    for name, value in message.headers.items():
        email[name] = value
    email.set_content(message.body)
    try:
        if settings.security == "ssl":
            smtp = smtplib.SMTP_SSL(settings.server, settings.port, timeout=TIMEOUT,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(settings.server, settings.port, timeout=TIMEOUT)
        with smtp:
            if settings.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if settings.username:
                smtp.login(settings.username, settings.password)
            smtp.send_message(email)
    except (OSError, smtplib.SMTPException) as exc:
        return f"{type(exc).__name__}: {exc}"[:500]
    return ""
