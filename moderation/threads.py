"""Threads: the articles comments belong to. A thread's URL and title are shown beside
its comments, in the recent-comments box and in webhooks, so they never come from a
post nobody approved: a reader's post proposes them (kept with the item), the thread's
first approved comment confirms them (adopt), and the main site may set them at any time
(register: PUT /api/v1/sites/<site>/threads/<key> with the site's API key). Either way
the URL must be a page on the site's allowed origins."""
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation.fields import THREAD_KEY, TITLE_MAX, URL_MAX, IntakeError, check_field
from moderation.intake import check_thread_url, create_thread
from moderation.store import Item, Site, Thread


def adopt(thread: Thread | None, item: Item) -> None:
    """An approved comment's proposed URL and title become its thread's, when the thread
    has none yet (not committed)."""
    if thread is None or thread.url:
        return
    fields = item.fields or {}
    if fields.get("thread_url"):
        thread.url = fields["thread_url"]
        thread.title = fields.get("thread_title", "") or thread.title


def register(session: Session, site: Site, key: str, url: str, title: str,
             origins: Collection[str] = ()) -> Thread:
    """Create or update the thread with the main site's URL and title (not committed).
    Raises IntakeError naming a bad key, URL (not an http(s) page of the site's allowed
    origins or `origins`) or title."""
    if not THREAD_KEY.fullmatch(key):
        raise IntakeError("thread", "thread key must be 1-200 visible characters")
    url = check_field("url", url, URL_MAX, kind="url", required=True)
    check_thread_url(url, [*site.allowed_origins, *origins])
    title = check_field("title", title, TITLE_MAX, kind="line")
    thread = session.scalar(select(Thread).where(Thread.site_id == site.id, Thread.key == key))
    if thread is None:
        thread = create_thread(session, site.id, key)
    thread.url, thread.title = url, title
    return thread
