"""Telling every web process that a thread's public comments changed, so a repeated
read of a comment page is served from memory without asking the database anything.

lifecycle.move (and privacy's erase) call changed() whenever they bump a thread's
revision. Once that transaction commits, the thread ids are published on a Redis
channel, and this process drops its own pages of them at once. Each web process runs
one Listener (a daemon thread, started by the first read) that drops the pages named
on the channel.

A cached page is served without a database check only while that is known to be safe
(trusted()): in the embedded mode, where every change happens in this one process, and
in production while the listener is subscribed. A listener that loses Redis forgets
every page, and until it is subscribed again each read checks the thread's revision in
the database first (embed.comments_page), as it would with no cache. A page also
expires after MODERATION_PAGE_CACHE_SECONDS whatever happens, which bounds the damage
of a publish that failed while the listener stayed subscribed."""
import logging
import threading
import time

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from moderation.extensions import broker_redis

log = logging.getLogger(__name__)


def changed(session: Session, thread_id: int) -> None:
    """Note that thread_id's public page changes when this session commits."""
    session.info.setdefault("changed_threads", set()).add(thread_id)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    ids = session.info.pop("changed_threads", None)
    if ids and has_app_context():
        news = current_app.extensions.get("thread_news")
        if news is not None:
            news.publish(ids)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop("changed_threads", None)


class ThreadNews:
    def __init__(self, app: Flask, cache):
        self.cache = cache
        celery = app.config["CELERY"]
        # Embedded: one process on SQLite that makes every change itself. Not so for
        # tasks run in-process on PostgreSQL: gunicorn's other processes change threads too.
        self.embedded = bool(app.config.get("EMBEDDED")) and celery["task_always_eager"]
        self.channel = f"moderation:{celery['task_default_queue']}:threads"
        self.redis = broker_redis(app)
        self.subscribed = False
        self._listener: threading.Thread | None = None
        self._lock = threading.Lock()

    def trusted(self) -> bool:
        """May a cached page be served without asking the database?"""
        if self.embedded:
            return True
        if self.redis is None:  # a broker that is not Redis: no news to listen to
            return False
        if self._listener is None:
            self._start()
        return self.subscribed

    def publish(self, ids: set[int]) -> None:
        """Drop this process's pages of ids and tell the others; never raises (it runs
        after a commit, which nothing may undo)."""
        self.cache.drop(ids)
        if self.redis is None:
            return
        try:
            self.redis.publish(self.channel, ",".join(map(str, sorted(ids))))
        except Exception as exc:  # the other processes' pages expire by themselves
            log.warning("could not announce changed threads %s: %s", sorted(ids), exc)

    def _start(self) -> None:
        with self._lock:
            if self._listener is None:
                self._listener = threading.Thread(target=self._listen, daemon=True,
                                                  name="thread-news")
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
                    log.warning("thread news: lost Redis (%s); reads check the database", exc)
                self.subscribed = False
                self.cache.drop_all()
                time.sleep(1)
            finally:
                try:
                    pubsub.close()
                except Exception:
                    pass
