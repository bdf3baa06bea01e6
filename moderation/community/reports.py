"""Readers' reports of published comments. A reader reports a comment once (known by
the widget's reader key, their email when given, or else their network); each report
weighs as much as its reporter's record (reports upheld / all, starting at an even
chance), and when a comment's open reports weigh as much as the site's threshold it
enters the reported queue, staying visible or hidden as the site chose. A moderator
keeps it (the reports are dismissed) or removes it (rejected; the reports upheld), and
either way the reporters' records move."""
import hashlib
from dataclasses import dataclass

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from moderation import lifecycle
from moderation.community import policy as community_policy
from moderation.fields import IntakeError, check_field, fold_email
from moderation.store import Item, Moderator, Thread, outbox, utcnow
from moderation.store.community import REPORT_REASONS, Report, Reporter

NOTE_MAX = 500


@dataclass(frozen=True)
class Who:
    key: str  # the digest a reporter is known by
    email_hash: str
    ip_prefix: str


def reporter(reader_key: str, email: str, ip_prefix: str) -> Who:
    """Who is reporting: the widget's key if it sent one, else the email, else the
    network; stored as digests."""
    email_hash = hashlib.sha256(fold_email(email).encode()).hexdigest() if email else ""
    if reader_key:
        key = hashlib.sha256(f"reader:{reader_key}".encode()).hexdigest()
    elif email_hash:
        key = email_hash
    else:
        key = hashlib.sha256(f"network:{ip_prefix}".encode()).hexdigest()
    return Who(key, email_hash, ip_prefix)


def accuracy(session: Session, key: str) -> float:
    """(upheld + 1) / (upheld + dismissed + 2): 0.5 for a new reporter."""
    record = session.get(Reporter, key)
    upheld, dismissed = (record.upheld, record.dismissed) if record else (0, 0)
    return (upheld + 1) / (upheld + dismissed + 2)


def report(session: Session, item_id: int, site_id: int, reason: str, note: str,
           who: Who, policy: dict) -> Report:
    """Record a reader's report of a published comment and, when its weight reaches the
    site's threshold, put the comment in the reported queue (not committed). Raises
    IntakeError: 422 for a bad reason or note, 404 for no published comment, 409 for a
    second report by the same reader."""
    if reason not in REPORT_REASONS:
        raise IntakeError("reason", f"reason must be one of {', '.join(REPORT_REASONS)}")
    note = check_field("note", note, NOTE_MAX, required=reason == "other")
    item = session.get(Item, item_id, with_for_update=True)
    if item is None or item.site_id != site_id or item.kind != "comment" or item.status != "approved":
        raise IntakeError("comment", f"no published comment {item_id} on this site", status=404)
    same = [Report.reporter_key == who.key] + ([Report.email_hash == who.email_hash]
                                               if who.email_hash else [])
    if session.scalar(select(func.count()).where(Report.item_id == item.id, or_(*same))):
        raise IntakeError("comment", "you have already reported this comment; thank you",
                          status=409)
    row = Report(item_id=item.id, reason=reason, note=note, reporter_key=who.key,
                 email_hash=who.email_hash, ip_prefix=who.ip_prefix,
                 weight=accuracy(session, who.key), created_at=utcnow())
    session.add(row)
    item.report_weight = (item.report_weight or 0.0) + row.weight
    keys = community_policy.of(policy)
    if item.reported_at is None and item.report_weight >= keys["report_threshold"]:
        item.reported_at = row.created_at
        if keys["hide_reported"]:
            _show(session, item, False)
    return row


def keep(session: Session, item_id: int, moderator: Moderator) -> Item:
    """A moderator keeps a reported comment: its open reports are dismissed, it leaves
    the reported queue and shows again (not committed)."""
    item = _reported(session, item_id)
    _close(session, item, "dismissed")
    _show(session, item, True)
    return item


def remove(session: Session, item_id: int, moderator: Moderator, reason: str,
           note: str = "") -> Item:
    """A moderator removes a reported comment: rejected with `reason` (its open reports
    upheld), through lifecycle like every status change (not committed)."""
    item = _reported(session, item_id)
    _close(session, item, "upheld")
    if item.hidden:  # back in the count first, so that the rejection takes it out once
        _show(session, item, True)
    lifecycle.move(session, item, "rejected", moderator=moderator, reason=reason, note=note)
    return item


def of_item(session: Session, item_id: int) -> list[tuple[Report, float]]:
    """The item's reports, oldest first, each with its reporter's accuracy now."""
    reports = list(session.scalars(select(Report).where(Report.item_id == item_id)
                                   .order_by(Report.id)))
    return [(r, accuracy(session, r.reporter_key)) for r in reports]


def _reported(session: Session, item_id: int) -> Item:
    item = session.get(Item, item_id, with_for_update=True, populate_existing=True)
    if item is None:
        raise LookupError(f"no item {item_id}")
    if item.reported_at is None:
        raise lifecycle.TransitionError(f"item {item_id} is not in the reported queue")
    return item


def _close(session: Session, item: Item, outcome: str) -> None:
    now = utcnow()
    for row in session.scalars(select(Report).where(Report.item_id == item.id,
                                                    Report.outcome == "open")):
        row.outcome, row.resolved_at = outcome, now
        record = session.get(Reporter, row.reporter_key) or Reporter(key=row.reporter_key,
                                                                    upheld=0, dismissed=0)
        session.add(record)
        if outcome == "upheld":
            record.upheld += 1
        else:
            record.dismissed += 1
    item.reported_at, item.report_weight = None, 0.0


def _show(session: Session, item: Item, shown: bool) -> None:
    """Hide a published comment from its thread's page while it is reported, or show
    it again: the page and its count change, as when it left or entered `approved`."""
    if item.hidden == (not shown):
        return
    item.hidden = not shown
    if item.thread_id is not None:
        session.execute(update(Thread).where(Thread.id == item.thread_id).values(
            revision=Thread.revision + 1,
            approved_count=Thread.approved_count + (1 if shown else -1)))
    outbox.record(session, "item.shown" if shown else "item.hidden", site_id=item.site_id,
                  item_id=item.id, thread_id=item.thread_id)
