"""The moderators' workplace: notes, edits, messages to submitters, the audit trail of
non-status actions, login throttling, and the indexes the review queue reads through."""
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.functions import FunctionElement

from moderation.extensions import db
from moderation.store.core import Decision, Item, utcnow

# An item scored 1.0 sorts as if it had arrived this many seconds after one scored 0.0:
# old, likely-good items come first, likely spam sinks but still surfaces as it ages.
PRIORITY_SPREAD_SECONDS = 6 * 3600
UNSCORED = 0.5


class priority_key(FunctionElement):
    """Seconds since the epoch of created_at, plus score * PRIORITY_SPREAD_SECONDS.

    Rendered as literal SQL per database (no bound parameters), so the queue's ORDER BY
    is the very expression of ix_item_queue_priority and the index serves it."""
    type = Float()
    inherit_cache = True


@compiles(priority_key, "postgresql")
def _priority_pg(element, compiler, **kw):
    created, score = (compiler.process(c, **kw) for c in element.clauses)
    return (f"(EXTRACT(EPOCH FROM {created})::float8 + "
            f"COALESCE({score}, {UNSCORED}) * {PRIORITY_SPREAD_SECONDS})")


@compiles(priority_key)
def _priority_default(element, compiler, **kw):  # SQLite
    created, score = (compiler.process(c, **kw) for c in element.clauses)
    return (f"((julianday({created}) - 2440587.5) * 86400.0 + "
            f"COALESCE({score}, {UNSCORED}) * {PRIORITY_SPREAD_SECONDS})")


def item_priority():
    return priority_key(Item.created_at, Item.score)


# The queue reads one status at a time, in priority or arrival order; the id breaks ties
# so keyset paging never skips or repeats an item.
Index("ix_item_queue_priority", Item.status, item_priority(), Item.id)
# Most desks work one site at a time: the same order within a site.
Index("ix_item_site_queue_priority", Item.site_id, Item.status, item_priority(), Item.id)
Index("ix_item_status_id", Item.status, Item.id)
# The audit page filters decisions by moderator and date.
Index("ix_decision_created", Decision.created_at)
Index("ix_decision_actor", Decision.actor, Decision.created_at)


class Note(db.Model):
    """A moderator's internal note on an item; never shown to the submitter."""
    __tablename__ = "item_note"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True)
    moderator_id: Mapped[int] = mapped_column(ForeignKey("moderator.id"), index=True)
    actor: Mapped[str] = mapped_column(String(80))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ItemEdit(db.Model):
    """A moderator's edit of a submission's title and body before approval. body_raw
    keeps what the reader sent; the latest edit's body_after is the text now shown."""
    __tablename__ = "item_edit"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True)
    moderator_id: Mapped[int] = mapped_column(ForeignKey("moderator.id"), index=True)
    actor: Mapped[str] = mapped_column(String(80))
    title_before: Mapped[str] = mapped_column(String(300), default="")
    title_after: Mapped[str] = mapped_column(String(300), default="")
    body_before: Mapped[str] = mapped_column(Text)
    body_after: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SubmitterMessage(db.Model):
    """What the moderator chose to tell the submitter with a decision (shown on their
    status page), kept apart from the Decision's internal note."""
    __tablename__ = "submitter_message"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id"), unique=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    decision: Mapped[Decision] = relationship()


class AuditEvent(db.Model):
    """Every action that is not a status change (those are Decisions): logins, failed
    logins, account changes. `actor` is kept as text so it survives renames."""
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_created", "created_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("moderator.id"), index=True)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LoginThrottle(db.Model):
    """Login attempts per username and client network (/24 or /64), in the database so a
    lockout holds across processes. `attempts` counts attempts started in the window,
    each counted before its password is checked, so parallel guesses cannot pass the
    limit; a stranger's lockout holds only for the stranger's network."""
    __tablename__ = "login_throttle"
    username: Mapped[str] = mapped_column(String(80), primary_key=True)
    network: Mapped[str] = mapped_column(String(50), primary_key=True)
    attempts: Mapped[int] = mapped_column(default=0)
    window_start: Mapped[datetime]
    locked_until: Mapped[datetime | None]
