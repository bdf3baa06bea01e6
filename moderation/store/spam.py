"""What the spam scorer keeps: model versions, moderators' decisions as training
examples, and text fingerprints for the near-duplicate detector."""
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from moderation.extensions import db
from moderation.store.core import utcnow


class SpamModel(db.Model):
    """One version of the text classifier. Exactly one is active at a time (none on a
    fresh install: then the model trained from the shipped corpora scores)."""
    __tablename__ = "spam_model"
    id: Mapped[int] = mapped_column(primary_key=True)  # the version number
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("spam_model.id"))
    is_active: Mapped[bool] = mapped_column(default=False, index=True)
    # Classifier.dumps(): the non-zero weights, the bias and the decision threshold.
    data: Mapped[bytes] = mapped_column(LargeBinary)
    threshold: Mapped[float]
    examples: Mapped[int] = mapped_column(default=0)  # training examples this version added
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TrainingExample(db.Model):
    """A moderator's spam / not-spam verdict on an item's text, waiting for (or already
    in) a model version."""
    __tablename__ = "spam_example"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True)
    # The text as the classifier reads it (title and body as submitted), kept so a
    # later edit of the item does not change what was learnt.
    text: Mapped[str] = mapped_column(Text)
    is_spam: Mapped[bool]
    actor: Mapped[str] = mapped_column(String(80))
    model_id: Mapped[int | None] = mapped_column(ForeignKey("spam_model.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Fingerprint(db.Model):
    """An item's MinHash signature (near-duplicate detection)."""
    __tablename__ = "spam_fingerprint"
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), primary_key=True)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class FingerprintBand(db.Model):
    """One locality-sensitive band key of a signature: items sharing any key are
    near-duplicate candidates, found through the index instead of a scan."""
    __tablename__ = "spam_fingerprint_band"
    __table_args__ = (Index("ix_spam_fingerprint_band_key", "key", "item_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True)
    key: Mapped[int] = mapped_column(BigInteger)
