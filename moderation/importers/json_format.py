"""Our own export: everything of one site, as one versioned JSON document that `import
json` reads back into the same threads, items, statuses and history.

    {"format": "moderation-export", "version": 1, "exported_at": "...Z",
     "site": {"key", "name", "allowed_origins", "policy", "created_at"},
     "threads": [{"key", "url", "title", "is_open", "created_at"}, ...],
     "items": [{"id", "kind", "status", "version", "thread", "parent_id", "title",
                "body_raw", "body_html", "fields", "author_name", "author_email", "ip",
                "ip_prefix", "user_agent", "referrer", "form_served_at", "honeypot",
                "score", "signals", "created_at", "decided_at",
                "decisions": [{"from", "to", "actor", "reason", "note", "created_at",
                               "message"}],
                "notes": [{"actor", "body", "created_at"}],
                "edits": [{"actor", "title_before", "title_after", "body_before",
                           "body_after", "created_at"}]}, ...]}

Times are UTC. Items come in id order, so a parent comes before its replies. Both ways
stream: the export writes a thread or an item per line as it reads them a page at a
time, and the import parses the file with ijson one object at a time. An item's id
(with the site's key) is its source id on import."""
import json
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TextIO

import ijson
from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation.importers import checks
from moderation.importers.records import Comment, ImportFileError, Skipped, Thread
from moderation.store import Decision, Item, ItemEdit, Note, Site, SubmitterMessage, utcnow
from moderation.store import Thread as ThreadRow

SOURCE = "json"
FORMAT, VERSION = "moderation-export", 1
PAGE = 500
OBJECTS = ("site", "threads.item", "items.item")


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat() + "Z"


def _line(value) -> str:
    return json.dumps(value, separators=(",", ":"))


def export(session: Session, site_key: str, out: TextIO) -> int:
    """Write everything of the site to `out`; returns the number of items written.
    Raises LookupError for an unknown site."""
    site = session.scalar(select(Site).where(Site.key == site_key))
    if site is None:
        raise LookupError(f"unknown site {site_key!r}")
    out.write(f'{{"format":"{FORMAT}","version":{VERSION},"exported_at":'
              f'{_line(_time(utcnow()))},\n"site":')
    out.write(_line({"key": site.key, "name": site.name, "allowed_origins": site.allowed_origins,
                     "policy": site.policy, "created_at": _time(site.created_at)}))
    keys: dict[int, str] = {}
    out.write(',\n"threads":[')
    for number, thread in enumerate(_pages(session, ThreadRow, ThreadRow.site_id == site.id)):
        keys[thread.id] = thread.key
        out.write(("\n" if number == 0 else ",\n") + _line({
            "key": thread.key, "url": thread.url, "title": thread.title,
            "is_open": thread.is_open, "created_at": _time(thread.created_at)}))
    out.write('],\n"items":[')
    count = 0
    for page in _item_pages(session, site.id):
        for item, history in page:
            out.write(("\n" if count == 0 else ",\n") + _line(_item(item, keys, history)))
            count += 1
    out.write("]}\n")
    return count


def _pages(session: Session, model, *where) -> Iterator:
    last = 0
    while True:
        rows = session.scalars(select(model).where(*where, model.id > last)
                               .order_by(model.id).limit(PAGE)).all()
        yield from rows
        if len(rows) < PAGE:
            return
        last = rows[-1].id


def _item_pages(session: Session, site_id: int) -> Iterator[list]:
    """Pages of (item, its decisions, messages, notes and edits): five queries a page."""
    page: list[Item] = []
    for item in _pages(session, Item, Item.site_id == site_id):
        page.append(item)
        if len(page) == PAGE:
            yield _with_history(session, page)
            page = []
    if page:
        yield _with_history(session, page)


def _with_history(session: Session, items: list[Item]) -> list:
    ids = [item.id for item in items]
    found = {model: {} for model in (Decision, Note, ItemEdit)}
    for model, by_item in found.items():
        for row in session.scalars(select(model).where(model.item_id.in_(ids)).order_by(model.id)):
            by_item.setdefault(row.item_id, []).append(row)
    messages = dict(session.execute(select(SubmitterMessage.decision_id, SubmitterMessage.body)
                                    .where(SubmitterMessage.item_id.in_(ids))).all())
    return [(item, {model: rows.get(item.id, []) for model, rows in found.items()} | {
        SubmitterMessage: messages}) for item in items]


def _item(item: Item, thread_keys: dict[int, str], history: dict) -> dict:
    messages = history[SubmitterMessage]
    return {
        "id": item.id, "kind": item.kind, "status": item.status, "version": item.version,
        "thread": thread_keys.get(item.thread_id), "parent_id": item.parent_id,
        "title": item.title, "body_raw": item.body_raw, "body_html": item.body_html,
        "fields": item.fields or {}, "author_name": item.author_name,
        "author_email": item.author_email, "ip": item.ip, "ip_prefix": item.ip_prefix,
        "user_agent": item.user_agent, "referrer": item.referrer,
        "form_served_at": _time(item.form_served_at), "honeypot": item.honeypot,
        "score": item.score, "signals": item.signals or [],
        "created_at": _time(item.created_at), "decided_at": _time(item.decided_at),
        "decisions": [{"from": d.from_status, "to": d.to_status, "actor": d.actor,
                       "reason": d.reason, "note": d.note, "created_at": _time(d.created_at),
                       "message": messages.get(d.id)} for d in history[Decision]],
        "notes": [{"actor": n.actor, "body": n.body, "created_at": _time(n.created_at)}
                  for n in history[Note]],
        "edits": [{"actor": e.actor, "title_before": e.title_before,
                   "title_after": e.title_after, "body_before": e.body_before,
                   "body_after": e.body_after, "created_at": _time(e.created_at)}
                  for e in history[ItemEdit]],
    }


def header(path: str) -> dict:
    """The document's site, read from its head; raises ImportFileError when the file is
    not our export (or not of a version this code reads)."""
    for prefix, value in _objects(path):
        if prefix == "site":
            return checks.site(value)
    raise ImportFileError("the export has no site")


def read(path: str, progress: Callable[[int], None] | None = None
         ) -> Iterator[Thread | Comment | Skipped]:
    """The threads, then the items of an export; raises ImportFileError."""
    threads: dict[str, Thread] = {}
    site_key = None
    for prefix, value in _objects(path, progress):
        if prefix == "site":
            site_key = checks.site(value)["key"]
        elif prefix == "threads.item":
            thread = checks.thread(value)
            if isinstance(thread, Thread):
                threads[thread.key] = thread
            yield thread
        elif prefix == "items.item":
            yield checks.item(value, threads, site_key)


def _objects(path: str, progress=None) -> Iterator[tuple[str, object]]:
    """("site" | "threads.item" | "items.item", the object) in file order, once the
    document has said it is our format in a version we read."""
    with open(path, "rb") as file:
        seen, builder, target, last = {}, None, None, 0
        try:
            for prefix, event, value in ijson.parse(file, use_float=True):
                if builder is not None:
                    builder.event(event, value)
                    if prefix == target and event in ("end_map", "end_array"):
                        yield target, builder.value
                        builder = None
                        if progress is not None and file.tell() != last:
                            progress(file.tell() - last)
                            last = file.tell()
                    continue
                if prefix in ("format", "version"):
                    seen[prefix] = value
                elif prefix in OBJECTS and event not in ("end_map", "end_array"):
                    if seen != {"format": FORMAT, "version": VERSION}:
                        raise ImportFileError(
                            f"not a {FORMAT} document of version {VERSION} (it says format "
                            f"{seen.get('format')!r}, version {seen.get('version')!r})")
                    if event in ("start_map", "start_array"):
                        builder, target = ijson.ObjectBuilder(), prefix
                        builder.event(event, value)
                    else:
                        yield prefix, value
        except ijson.JSONError as exc:
            raise ImportFileError(f"the file is not valid JSON: {exc}") from None
        except UnicodeDecodeError as exc:
            raise ImportFileError(f"the file is not UTF-8 ({exc.reason} at byte {exc.start})") \
                from None
