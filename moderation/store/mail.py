"""Mail waiting to be sent, or sent: the outbox of messages to readers and the desk.
A request or a consumer only adds a row; a worker sends it (workers/mail.py)."""
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from moderation.extensions import db
from moderation.store.core import utcnow

MAIL_STATUSES = ("pending", "sent", "failed")


class Mail(db.Model):
    __tablename__ = "mail_message"
    __table_args__ = (Index("ix_mail_message_due", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))
    # What it is about: verification, reply, decision, digest (for the log and tests).
    kind: Mapped[str] = mapped_column(String(40))
    to_address: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # Extra headers, e.g. List-Unsubscribe for a reply notification.
    headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
