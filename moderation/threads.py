"""Threads: the articles comments belong to, open or closed to new comments (by a
moderator, or the system some days after the first comment where a site asks). A thread's URL and title are shown beside
its comments, in the recent-comments box and in webhooks, so they never come from a
post nobody approved: a reader's post proposes them (kept with the item), the thread's
first approved comment confirms them (adopt), and the main site may set them at any time
(register: PUT /api/v1/sites/<site>/threads/<key> with the site's API key). Either way
the URL must be a page on the site's allowed origins."""
from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation.fields import THREAD_KEY, TITLE_MAX, URL_MAX, IntakeError, check_field
from moderation.intake import check_thread_url, create_thread
from moderation.store import Item, Site, Thread, outbox, utcnow


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


def close(session: Session, thread: Thread, actor: str) -> bool:
    """Close the thread to new comments (not committed): its page says so from now on
    (a new revision, and an outbox event for the page caches). False when it was closed."""
    return _set_open(session, thread, False, actor)


def reopen(session: Session, thread: Thread, actor: str) -> bool:
    """Open a closed thread again (not committed); False when it was open."""
    return _set_open(session, thread, True, actor)


def close_old(session: Session, site_id: int, days: float, now: datetime | None = None,
              limit: int = 500) -> int:
    """Close the site's open threads whose first comment is more than `days` old, as the
    system (not committed); returns how many."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    old = session.scalars(select(Thread).where(
        Thread.site_id == site_id, Thread.is_open.is_(True), Thread.first_comment_at < cutoff)
        .order_by(Thread.id).limit(limit)).all()
    return sum(close(session, thread, "system") for thread in old)


def _set_open(session: Session, thread: Thread, is_open: bool, actor: str) -> bool:
    if thread.is_open == is_open:
        return False
    thread.is_open = is_open
    thread.revision += 1
    outbox.record(session, "thread.reopened" if is_open else "thread.closed",
                  site_id=thread.site_id, thread_id=thread.id, actor=actor)
    return True
