"""The audit page's read side: decisions, edits, notes and account events (logins,
account changes) merged into one time line, filterable by moderator and date."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation.store import AuditEvent, Decision, ItemEdit, Note

LIMIT = 200


@dataclass(frozen=True)
class Entry:
    at: datetime
    actor: str
    action: str
    item_id: int | None
    detail: str


def entries(session: Session, *, actor: str = "", since: date | None = None,
            until: date | None = None, limit: int = LIMIT) -> list[Entry]:
    """The newest `limit` entries by `actor` (a username; "" for everyone), from the
    start of `since` to the end of `until` (UTC days), newest first."""
    start = datetime.combine(since, time()) if since else None
    end = datetime.combine(until, time()) + timedelta(days=1) if until else None
    found: list[Entry] = []
    for model, render in ((Decision, _decision), (ItemEdit, _edit), (Note, _note),
                          (AuditEvent, _event)):
        query = select(model)
        if actor:
            query = query.where(model.actor == actor)
        if start:
            query = query.where(model.created_at >= start)
        if end:
            query = query.where(model.created_at < end)
        rows = session.scalars(query.order_by(model.created_at.desc()).limit(limit))
        found.extend(render(row) for row in rows)
    found.sort(key=lambda e: e.at, reverse=True)
    return found[:limit]


def _decision(d: Decision) -> Entry:
    detail = f"{d.from_status} → {d.to_status}" + (f" ({d.reason})" if d.reason else "")
    return Entry(d.created_at, d.actor, "decision", d.item_id,
                 detail + (f": {d.note}" if d.note else ""))


def _edit(e: ItemEdit) -> Entry:
    changed = [name for name, before, after in (("title", e.title_before, e.title_after),
                                                 ("body", e.body_before, e.body_after))
               if before != after]
    return Entry(e.created_at, e.actor, "edit", e.item_id, "changed " + " and ".join(changed))


def _note(n: Note) -> Entry:
    return Entry(n.created_at, n.actor, "note", n.item_id, n.body)


def _event(e: AuditEvent) -> Entry:
    return Entry(e.created_at, e.actor, e.action, None, e.detail)
