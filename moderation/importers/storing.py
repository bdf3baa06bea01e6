"""Parsed records into items, a batch at a time (the command commits after each).

Each comment becomes an Item of its thread (found by key, or created with the source's
URL and title), its body kept as the source wrote it (bar surrounding whitespace) and
sanitised for display by the same sanitiser as every other item, its status set through
lifecycle.move by the actor "import" with a note naming the source. The webhooks send
nothing for that actor's decisions (the CMS has these comments already), and nothing is
learnt from them unless the run asks for it. The source's id goes into import_record.

Idempotent: a record whose id is in import_record already is counted and left alone,
so a second run stores nothing twice, and a run that stopped half way (only whole
batches are committed) resumes where it stopped when started again.

Replies: a reply's id must be above its parent's (the embed builds a thread in id order),
so a reply is stored after its parent. A parent stored by an earlier batch or run is
found in import_record. A reply that comes before its parent waits for it, up to
WAITING_LIMIT replies; one whose parent never comes, was skipped, or is in another
thread, is stored at the top level and named in the summary."""
import ipaddress
import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation import lifecycle, sanitising
from moderation.fields import SURROGATE, ip_prefix
from moderation.importers import history
from moderation.importers.records import Comment, Skipped, Thread
from moderation.importers.summary import Summary
from moderation.spam import learning
from moderation.spam.signals import body_hash
from moderation.store import ImportRecord, Item
from moderation.store import Thread as ThreadRow

ACTOR = "import"  # mainsite/webhooks.py sends no webhook for this actor's decisions
BATCH = 500
WAITING_LIMIT = 10_000
NAME_MAX, EMAIL_MAX, URL_MAX, TITLE_MAX = 100, 254, 2000, 300  # the columns' sizes
UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Imported statuses, each reached from `received` as the state machine allows.
PATHS = {"approved": ("approved",), "pending": ("pending",), "spam": ("spam",),
         "rejected": ("pending", "rejected")}


@dataclass
class Run:
    """One import into one site: what this run has seen, and the replies waiting."""
    site_id: int
    source: str
    summary: Summary
    learn: bool = False
    ip_cutoff: datetime | None = None  # full addresses older than this keep their network
    threads: dict[str, int] = field(default_factory=dict)  # key -> thread id
    waiting: dict[str, list[Comment]] = field(default_factory=dict)  # parent id -> replies
    waiting_count: int = 0
    skipped_ids: set[str] = field(default_factory=set)
    moderators: dict[str, int | None] = field(default_factory=dict)  # json: name -> id


def store(session: Session, run: Run, records: list) -> None:
    """Store one batch of records (not committed)."""
    comments, threads = [], []
    for record in records:
        if isinstance(record, Skipped):
            _skip(run, record.source_id, record.label, record.reason)
        elif isinstance(record, Thread):
            threads.append(record)
        else:
            comments.append(record)
            if record.thread is not None:
                threads.append(record.thread)
    ensure_threads(session, run, threads)
    wanted = {c.source_id for c in comments} | {c.parent_id for c in comments if c.parent_id}
    known = _known(session, run, wanted)
    queue = comments
    while queue:  # a round per level of replies whose parents are in this batch
        queue = _round(session, run, queue, known)
    while run.waiting_count > WAITING_LIMIT:
        parent_id = next(iter(run.waiting))
        store(session, run, _orphaned(run, parent_id,
                                      f"did not come within {WAITING_LIMIT:,} records"))


def finish(session: Session, run: Run) -> None:
    """Store the replies still waiting for a parent that never came, at the top level
    (not committed)."""
    orphans = []
    for parent_id in list(run.waiting):
        orphans += _orphaned(run, parent_id, "is not in the file")
    if orphans:
        store(session, run, orphans)


def _orphaned(run: Run, parent_id: str, why: str) -> list[Comment]:
    replies = run.waiting.pop(parent_id)
    run.waiting_count -= len(replies)
    for reply in replies:
        _top_level(run, reply, f"its parent {parent_id} {why}")
    return replies


def _top_level(run: Run, comment: Comment, why: str) -> None:
    run.summary.problem(comment.label, f"{why}; stored as a top-level comment")
    run.summary.top_level += 1
    comment.parent_id = None


def _skip(run: Run, source_id: str, label: str, reason: str) -> None:
    if reason in ("pingback", "trackback"):
        run.summary.skipped[reason] += 1
    else:
        run.summary.skipped["with a problem"] += 1
        run.summary.problem(label, f"{reason}; skipped")
    if len(run.skipped_ids) < 100_000:  # their replies go to the top level at once
        run.skipped_ids.add(source_id)


def _known(session: Session, run: Run, source_ids: set[str]) -> dict[str, tuple]:
    """source id -> (item id, thread id) of those already imported (item id None: erased)."""
    if not source_ids:
        return {}
    rows = session.execute(
        select(ImportRecord.source_id, ImportRecord.item_id, Item.thread_id)
        .outerjoin(Item, Item.id == ImportRecord.item_id)
        .where(ImportRecord.site_id == run.site_id, ImportRecord.source == run.source,
               ImportRecord.source_id.in_(source_ids)))
    return {source_id: (item_id, thread) for source_id, item_id, thread in rows}


def _round(session: Session, run: Run, queue: list[Comment], known: dict) -> list[Comment]:
    """Add the comments whose parent is known (or who have none), flush, and return the
    replies that can go next: those to a parent added in this round."""
    added, later, this_round = [], [], set()
    with session.no_autoflush:  # one flush per round: the items go in as batched INSERTs
        for comment in queue:
            if comment.source_id in known or comment.source_id in this_round:
                run.summary.existing += 1
                continue
            parent = None
            if comment.parent_id is not None:
                if comment.parent_id == comment.source_id:
                    _top_level(run, comment, "it names itself as its parent")
                elif comment.parent_id in known:
                    parent = known[comment.parent_id]
                elif comment.parent_id in this_round:
                    later.append(comment)
                    continue
                elif comment.parent_id in run.skipped_ids:
                    _top_level(run, comment, f"its parent {comment.parent_id} was skipped")
                else:
                    run.waiting.setdefault(comment.parent_id, []).append(comment)
                    run.waiting_count += 1
                    continue
            item = _add(session, run, comment, parent)
            if item is not None:
                added.append((comment, item))
                this_round.add(comment.source_id)
    session.flush()
    for comment, item in added:
        known[comment.source_id] = (item.id, item.thread_id)
        if comment.details is not None:
            history.attach(session, run, item, comment.details)
        if run.learn and item.status in ("spam", "approved"):
            learning.example(session, item, item.status == "spam", ACTOR)
            run.summary.learned += 1
        released = run.waiting.pop(comment.source_id, ())
        run.waiting_count -= len(released)
        later.extend(released)
    return later


def ensure_threads(session: Session, run: Run, threads: list[Thread]) -> None:
    """Find or create the site's threads with these keys, in one query and one flush;
    an existing thread without a URL or title gets the source's."""
    wanted = {t.key: t for t in threads if t.key not in run.threads}
    if not wanted:
        return
    rows = {row.key: row for row in session.scalars(select(ThreadRow).where(
        ThreadRow.site_id == run.site_id, ThreadRow.key.in_(wanted)))}
    for key, thread in wanted.items():
        row = rows.get(key)
        if row is None:
            row = rows[key] = ThreadRow(site_id=run.site_id, key=key, is_open=thread.is_open,
                                        url="", title="")
            if thread.created_at is not None:
                row.created_at = thread.created_at
            session.add(row)
            run.summary.threads += 1
        row.url = row.url or _line(thread.url, URL_MAX, keep_long=False)
        row.title = row.title or _line(thread.title, TITLE_MAX)
    session.flush()
    run.threads.update((key, row.id) for key, row in rows.items())


def _add(session: Session, run: Run, comment: Comment, parent: tuple | None) -> Item | None:
    """The new item with its import record and status (not flushed), or None when the
    comment is refused (named in the summary)."""
    if comment.status not in PATHS and comment.details is None:
        comment.status = "pending"
    if not comment.body.strip() and comment.status != "rejected" and comment.details is None:
        _skip(run, comment.source_id, comment.label, "its body is empty")
        return None
    thread = run.threads[comment.thread.key] if comment.thread is not None else None
    parent_item_id = None
    if parent is not None:
        if parent[0] is None:
            _top_level(run, comment, f"its parent {comment.parent_id} was erased")
        elif parent[1] != thread:
            _top_level(run, comment, f"its parent {comment.parent_id} is in another thread")
        else:
            parent_item_id = parent[0]
    body = _storable(comment.body)
    ip = _address(comment.ip)
    item = Item(site_id=run.site_id, kind=comment.kind, status="received", version=1,
                thread_id=thread, parent_id=parent_item_id, title="", body_raw=body,
                body_hash=body_hash(body),
                fields=_fields(comment), author_name=_name(comment.author_name),
                author_email=_email(comment.author_email), ip=ip, ip_prefix=ip_prefix(ip),
                created_at=comment.created_at, signals=[])
    if comment.details is not None:
        history.fill(item, comment.details)
    else:  # the shown HTML and, for a comment, what the embed serves (Item.show)
        item.show(sanitising.clean(body, comment.kind))
    if run.ip_cutoff is not None and item.created_at < run.ip_cutoff:
        item.ip = item.ip_prefix  # past the retention period only the network is kept
    session.add(item)
    session.add(ImportRecord(site_id=run.site_id, source=run.source,
                             source_id=comment.source_id, item=item))
    if comment.details is not None:
        history.replay(session, run, item, comment.details, ACTOR)
    else:
        for to in PATHS[comment.status]:
            lifecycle.move(session, item, to, actor=ACTOR, note=f"imported from {run.source}",
                           reason="other" if to == "rejected" else "")
        item.decided_at = comment.created_at  # when the source last saw it decided, at best
    run.summary.stored[item.status] += 1
    return item


def _storable(text: str) -> str:
    """What no database stores (NUL; PostgreSQL refuses it) or encodes (a lone
    surrogate) as U+FFFD; everything else exactly as the source had it."""
    if "\x00" in text or SURROGATE.search(text):
        return SURROGATE.sub("\ufffd", text.replace("\x00", "\ufffd"))
    return text


def _line(text: str, limit: int, keep_long: bool = True) -> str:
    text = UNPRINTABLE.sub(" ", _storable(text)).strip()
    return text[:limit] if keep_long or len(text) <= limit else ""


def _name(text: str) -> str:
    return _line(text, NAME_MAX) or "Anonymous"


def _email(text: str) -> str:
    """The address as the source had it ("" when it had none, or nothing that fits)."""
    text = _line(text, EMAIL_MAX, keep_long=False)
    return text if "@" in text and " " not in text else ""


def _address(text: str) -> str:
    """An IP address as we write it (an IPv4 one mapped into IPv6 as IPv4), else ""."""
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return ""
    mapped = getattr(address, "ipv4_mapped", None)
    return str(mapped or address)


def _fields(comment: Comment) -> dict:
    if comment.details is not None:
        return comment.details["fields"]
    website = _line(comment.website, URL_MAX, keep_long=False)
    try:
        parts = urlsplit(website)
    except ValueError:
        return {}
    return {"website": website} if parts.scheme in ("http", "https") and parts.hostname else {}
