"""What intake keeps beside the items: the first answer to a post sent with an
Idempotency-Key, so that a client's retry gets that answer and stores nothing new; and
the form tokens already used, so that each is accepted once."""
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from moderation.extensions import db
from moderation.store.core import utcnow


class IdempotencyKey(db.Model):
    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("site_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    key: Mapped[str] = mapped_column(String(255))
    # A digest of what was posted: the same key with another body is a client's mistake.
    request_hash: Mapped[str] = mapped_column(String(64))
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True)
    status_code: Mapped[int]
    answer: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class SpentFormToken(db.Model):
    """A form token's nonce, kept from its first post until the token expires."""
    __tablename__ = "spent_form_token"
    nonce: Mapped[str] = mapped_column(String(32), primary_key=True)
    spent_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
