"""What every detector returns, and the folding they share."""
import hashlib
import re
import unicodedata
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import lru_cache

SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Signal:
    """One reason behind a score. weight in [0, 1): how strongly it says spam on its own;
    0 is informational. checked=False means the detector could not run."""
    name: str
    weight: float
    detail: str
    checked: bool = True

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Sample:
    """The parts of an item the detectors read; None where the context is unknown
    (as in offline evaluation on a corpus)."""
    text: str
    kind: str = "comment"
    title: str = ""
    # The kind's own fields as the reader typed them, (name, value): a deal's link, a
    # tip's source URL, a column's author bio... Their links are checked as the text's.
    fields: tuple[tuple[str, str], ...] = ()
    author_name: str = ""
    author_email: str = ""
    ip: str = ""
    ip_prefix: str = ""
    honeypot: str = ""
    form_served_at: datetime | None = None
    received_at: datetime | None = None
    site_id: int | None = None
    item_id: int | None = None


@lru_cache(maxsize=64)
def fold(text: str) -> str:
    """Case-, accent- and space-folded text, for matching words and duplicates. Cached:
    several detectors fold the same item's text."""
    if not text.isascii():  # ASCII has no accents to take off
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return SPACES.sub(" ", text.casefold()).strip()


def body_hash(text: str) -> str:
    return hashlib.sha1(fold(text).encode()).hexdigest()
