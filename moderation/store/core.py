"""The stored concepts: sites, threads, items, decisions and moderators."""
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from moderation.extensions import db

KINDS = ("comment", "news", "deal", "column", "press_release")
SUBMISSION_KINDS = KINDS[1:]


def utcnow() -> datetime:
    """Naive UTC: SQLite keeps no zone, so every timestamp is UTC by convention."""
    return datetime.now(UTC).replace(tzinfo=None)


class Site(db.Model):
    __tablename__ = "site"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Origins allowed to embed and post, e.g. ["https://news.example"].
    allowed_origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    policy: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # SHA-256 of the main site's API key (sites.new_api_key), for its machine calls.
    api_key_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Thread(db.Model):
    __tablename__ = "thread"
    __table_args__ = (UniqueConstraint("site_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    key: Mapped[str] = mapped_column(String(200))
    # Confirmed only: from the first approved comment, or from the main site (threads.py).
    url: Mapped[str] = mapped_column(String(2000), default="")
    title: Mapped[str] = mapped_column(String(300), default="")
    is_open: Mapped[bool] = mapped_column(default=True)
    # Bumped whenever a comment of this thread enters or leaves `approved`: the read
    # side caches a thread's JSON per revision, and it is the ETag.
    revision: Mapped[int] = mapped_column(default=0)
    approved_count: Mapped[int] = mapped_column(default=0)
    # When its first comment arrived: a site may close threads some days after it.
    first_comment_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    site: Mapped[Site] = relationship()


class Item(db.Model):
    __tablename__ = "item"
    __table_args__ = (
        Index("ix_item_thread_status", "thread_id", "status", "created_at"),
        Index("ix_item_status_created", "status", "created_at"),
        Index("ix_item_site_kind_status", "site_id", "kind", "status", "decided_at"),
        # What the spam detectors look up, each a bounded range of one index
        # (spam/footprint.py, spam/duplicates.py): by author and by network, recent ones
        # and earlier decided ones; the same text in the last days.
        Index("ix_item_author_email_created", "author_email", "created_at"),
        Index("ix_item_author_email_status", "author_email", "status"),
        Index("ix_item_ip_prefix_created", "ip_prefix", "created_at"),
        Index("ix_item_ip_prefix_status", "ip_prefix", "status"),
        Index("ix_item_body_hash_created", "body_hash", "created_at"),
        # The queue sorted by toxicity, most toxic first (review.queue), of every site
        # or of one.
        Index("ix_item_status_toxicity", "status", "toxicity", "id"),
        Index("ix_item_site_status_toxicity", "site_id", "status", "toxicity", "id"),
        # Items still holding a full IP address, by age: what the privacy purge reads.
        Index("ix_item_full_ip_created", "created_at", postgresql_where=text("ip <> ip_prefix"),
              sqlite_where=text("ip <> ip_prefix")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="received")
    version: Mapped[int] = mapped_column(default=1)
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("thread.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("item.id"), index=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    body_raw: Mapped[str] = mapped_column(Text)  # exactly as submitted, never overwritten
    body_html: Mapped[str | None] = mapped_column(Text)  # sanitised by the worker
    # Hash of the case- and space-folded body, for the exact-duplicate detector.
    body_hash: Mapped[str] = mapped_column(String(40), default="")
    # Kind-specific fields (source_url, merchant, price, ...), validated at intake.
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    author_name: Mapped[str] = mapped_column(String(100))
    author_email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(45), default="")
    # The /24 (IPv4) or /48 (IPv6) network: kept after the full IP is truncated, and
    # what flood and author-history checks group by.
    ip_prefix: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(500), default="")
    referrer: Mapped[str] = mapped_column(String(2000), default="")
    form_served_at: Mapped[datetime | None]
    honeypot: Mapped[str] = mapped_column(String(500), default="")
    # A comment's public fields but its place in the thread, as the inside of a JSON
    # object, written with body_html (show()); the read side joins these instead of
    # building each comment.
    public_json: Mapped[str | None] = mapped_column(Text)
    score: Mapped[float | None]
    signals: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # The toxicity detector's score (moderation/toxicity), and the [start, end] offsets
    # into body_raw of the words behind it, which the item page highlights.
    toxicity: Mapped[float | None]
    toxic_spans: Mapped[list[list[int]] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    # Readers' reports (community/reports.py): their weight, and since when the item is in
    # the reported queue (None when it is not); `hidden` keeps it off its thread's page
    # meanwhile, where the site asks for that.
    report_weight: Mapped[float] = mapped_column(default=0.0)
    reported_at: Mapped[datetime | None] = mapped_column(index=True)
    hidden: Mapped[bool] = mapped_column(default=False)
    # Posted with a reader token for its author's email (community/readers.py).
    verified_reader: Mapped[bool] = mapped_column(default=False)
    # The author asked to be told by mail of replies (community/notices.py).
    notify_replies: Mapped[bool] = mapped_column(default=False)
    # A moderator's short claim on the item while they look at it (expires by itself).
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("moderator.id"))
    claimed_until: Mapped[datetime | None]

    site: Mapped[Site] = relationship()
    thread: Mapped[Thread | None] = relationship()
    decisions: Mapped[list["Decision"]] = relationship(
        back_populates="item", order_by="Decision.id")
    claimed_by: Mapped["Moderator | None"] = relationship(foreign_keys=[claimed_by_id])

    def show(self, html: str) -> None:
        """Set the sanitised HTML that people see and, for a comment, its prepared
        public fields (what the embed serves), so the two never disagree."""
        self.body_html = html
        if self.kind == "comment":
            fields = {"author_name": self.author_name, "html": html,
                      "created_at": self.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")}
            self.public_json = json.dumps(fields, separators=(",", ":"))[1:-1]


class Moderator(db.Model):
    __tablename__ = "moderator"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default="moderator")
    is_active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Part of every session's user id ("id:epoch"): bumping it (logout, a password or role
    # change, disabling) ends every session of this moderator, copies of the cookie too.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")

    # Flask-Login's user protocol
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_epoch}"


class Decision(db.Model):
    __tablename__ = "decision"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True)
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("moderator.id"))
    actor: Mapped[str] = mapped_column(String(80))  # a username, or "system"
    reason: Mapped[str] = mapped_column(String(40), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[Item] = relationship(back_populates="decisions")
