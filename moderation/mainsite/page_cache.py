"""Built comment pages, kept per web process and dropped when their thread changes.

A thread's page changes when a comment enters or leaves `approved`, or when an erase
takes comments out of it. Those changes are outbox events (store/outbox.py); after their
commit, dropped() names the threads they touched, this process drops its pages of them
at once, and Announcements publishes the thread ids on a Redis channel that every web
process listens to (one daemon thread each, started by the first read).

A cached page is served without asking the database only while that is known to be
safe: while this process is subscribed to the channel (trusted()). Without a channel
(MODERATION_ANNOUNCE_URL empty: the embedded mode) or while the listener has lost
Redis, every read compares the page with the thread's revision in the database first
(mainsite/embed.py), which costs one small query. A page also expires after
MODERATION_PAGE_CACHE_SECONDS whatever happens, which bounds the damage of an
announcement that was lost while the listener stayed subscribed."""
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from redis import Redis

from moderation.store.outbox import Committed

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Page:
    body: bytes
    etag: str
    thread_id: int | None
    expires: float


class PageCache:
    """Built comment pages by (site, thread, limit, after), each with the ETag of the
    revision it was built from. At most `size` pages and `budget` bytes of them: a page
    of a long thread is hundreds of kilobytes, and readers choose the keys, so a count
    alone would not bound the process's memory. The least recently stored go first."""

    def __init__(self, size: int = 4096, seconds: float = 60, budget: int = 32 * 2**20):
        self.size, self.seconds, self.budget = size, seconds, budget
        self.pages: OrderedDict = OrderedDict()
        self.stored = 0  # bytes of the pages kept
        self.generation = 0  # bumped by every drop: a page built across one is not kept
        self._lock = threading.Lock()

    def get(self, key) -> Page | None:
        page = self.pages.get(key)
        if page is None:
            return None
        if page.expires < time.monotonic():
            with self._lock:
                self._forget(key)
            return None
        return page

    def put(self, key, page: Page, generation: int) -> None:
        if self.size <= 0 or len(page.body) > self.budget:
            return
        with self._lock:
            if generation != self.generation:
                return  # a thread changed while this page was built: it may be stale
            self._forget(key)
            self.pages[key] = page
            self.stored += len(page.body)
            while len(self.pages) > self.size or self.stored > self.budget:
                self._forget(next(iter(self.pages)))

    def _forget(self, key) -> None:
        page = self.pages.pop(key, None)
        if page is not None:
            self.stored -= len(page.body)

    def drop(self, thread_ids: set[int]) -> None:
        """Forget the pages of these threads, and of threads that did not exist yet."""
        with self._lock:
            self.generation += 1
            for key in [k for k, p in self.pages.items()
                        if p.thread_id is None or p.thread_id in thread_ids]:
                self._forget(key)

    def drop_all(self) -> None:
        with self._lock:
            self.generation += 1
            self.pages.clear()
            self.stored = 0


# Events that change their thread's page whatever they carry: a comment hidden while it
# is reported, or shown again; the thread closed or reopened.
PAGE_EVENTS = ("item.hidden", "item.shown", "thread.closed", "thread.reopened")


def changed_threads(events: list[Committed]) -> set[int]:
    """The threads whose public page the events change."""
    threads = set()
    for event in events:
        if event.type == "item.status_changed" and event.thread_id is not None \
                and "approved" in (event.data.get("from"), event.data.get("to")):
            threads.add(event.thread_id)
        elif event.type in PAGE_EVENTS and event.thread_id is not None:
            threads.add(event.thread_id)
        elif event.type == "reader.erased":
            threads.update(event.data.get("threads", ()))
    return threads


class Announcements:
    """Changed threads, told to every web process over a Redis channel (see the module
    docstring). `url` "" means there is no channel: nothing is announced or trusted."""

    def __init__(self, cache: PageCache, url: str, channel: str):
        self.cache, self.channel = cache, channel
        self.redis = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2,
                                    health_check_interval=30) if url else None
        self.subscribed = False
        self._listener: threading.Thread | None = None
        self._lock = threading.Lock()

    def trusted(self) -> bool:
        """May a cached page be served without asking the database?"""
        if self.redis is None:
            return False
        if self._listener is None:
            self._start()
        return self.subscribed

    def committed(self, events: list[Committed]) -> None:
        """The outbox consumer: drop this process's pages of the threads the events
        changed and tell the other processes. Never raises (it runs after a commit)."""
        threads = changed_threads(events)
        if not threads:
            return
        self.cache.drop(threads)
        if self.redis is None:
            return
        try:
            self.redis.publish(self.channel, ",".join(map(str, sorted(threads))))
        except Exception as exc:  # the other processes' pages expire by themselves
            log.warning("could not announce changed threads %s: %s", sorted(threads), exc)

    def _start(self) -> None:
        with self._lock:
            if self._listener is None:
                self._listener = threading.Thread(target=self._listen, daemon=True,
                                                  name="page-announcements")
                self._listener.start()

    def _listen(self) -> None:
        while True:
            pubsub = self.redis.pubsub(ignore_subscribe_messages=False)
            try:
                pubsub.subscribe(self.channel)
                while True:
                    message = pubsub.get_message(timeout=1)
                    if message is None:
                        continue
                    if message["type"] == "subscribe":
                        self.cache.drop_all()  # what was said before now is unknown
                        self.subscribed = True
                    elif message["type"] == "message":
                        self.cache.drop({int(i) for i in message["data"].split(b",") if i})
            except Exception as exc:
                if self.subscribed:
                    log.warning("page announcements: lost Redis (%s); reads check the "
                                "database", exc)
                self.subscribed = False
                self.cache.drop_all()
                time.sleep(1)
            finally:
                try:
                    pubsub.close()
                except Exception:
                    pass
