"""The read side for the main site: approved comments of a thread, counts, recent.

A thread's comment pages are built once per thread revision (lifecycle bumps it when a
comment enters or leaves `approved`) and kept as ready JSON bytes, so a repeated read
costs one small query for the revision and no rendering."""
import json
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Item, Site, Thread

PAGE_MAX = 200


@dataclass(frozen=True)
class Page:
    body: bytes
    etag: str


class PageCache:
    """A small LRU of built pages; keys carry the revision, so nothing is invalidated."""

    def __init__(self, size: int = 4096):
        self.size, self.pages = size, OrderedDict()

    def get(self, key):
        page = self.pages.get(key)
        if page is not None:
            self.pages.move_to_end(key)
        return page

    def put(self, key, page: Page) -> None:
        self.pages[key] = page
        if len(self.pages) > self.size:
            self.pages.popitem(last=False)


def iso(dt) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def find_thread(session: Session, site_key: str, thread_key: str) -> tuple[Site | None, Thread | None]:
    row = session.execute(select(Site, Thread).outerjoin(
        Thread, (Thread.site_id == Site.id) & (Thread.key == thread_key)).where(
        Site.key == site_key)).first()
    return (row[0], row[1]) if row else (None, None)


def etag(site_key: str, thread: Thread | None, limit: int, after: int) -> str:
    revision = f"{thread.id}.{thread.revision}" if thread else "0"
    return f"c{revision}.{limit}.{after}"


def comments_page(session: Session, cache: PageCache, site_key: str, thread_key: str,
                  thread: Thread | None, limit: int, after: int) -> Page:
    """One page of top-level approved comments (oldest first) with all their replies."""
    tag = etag(site_key, thread, limit, after)
    key = (site_key, thread_key, tag)
    page = cache.get(key)
    if page is None:
        tops, more = [], False
        if thread is not None:
            tops, more = _page_of_tree(_approved(session, thread.id), limit, after)
        doc = {"site": site_key, "thread": thread_key,
               "count": thread.approved_count if thread else 0, "comments": tops,
               "next": str(tops[-1]["id"]) if more else None}
        page = Page(json.dumps(doc, separators=(",", ":")).encode(), tag)
        cache.put(key, page)
    return page


def _approved(session: Session, thread_id: int) -> list[tuple]:
    return session.execute(
        select(Item.id, Item.parent_id, Item.author_name, Item.body_html, Item.created_at)
        .where(Item.thread_id == thread_id, Item.status == "approved")
        .order_by(Item.id)).all()


def _page_of_tree(rows: list[tuple], limit: int, after: int) -> tuple[list[dict], bool]:
    """Nest replies under their parents; a reply whose parent is not shown stands at the
    top level, so no approved comment goes missing."""
    nodes = {r.id: {"id": r.id, "parent_id": r.parent_id, "author_name": r.author_name,
                    "html": r.body_html or "", "created_at": iso(r.created_at), "replies": []}
             for r in rows}
    tops = []
    for node in nodes.values():
        parent = nodes.get(node["parent_id"])
        (parent["replies"] if parent else tops).append(node)
    tops = [n for n in tops if n["id"] > after]
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
