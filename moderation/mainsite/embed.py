"""The read side for the main site: approved comments of a thread, counts, recent.

A thread's comment pages are built once per thread revision (lifecycle bumps it when a
comment enters or leaves `approved`) from each comment's prepared public fields
(Item.show), and kept as ready JSON bytes in the page cache (page_cache.py). A repeated
read then costs no query while the cache is trusted, and one small query for the
revision when it is not."""
import json
import time
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from moderation.mainsite.page_cache import Page, PageCache
from moderation.store import Item, Site, Thread

PAGE_MAX = 200
# The two statements of a read, built once as Core statements on the tables: every read
# that the cache cannot answer runs them, and Core skips the ORM's work per execution
# while SQLAlchemy caches their compilation.
_threads, _items = Thread.__table__.c, Item.__table__.c
THREAD_STATE = select(_threads.id, _threads.revision, _threads.approved_count,
                      _threads.is_open).where(_threads.site_id == bindparam("site_id"),
                                              _threads.key == bindparam("key"))
APPROVED = select(_items.id, _items.parent_id, _items.public_json).where(
    _items.thread_id == bindparam("thread_id"), _items.status == "approved",
    _items.hidden.is_(False)).order_by(_items.id)


def iso(dt) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class ThreadState:
    id: int
    revision: int
    approved_count: int
    is_open: bool


def thread_state(session: Session, site_id: int, thread_key: str) -> ThreadState | None:
    """The thread's revision and count; None when no one has commented on it yet."""
    row = session.connection().execute(THREAD_STATE, {"site_id": site_id,
                                                      "key": thread_key}).first()
    return ThreadState(*row) if row else None


def etag(thread: ThreadState | None, limit: int, after: int) -> str:
    revision = f"{thread.id}.{thread.revision}" if thread else "0"
    return f"c{revision}.{limit}.{after}"


def cached_page(cache: PageCache, site_key: str, thread_key: str, limit: int,
                after: int) -> Page | None:
    """The page as last built (served unchecked while the announcements are trusted, else
    compared with the thread's current ETag first)."""
    return cache.get((site_key, thread_key, limit, after))


def comments_page(session: Session, cache: PageCache, generation: int, site_key: str,
                  thread_key: str, thread: ThreadState | None, limit: int, after: int) -> Page:
    """One page of top-level approved comments (oldest first) with all their replies,
    built unless the cache holds it at the thread's current revision. `generation` is
    the cache's, read before `thread` was: a page built across a change is not kept."""
    tag = etag(thread, limit, after)
    page = cached_page(cache, site_key, thread_key, limit, after)
    if page is not None and page.etag == tag:
        return page
    tops, more = [], False
    if thread is not None:
        rows = session.connection().execute(APPROVED, {"thread_id": thread.id}).all()
        tops, more = _page_of_tree(rows, limit, after)
    head = json.dumps({"site": site_key, "thread": thread_key,
                       "count": thread.approved_count if thread else 0,
                       "closed": thread is not None and not thread.is_open,
                       "next": str(tops[-1][0]) if more else None}, separators=(",", ":"))
    body = f'{head[:-1]},"comments":[{",".join(json for _, json in tops)}]}}'
    page = Page(body.encode(), tag, thread.id if thread else None,
                time.monotonic() + cache.seconds)
    cache.put((site_key, thread_key, limit, after), page, generation)
    return page


def _page_of_tree(rows: list[tuple], limit: int, after: int) -> tuple[list[tuple[int, str]], bool]:
    """Nest replies under their parents, writing each comment's JSON object from its
    prepared fields; a reply whose parent is not shown stands at the top level, so no
    approved comment goes missing. A reply's id is above its parent's (it was posted
    under a published parent), so going down the ids every comment's replies are
    written before it."""
    approved = {row[0] for row in rows}
    replies: dict[int, list[str]] = {}
    tops = []
    for item_id, parent_id, fields in reversed(rows):
        parent = parent_id if parent_id is not None else "null"
        written = (f'{{"id":{item_id},"parent_id":{parent},{fields},"replies":['
                   f'{",".join(reversed(replies.pop(item_id, ())))}]}}')
        if parent_id in approved:
            replies.setdefault(parent_id, []).append(written)
        elif item_id > after:
            tops.append((item_id, written))
    tops.reverse()
    return tops[:limit], len(tops) > limit


def counts(session: Session, site: Site, thread_keys: list[str]) -> dict[str, int]:
    found = dict(session.execute(select(Thread.key, Thread.approved_count).where(
        Thread.site_id == site.id, Thread.key.in_(thread_keys))).all())
    return {key: found.get(key, 0) for key in thread_keys}


def recent(session: Session, site: Site, limit: int) -> list[dict]:
    rows = session.execute(
        select(Item, Thread).join(Thread, Item.thread_id == Thread.id)
        .where(Item.site_id == site.id, Item.kind == "comment", Item.status == "approved",
               Item.hidden.is_(False))
        .order_by(Item.decided_at.desc(), Item.id.desc()).limit(limit)).all()
    return [{"id": item.id, "thread": thread.key, "thread_url": thread.url,
             "thread_title": thread.title, "author_name": item.author_name,
             "html": item.body_html or "", "created_at": iso(item.created_at)}
            for item, thread in rows]
