"""What every reader yields, whatever the source: threads, comments (or, from our own
export, items of any kind) and records it skipped with the reason. Readers only parse;
storing.py decides what is stored."""
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

THREAD_KEY = re.compile(r"[^\x00-\x20\x7f]{1,200}")  # as intake.THREAD_KEY
# The longest text an import takes. Historic comments may be longer than intake's limit
# for new ones (WordPress takes 65,525 bytes): they are stored as they were written, up
# to this; a longer one is skipped with its length, and never reaches the sanitiser.
TEXT_LIMIT = 65_535


class ImportFileError(ValueError):
    """The file as a whole cannot be read (not well-formed, not UTF-8, an entity
    declaration, not this source's format): nothing of it is stored."""


@dataclass(frozen=True, slots=True)
class Thread:
    key: str
    url: str = ""
    title: str = ""
    is_open: bool = True
    created_at: datetime | None = None


@dataclass(slots=True)
class Comment:
    """One comment (any item, from our own export) as its source describes it."""
    source_id: str
    label: str  # names the record in messages: "comment 18/7 (line 52)"
    thread: Thread | None
    body: str
    author_name: str
    created_at: datetime
    status: str  # approved, pending, spam or rejected
    parent_id: str | None = None  # the parent's source_id
    author_email: str = ""
    website: str = ""
    ip: str = ""
    kind: str = "comment"
    # Our own export only: the item's other columns and its history (json_format.py).
    details: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Skipped:
    source_id: str
    label: str
    reason: str  # a sentence naming the problem, or "pingback" / "trackback"


@dataclass(frozen=True, slots=True)
class TooLong:
    """A text field longer than the reader keeps: only its length is known."""
    length: int


def text(record: dict, field: str) -> str:
    """A field's text, stripped; "" when absent. A TooLong field raises FieldTooLong."""
    value = record.get(field, "")
    if isinstance(value, TooLong):
        raise FieldTooLong(field, value.length)
    return value.strip()


class FieldTooLong(ValueError):
    def __init__(self, field: str, length: int):
        super().__init__(f"its {field} is {length:,} characters long; an import takes at "
                         f"most {TEXT_LIMIT:,}")


def thread_key(url: str, fallback: str) -> str:
    """The thread key for a page: its URL's path (and query, e.g. WordPress's /?p=4)
    without the leading slash (the comments API takes a key that does not start with
    one), which is what a site moving over would put in data-thread; `fallback` (the
    source's own id) when the URL has no usable path, as for a home page."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        parts = None
    key = "" if parts is None else \
        parts.path.lstrip("/") + (f"?{parts.query}" if parts.query else "")
    return key if THREAD_KEY.fullmatch(key) else fallback


def parse_time(text: str) -> datetime:
    """An ISO 8601 or "YYYY-MM-DD HH:MM:SS" time as naive UTC; ValueError otherwise."""
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value
