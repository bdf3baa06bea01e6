"""What the toxicity detector keeps: model versions, moderators' verdicts as training
examples, and the nudges readers were shown before their post was stored."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from moderation.extensions import db
from moderation.store.core import utcnow


class ToxicityModel(db.Model):
    """One version of the detector. Exactly one is active at a time (none before
    `flask init-db` stores the default: then the one trained from the shipped data
    scores)."""
    __tablename__ = "toxicity_model"
    id: Mapped[int] = mapped_column(primary_key=True)  # the version number
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("toxicity_model.id"))
    is_active: Mapped[bool] = mapped_column(default=False, index=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)  # Detector.dumps(): arrays, no pickle
    examples: Mapped[int] = mapped_column(default=0)  # moderators' verdicts this version added
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ToxicityExample(db.Model):
    """A moderator's verdict on an item's text: rejected as abuse (toxic), or approved
    although the detector held it (not toxic); waiting for (or in) a model version."""
    __tablename__ = "toxicity_example"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True)
    # The body as submitted, kept so a later edit does not change what was learnt.
    text: Mapped[str] = mapped_column(Text)
    is_toxic: Mapped[bool]
    actor: Mapped[str] = mapped_column(String(80))
    model_id: Mapped[int | None] = mapped_column(ForeignKey("toxicity_model.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Nudge(db.Model):
    """A reader asked to reconsider a post before it was stored, and what they did:
    outcome "edited" (sent it again changed), "posted" (sent it unchanged), or none yet
    (abandoned once older than nudge.ABANDONED_AFTER). `reader` is a keyed digest of
    site, place and email, never the address itself."""
    __tablename__ = "toxicity_nudge"
    __table_args__ = (Index("ix_toxicity_nudge_reader", "reader", "created_at"),
                      Index("ix_toxicity_nudge_site_created", "site_id", "created_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    reader: Mapped[str] = mapped_column(String(64))
    text_hash: Mapped[str] = mapped_column(String(64))
    score: Mapped[float]
    outcome: Mapped[str | None] = mapped_column(String(20))
    # The item stored when the reader sent it again (not a foreign key: an erase of the
    # item leaves the count).
    item_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
