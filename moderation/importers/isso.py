"""Isso's formats: its SQLite database (comments.db), and the "generic" JSON that Isso
itself imports (a list of threads, each {"id": uri, "title", "comments": [...]}).

A database comment's mode is its status: 1 published (approved), 2 waiting for
moderation (pending), 4 deleted but kept for its replies (rejected; Isso has already
emptied it). A thread's key is its URI, the path Isso's embed used. Text that is not
valid UTF-8 skips that comment with the field's name."""
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import ijson

from moderation.importers.records import (
    TEXT_LIMIT,
    Comment,
    ImportFileError,
    Skipped,
    Thread,
    parse_time,
    thread_key,
)

SOURCE = "isso"
SQLITE_MAGIC = b"SQLite format 3\x00"
MODES = {1: "approved", 2: "pending", 4: "rejected"}
COLUMNS = ("tid", "id", "parent", "created", "mode", "remote_addr", "text", "author", "email",
           "website")
PROGRESS_EVERY = 100


def is_database(path: str) -> bool:
    with open(path, "rb") as file:
        return file.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC


def size(path: str) -> int:
    """What progress counts: comments in a database, bytes in a JSON file."""
    if not is_database(path):
        return Path(path).stat().st_size
    with _connect(path) as connection:
        return connection.execute("SELECT count(*) FROM comments").fetchone()[0]


def read(path: str, progress: Callable[[int], None] | None = None
         ) -> Iterator[Comment | Skipped]:
    """The comments of an Isso database or generic JSON file, parents first; raises
    ImportFileError."""
    if is_database(path):
        yield from _database(path, progress)
    else:
        yield from _generic(path, progress)


def _connect(path: str) -> sqlite3.Connection:
    connection = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    connection.text_factory = bytes  # decoded per field, so bad bytes name their field
    try:
        tables = {row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        raise ImportFileError(f"not a readable SQLite database: {exc}") from None
    if not {b"threads", b"comments"} <= tables:
        raise ImportFileError("not an Isso database: it has no threads and comments tables")
    return connection


def _database(path: str, progress) -> Iterator[Comment | Skipped]:
    connection = _connect(path)
    try:
        threads = {}
        for tid, uri, title in connection.execute("SELECT id, uri, title FROM threads"):
            uri, title = _decode(uri) or "", _decode(title) or ""
            threads[tid] = Thread(key=thread_key(uri, f"isso-{tid}"), title=title)
        rows = connection.execute(f"SELECT {', '.join(COLUMNS)} FROM comments ORDER BY id")
        for count, row in enumerate(rows, 1):
            yield _row(dict(zip(COLUMNS, row, strict=True)), threads)
            if progress is not None and count % PROGRESS_EVERY == 0:
                progress(PROGRESS_EVERY)
    except sqlite3.DatabaseError as exc:
        raise ImportFileError(f"the database cannot be read: {exc}") from None
    finally:
        connection.close()


def _decode(value):
    return value.decode("utf-8") if isinstance(value, bytes) else value


def _row(row: dict, threads: dict) -> Comment | Skipped:
    source_id = str(row["id"])
    label = f"comment {source_id}"
    fields = {}
    for name in ("remote_addr", "text", "author", "email", "website"):
        try:
            fields[name] = (_decode(row[name]) or "").strip()
        except UnicodeDecodeError as exc:
            return Skipped(source_id, label, f"its {name} is not valid UTF-8 ({exc.reason} at "
                                             f"byte {exc.start})")
        if len(fields[name]) > TEXT_LIMIT:
            return Skipped(source_id, label, f"its {name} is {len(fields[name]):,} characters "
                                             f"long; an import takes at most {TEXT_LIMIT:,}")
    thread = threads.get(row["tid"])
    if thread is None:
        return Skipped(source_id, label, f"its thread {row['tid']} is not in the database")
    try:
        created_at = datetime.fromtimestamp(float(row["created"]), UTC).replace(tzinfo=None)
    except (TypeError, ValueError, OverflowError, OSError):
        return Skipped(source_id, label, f"its time {row['created']!r} is not a time")
    return Comment(
        source_id=source_id, label=label, thread=thread, body=fields["text"],
        author_name=fields["author"], author_email=fields["email"], website=fields["website"],
        ip=fields["remote_addr"], created_at=created_at,
        status=MODES.get(row["mode"], "pending"),
        parent_id=str(row["parent"]) if row["parent"] is not None else None)


def _generic(path: str, progress) -> Iterator[Comment | Skipped]:
    with open(path, "rb") as file:
        last = 0
        try:
            for index, thread in enumerate(ijson.items(file, "item", use_float=True)):
                yield from _generic_thread(thread, index)
                if progress is not None:
                    position = file.tell()
                    progress(position - last)
                    last = position
        except ijson.JSONError as exc:
            raise ImportFileError(f"not an Isso database, nor JSON Isso reads: {exc}") from None


def _generic_thread(thread, index: int) -> Iterator[Comment | Skipped]:
    if not isinstance(thread, dict) or not isinstance(thread.get("id"), str):
        yield Skipped(f"#{index}", f"thread #{index + 1}", "it is not an object with an id")
        return
    uri = thread["id"]
    title = thread.get("title") if isinstance(thread.get("title"), str) else ""
    record = Thread(key=thread_key(uri, f"isso-{index + 1}"), title=title)
    for position, comment in enumerate(thread.get("comments") or []):
        yield _generic_comment(comment, uri, record, position)


def _generic_comment(comment, uri: str, thread: Thread, position: int) -> Comment | Skipped:
    number = comment.get("id", position) if isinstance(comment, dict) else position
    source_id, label = f"{uri}#{number}", f"comment {number} of thread {uri}"
    if not isinstance(comment, dict):
        return Skipped(source_id, label, "it is not an object")
    fields = {}
    for name in ("text", "author", "email", "website", "remote_addr", "created"):
        value = comment.get(name) or ""
        if not isinstance(value, str):
            return Skipped(source_id, label, f"its {name} is not a string")
        if len(value) > TEXT_LIMIT:
            return Skipped(source_id, label, f"its {name} is {len(value):,} characters long; "
                                             f"an import takes at most {TEXT_LIMIT:,}")
        fields[name] = value.strip()
    try:
        created_at = parse_time(fields["created"])
    except ValueError:
        return Skipped(source_id, label, f"its date {fields['created'][:40]!r} is not a date")
    return Comment(source_id=source_id, label=label, thread=thread, body=fields["text"],
                   author_name=fields["author"], author_email=fields["email"],
                   website=fields["website"], ip=fields["remote_addr"], created_at=created_at,
                   status="approved")
