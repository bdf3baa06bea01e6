"""The read side for the main site: approved comments of a thread, counts, recent.

A thread's comment pages are built once per thread revision (lifecycle bumps it when a
comment enters or leaves `approved`) from each comment's prepared public fields, and
kept as ready JSON bytes. A repeated read then costs no query at all while thread_news
is subscribed to the announcements of changed threads, and one small query for the
revision when it is not."""
import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import Integer, String, bindparam, literal_column, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from moderation.store import Item, Site, Thread
from moderation.store.database import HotStatement

PAGE_MAX = 200


@dataclass(frozen=True)
class Page:
    body: bytes
    etag: str
    thread_id: int | None
    expires: float


class PageCache:
    """Built comment pages by (site, thread, limit, after), each with the ETag of the
    revision it was built from. thread_news decides whether a page may be served as it
    is or only after the revision is checked, and drops the pages of changed threads."""

    def __init__(self, size: int = 4096, seconds: float = 60):
        self.size, self.seconds = size, seconds
        self.pages: OrderedDict = OrderedDict()
        self.generation = 0  # bumped by every drop: a page built across one is not kept
        self._lock = threading.Lock()

    def get(self, key) -> Page | None:
        page = self.pages.get(key)
        if page is None:
            return None
        if page.expires < time.monotonic():
            with self._lock:
                self.pages.pop(key, None)
            return None
        return page

    def put(self, key, page: Page, generation: int) -> None:
        if self.size <= 0:
            return
        with self._lock:
            if generation != self.generation:
                return  # a thread changed while this page was built: it may be stale
            self.pages[key] = page
            if len(self.pages) > self.size:
                self.pages.popitem(last=False)

    def drop(self, thread_ids: set[int]) -> None:
        """Forget the pages of these threads, and of threads that did not exist yet."""
        with self._lock:
            self.generation += 1
            for key in [k for k, p in self.pages.items()
                        if p.thread_id is None or p.thread_id in thread_ids]:
                del self.pages[key]

    def drop_all(self) -> None:
        with self._lock:
            self.generation += 1
            self.pages.clear()


def iso(dt) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class ThreadState:
    id: int
    revision: int
    approved_count: int


_THREAD = HotStatement(select(Thread.id, Thread.revision, Thread.approved_count).where(
    Thread.site_id == bindparam("site_id", type_=Integer),
    Thread.key == bindparam("thread_key", type_=String)))


def thread_state(engine: Engine, site_id: int, thread_key: str) -> ThreadState | None:
    """The thread's revision and count, in one autocommit round trip; None when no one
    has commented on it yet."""
    rows = _THREAD.all(engine, {"site_id": site_id, "thread_key": thread_key})
    return ThreadState(*rows[0]) if rows else None


def etag(thread: ThreadState | None, limit: int, after: int) -> str:
    revision = f"{thread.id}.{thread.revision}" if thread else "0"
    return f"c{revision}.{limit}.{after}"


def cached_page(cache: PageCache, site_key: str, thread_key: str, limit: int,
                after: int) -> Page | None:
    """The page as last built (served unchecked when thread_news trusts it, else
    compared with the thread's current ETag first)."""
    return cache.get((site_key, thread_key, limit, after))


def comments_page(engine: Engine, cache: PageCache, generation: int, site_key: str,
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
        rows = _with_fields(engine, _FRAGMENTS.all(engine, {"thread_id": thread.id}))
        tops, more = _page_of_tree(rows, limit, after)
    head = json.dumps({"site": site_key, "thread": thread_key,
                       "count": thread.approved_count if thread else 0,
                       "next": str(tops[-1][0]) if more else None}, separators=(",", ":"))
    body = f'{head[:-1]},"comments":[{",".join(json for _, json in tops)}]}}'
    page = Page(body.encode(), tag, thread.id if thread else None,
                time.monotonic() + cache.seconds)
    cache.put((site_key, thread_key, limit, after), page, generation)
    return page


def _with_fields(engine: Engine, rows: list) -> list:
    """Rows whose comment has no prepared fields (approved by something that did not go
    through lifecycle.move) get them built here."""
    missing = [row[0] for row in rows if row[2] is None]
    if not missing:
        return rows
    with engine.connect() as connection:
        built = {row.id: public_fields(row) for row in connection.execute(
            select(Item.id, Item.author_name, Item.body_html, Item.created_at)
            .where(Item.id.in_(missing)))}
    return [(i, parent, fields if fields is not None else built[i]) for i, parent, fields in rows]


def public_fields(item) -> str:
    """The comment's public fields but its place in the thread (id, parent, replies), as
    the inside of a JSON object: written once, when it is approved."""
    return json.dumps({"author_name": item.author_name, "html": item.body_html or "",
                       "created_at": iso(item.created_at)}, separators=(",", ":"))[1:-1]


_FRAGMENTS = HotStatement(
    select(Item.id, Item.parent_id, Item.public_json)
    .where(Item.thread_id == bindparam("thread_id", type_=Integer),
           Item.status == literal_column("'approved'"))
    .order_by(Item.id))


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
        .where(Item.site_id == site.id, Item.kind == "comment", Item.status == "approved")
        .order_by(Item.decided_at.desc(), Item.id.desc()).limit(limit)).all()
    return [{"id": item.id, "thread": thread.key, "thread_url": thread.url,
             "thread_title": thread.title, "author_name": item.author_name,
             "html": item.body_html or "", "created_at": iso(item.created_at)}
            for item, thread in rows]
