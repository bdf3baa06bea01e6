"""Readers' personal data: full IP addresses kept only for a while, and everything one
email address submitted, exported or erased on request.

Erasing deletes the items and every row that hangs off them (decisions, notes, edits,
messages, spam fingerprints and training examples, webhook events and deliveries). A
reply by someone else to an erased comment stays: it moves up to the erased comment's
nearest surviving ancestor (the top level when there is none), so it still shows in the
same conversation. Threads that lose an approved comment, or whose approved replies
move, get a new revision, so every cached page and ETag changes, and the erase is one
outbox event naming them. Copies the main site already took (webhooks, feeds) are its
own to remove."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from moderation.mainsite.embed import iso
from moderation.store import (
    Decision,
    Event,
    Fingerprint,
    FingerprintBand,
    Item,
    ItemEdit,
    Note,
    SubmitterMessage,
    Thread,
    ToxicityExample,
    TrainingExample,
    WebhookDelivery,
    WebhookEvent,
    outbox,
)

BATCH = 1000
CHUNK = 500  # ids per IN (...): well under SQLite's and PostgreSQL's parameter limits


def truncate_ips(session: Session, before: datetime, batch: int = BATCH) -> int:
    """Cut the full IP of up to `batch` items created before `before` to its network
    (ip_prefix, which the flood and history checks keep using); returns how many changed
    (not committed). Idempotent: a cut address equals its prefix and is not read again."""
    due = (select(Item.id).where(Item.ip != Item.ip_prefix, Item.created_at < before)
           .limit(batch).scalar_subquery())
    result = session.execute(update(Item).where(Item.id.in_(due)).values(ip=Item.ip_prefix)
                             .execution_options(synchronize_session=False))
    return result.rowcount


def _submitted_by(email: str):
    return func.lower(Item.author_email) == email.strip().lower()


def items_of(session: Session, email: str) -> list[Item]:
    """Every item submitted with `email` (any letter case), oldest first."""
    return list(session.scalars(select(Item).where(_submitted_by(email)).order_by(Item.id)))


def export(session: Session, email: str, now: datetime) -> dict:
    """Everything stored about the items submitted with `email`, as one JSON-ready
    document: what was sent, where from, and what became of it. Moderators' names stay out."""
    items = items_of(session, email)
    ids = [item.id for item in items]
    extras = {model: _rows_by_item(session, model, ids)
              for model in (Decision, ItemEdit, Note, SubmitterMessage)}
    return {"email": email.strip(), "exported_at": iso(now), "count": len(items),
            "items": [_exported(item, {m: rows.get(item.id, []) for m, rows in extras.items()})
                      for item in items]}


def _rows_by_item(session: Session, model, ids: list[int]) -> dict[int, list]:
    found: dict[int, list] = {}
    for chunk in _chunks(ids):
        for row in session.scalars(select(model).where(model.item_id.in_(chunk)).order_by(model.id)):
            found.setdefault(row.item_id, []).append(row)
    return found


def _exported(item: Item, extras: dict) -> dict:
    thread = item.thread
    return {
        "id": item.id, "site": item.site.key, "kind": item.kind, "status": item.status,
        "thread": {"key": thread.key, "url": thread.url, "title": thread.title} if thread else None,
        "parent_id": item.parent_id, "title": item.title, "body": item.body_raw,
        "body_html": item.body_html, "fields": item.fields, "author_name": item.author_name,
        "author_email": item.author_email, "ip": item.ip, "ip_network": item.ip_prefix,
        "user_agent": item.user_agent, "referrer": item.referrer,
        "created_at": iso(item.created_at),
        "decided_at": iso(item.decided_at) if item.decided_at else None,
        "spam_score": item.score,
        "decisions": [{"from": d.from_status, "to": d.to_status, "reason": d.reason,
                       "note": d.note, "at": iso(d.created_at)} for d in extras[Decision]],
        "edits": [{"title": e.title_after, "body": e.body_after, "at": iso(e.created_at)}
                  for e in extras[ItemEdit]],
        "notes": [{"body": n.body, "at": iso(n.created_at)} for n in extras[Note]],
        "messages": [{"body": m.body, "at": iso(m.created_at)} for m in extras[SubmitterMessage]],
    }


@dataclass(frozen=True)
class Erased:
    item_ids: list[int]
    moved_replies: int
    threads: int  # threads whose published page changed


def erase(session: Session, email: str) -> Erased:
    """Delete every item submitted with `email` and everything hanging off it, keep
    others' replies (moved up, see the module docstring) and the threads' counts and
    revisions right (not committed)."""
    rows = session.execute(select(Item.id, Item.parent_id, Item.thread_id, Item.status,
                                  Item.site_id).where(_submitted_by(email))
                           .with_for_update()).all()
    if not rows:
        return Erased([], 0, 0)
    parent_of = {r.id: r.parent_id for r in rows}
    ids = sorted(parent_of)
    lost = {}  # thread id -> approved comments erased
    for r in rows:
        if r.thread_id is not None and r.status == "approved":
            lost[r.thread_id] = lost.get(r.thread_id, 0) + 1
    changed = set(lost)
    moved = 0
    for chunk in _chunks(ids):
        replies = session.execute(select(Item.id, Item.parent_id, Item.thread_id, Item.status)
                                  .where(Item.parent_id.in_(chunk))).all()
        for reply in (r for r in replies if r.id not in parent_of):
            ancestor = reply.parent_id
            while ancestor in parent_of:
                ancestor = parent_of[ancestor]
            session.execute(update(Item).where(Item.id == reply.id).values(parent_id=ancestor)
                            .execution_options(synchronize_session=False))
            moved += 1
            if reply.status == "approved" and reply.thread_id is not None:
                changed.add(reply.thread_id)
    for chunk in _chunks(ids):
        _delete_dependents(session, chunk)
    for chunk in _chunks(ids):
        session.execute(delete(Item).where(Item.id.in_(chunk))
                        .execution_options(synchronize_session=False))
    for thread_id in changed:
        session.execute(update(Thread).where(Thread.id == thread_id).values(
            revision=Thread.revision + 1,
            approved_count=Thread.approved_count - lost.get(thread_id, 0)))
    for site_id in sorted({r.site_id for r in rows}):
        outbox.record(session, "reader.erased", site_id=site_id, items=len(ids),
                      threads=sorted(changed))
    session.expire_all()
    return Erased(ids, moved, len(changed))


def _delete_dependents(session: Session, ids: list[int]) -> None:
    events = select(WebhookEvent.id).where(WebhookEvent.item_id.in_(ids)).scalar_subquery()
    for statement in (  # children before parents: the foreign keys are checked
            delete(WebhookDelivery).where(WebhookDelivery.event_id.in_(events)),
            delete(WebhookEvent).where(WebhookEvent.item_id.in_(ids)),
            delete(Event).where(Event.item_id.in_(ids)),
            delete(SubmitterMessage).where(SubmitterMessage.item_id.in_(ids)),
            delete(Decision).where(Decision.item_id.in_(ids)),
            delete(Note).where(Note.item_id.in_(ids)),
            delete(ItemEdit).where(ItemEdit.item_id.in_(ids)),
            delete(TrainingExample).where(TrainingExample.item_id.in_(ids)),
            delete(ToxicityExample).where(ToxicityExample.item_id.in_(ids)),
            delete(FingerprintBand).where(FingerprintBand.item_id.in_(ids)),
            delete(Fingerprint).where(Fingerprint.item_id.in_(ids))):
        session.execute(statement.execution_options(synchronize_session=False))


def mask(email: str) -> str:
    """a***@example.org: enough for the audit log to tell requests apart, not the address."""
    local, _, domain = email.strip().rpartition("@")
    return f"{local[:1]}***@{domain}" if local else "***"


def _chunks(ids: list[int]):
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]
