"""What the stored items say about a sample's sender, in one query: how many items the
same email and network sent in the flood window (flood.py), and how many of their
earlier items moderators approved, rejected or marked spam (history.py)."""
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import bindparam, func, literal_column, select
from sqlalchemy.orm import Session

from moderation.spam.signals import Sample
from moderation.store import Item

WINDOW = timedelta(minutes=10)  # the flood window
STATUSES = ("approved", "rejected", "spam")


@dataclass(frozen=True)
class Footprint:
    recent_network: int = 0
    recent_email: int = 0
    email: dict[str, int] = field(default_factory=dict)  # status -> earlier items
    network: dict[str, int] = field(default_factory=dict)


_item = Item.__table__
# Counts stop here: the detectors' weights stop growing well before (flood.py,
# history.py), and a capped count costs the same however many items an author has.
RECENT_CAP, HISTORY_CAP = 30, 10


def at_least(n: int, cap: int) -> str:
    """A capped count as a moderator reads it: "10+" when the cap was reached."""
    return f"{n}+" if n >= cap else str(n)


def _capped(cap: int, *conditions):
    """count(*) of at most `cap` rows matching: one bounded index range."""
    rows = select(literal_column("1")).where(*conditions, _item.c.id != bindparam("item_id"))
    return select(func.count()).select_from(rows.limit(cap).subquery()).scalar_subquery()


def _status(status: str):
    # Written into the SQL, not bound: the plan is the same for every item.
    return _item.c.status == literal_column(f"'{status}'")


_email = _item.c.author_email == bindparam("email")
_network = _item.c.ip_prefix == bindparam("prefix")
_recent = _item.c.created_at.between(bindparam("since"), bindparam("until"))
# Built once: SQLAlchemy compiles it once per process and reuses it from its cache. Each
# count walks its own index (ix_item_ip_prefix_created, ix_item_author_email_created,
# ix_item_author_email_status, ix_item_ip_prefix_status). An empty email or prefix is
# bound as NULL, which matches no row.
QUERY = select(_capped(RECENT_CAP, _network, _recent), _capped(RECENT_CAP, _email, _recent),
               *(_capped(HISTORY_CAP, _email, _status(s)) for s in STATUSES),
               *(_capped(HISTORY_CAP, _network, _status(s)) for s in STATUSES))


def footprint(sample: Sample, session: Session) -> Footprint:
    """Counts of the stored items from sample's email and network, sample excluded."""
    if not (sample.author_email or sample.ip_prefix) or sample.received_at is None:
        return Footprint()
    row = session.execute(QUERY, {
        "email": sample.author_email or None, "prefix": sample.ip_prefix or None,
        "since": sample.received_at - WINDOW, "until": sample.received_at,
        "item_id": sample.item_id or 0,  # ids start at 1
    }).one()
    recent_network, recent_email, *tallies = (int(n) for n in row)
    email, network = tallies[:len(STATUSES)], tallies[len(STATUSES):]
    return Footprint(recent_network, recent_email,
                     {s: n for s, n in zip(STATUSES, email, strict=True) if n},
                     {s: n for s, n in zip(STATUSES, network, strict=True) if n})
