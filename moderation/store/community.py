"""What the community tools keep: readers' reports of comments and their reporters'
record, the desk's standing decisions about authors, and email verifications."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from moderation.extensions import db
from moderation.store.core import Item, utcnow

REPORT_REASONS = ("spam", "abuse", "off_topic", "other")
STANDINGS = ("ban", "suspend", "premoderate", "trusted")


class Report(db.Model):
    """One reader's report of a published comment."""
    __tablename__ = "report"
    __table_args__ = (Index("ix_report_item_open", "item_id", "outcome"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(500), default="")
    # Who reported, as far as we know them: digests of the widget's reader key and of
    # the email (when given), and the network. Never the key or address themselves.
    reporter_key: Mapped[str] = mapped_column(String(64), index=True)
    email_hash: Mapped[str] = mapped_column(String(64), default="")
    ip_prefix: Mapped[str] = mapped_column(String(45), default="")
    weight: Mapped[float]  # the reporter's accuracy when they reported
    outcome: Mapped[str] = mapped_column(String(20), default="open")  # open, upheld, dismissed
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]

    item: Mapped[Item] = relationship()


class Reporter(db.Model):
    """A reporter's record: reports a moderator upheld and dismissed."""
    __tablename__ = "reporter"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # Report.reporter_key
    upheld: Mapped[int] = mapped_column(default=0)
    dismissed: Mapped[int] = mapped_column(default=0)


class Standing(db.Model):
    """The desk's decision about an email address or a network (or both): ban,
    suspension until a time, always pre-moderate, trusted. Ended by a moderator or, for
    a suspension, by its time."""
    __tablename__ = "standing"
    __table_args__ = (Index("ix_standing_email", "email"), Index("ix_standing_network", "network"))
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))  # None: every site
    email: Mapped[str] = mapped_column(String(254), default="")  # folded; "" for any
    network: Mapped[str] = mapped_column(String(45), default="")  # an ip_prefix; "" for any
    kind: Mapped[str] = mapped_column(String(20))
    until: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(String(300), default="")  # told to the reader
    note: Mapped[str] = mapped_column(Text, default="")  # for the desk only
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    ended_by: Mapped[str] = mapped_column(String(80), default="")


class Verification(db.Model):
    """A reader's request to verify an email address: the link mailed to it, and the
    widget's secret request id, which fetches the reader token once the link is opened."""
    __tablename__ = "verification"
    __table_args__ = (UniqueConstraint("request_hash"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    email: Mapped[str] = mapped_column(String(254))
    request_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    verified_at: Mapped[datetime | None]
