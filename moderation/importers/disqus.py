"""Disqus's export (Admin > Moderation > Export): every thread, then every post.

A thread's key is its Disqus identifier (what the site set as disqus_identifier, as it
would set data-thread) or else its URL's path. Threads are kept in memory by Disqus id
until the posts refer to them (a few hundred bytes each). Status: isSpam -> spam,
isDeleted -> rejected, isApproved false -> pending, otherwise approved."""
from collections.abc import Callable, Iterator

from moderation.importers import xmlstream
from moderation.importers.records import (
    TEXT_LIMIT,
    THREAD_KEY,
    Comment,
    FieldTooLong,
    Skipped,
    Thread,
    parse_time,
    text,
    thread_key,
)

SOURCE = "disqus"
THREAD, POST = "disqus/thread", "disqus/post"
SHAPES = {
    THREAD: frozenset({"@dsq:id", "id", "link", "title", "isClosed"}),
    POST: frozenset({"@dsq:id", "message", "createdAt", "isDeleted", "isSpam", "isApproved",
                     "author/name", "author/username", "author/email", "ipAddress",
                     "thread@dsq:id", "parent@dsq:id"}),
}


def read(path: str, progress: Callable[[int], None] | None = None
         ) -> Iterator[Comment | Skipped]:
    """The posts of a Disqus export in file order; raises ImportFileError."""
    threads: dict[str, Thread] = {}
    for record in xmlstream.read(path, "disqus", SHAPES, TEXT_LIMIT, progress):
        if record.path == THREAD:
            thread = _thread(record)
            if thread is not None:
                threads[_plain(record, "@dsq:id")] = thread
        else:
            yield _post(record, threads)


def _plain(record: dict, field: str) -> str:
    try:
        return text(record, field)
    except FieldTooLong:
        return ""


def _thread(record) -> Thread | None:
    dsq_id, link = _plain(record, "@dsq:id"), _plain(record, "link")
    if not dsq_id:
        return None
    identifier = _plain(record, "id").lstrip("/")  # the comments API takes no leading /
    key = identifier if THREAD_KEY.fullmatch(identifier) else \
        thread_key(link, f"disqus-{dsq_id}")
    return Thread(key=key, url=link, title=_plain(record, "title"),
                  is_open=_plain(record, "isClosed") != "true")


def _post(record, threads: dict[str, Thread]) -> Comment | Skipped:
    dsq_id = _plain(record, "@dsq:id")
    label = f"post {dsq_id or '(no id)'} (line {record.line})"
    try:
        if not dsq_id:
            return Skipped(dsq_id, label, "it has no dsq:id")
        thread_id = text(record, "thread@dsq:id")
        thread = threads.get(thread_id)
        if thread is None:
            return Skipped(dsq_id, label, f"its thread {thread_id or '(none)'} is not in the export")
        raw_time = text(record, "createdAt")
        try:
            created_at = parse_time(raw_time)
        except ValueError:
            return Skipped(dsq_id, label, f"its date {raw_time[:40]!r} is not a date")
        if text(record, "isSpam") == "true":
            status = "spam"
        elif text(record, "isDeleted") == "true":
            status = "rejected"
        elif text(record, "isApproved") == "false":
            status = "pending"
        else:
            status = "approved"
        return Comment(
            source_id=dsq_id, label=label, thread=thread, body=text(record, "message"),
            author_name=text(record, "author/name") or text(record, "author/username"),
            author_email=text(record, "author/email"), ip=text(record, "ipAddress"),
            created_at=created_at, status=status,
            parent_id=text(record, "parent@dsq:id") or None)
    except FieldTooLong as exc:
        return Skipped(dsq_id, label, str(exc))
