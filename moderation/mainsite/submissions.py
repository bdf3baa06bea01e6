"""The CMS read side: approved reader submissions, newest approvals last, paged with a
keyset cursor on (decided_at, id) so a CMS polling with `since` or `cursor` never misses
or repeats an item however many arrive between its calls."""
import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from moderation.store import SUBMISSION_KINDS, Item, Site

PAGE_MAX = 100


class QueryError(ValueError):
    """A bad query parameter; `field` names it."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


@dataclass(frozen=True)
class Cursor:
    decided_at: datetime
    id: int

    def encode(self) -> str:
        raw = f"{self.decided_at.isoformat()}|{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> "Cursor":
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            when, _, item_id = raw.partition("|")
            return cls(datetime.fromisoformat(when), int(item_id))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise QueryError("cursor", "cursor is not one this API handed out") from None


def iso(dt: datetime | None) -> str | None:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ") if dt else None


def parse_kind(value: str | None) -> str | None:
    if not value:
        return None
    if value not in SUBMISSION_KINDS:
        raise QueryError("kind", f"unknown kind {value!r}; use one of {', '.join(SUBMISSION_KINDS)}")
    return value


def parse_since(value: str | None) -> datetime | None:
    """An ISO 8601 time as naive UTC (our stored convention); None when absent."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise QueryError("since", "since must be an ISO 8601 time such as 2026-01-31T08:00:00Z") from None
    if when.tzinfo is not None:
        try:
            when = when.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:  # 9999-12-31T23:59-01:00 is past the last date Python has
            raise QueryError("since", "since is out of range") from None
    return when


def public(item: Item) -> dict:
    """What the main site may see of an item: never the email, IP or raw context."""
    return {"id": item.id, "kind": item.kind, "title": item.title,
            "author_name": item.author_name, "html": item.body_html or "",
            "fields": dict(item.fields or {}), "created_at": iso(item.created_at),
            "approved_at": iso(item.decided_at) if item.status == "approved" else None}


def approved(session: Session, site: Site, kind: str | None = None,
             since: datetime | None = None, after: Cursor | None = None,
             limit: int = 50) -> tuple[list[Item], Cursor | None]:
    """Approved submissions of `site` in approval order, and the cursor for the next page
    (None on the last one)."""
    query = select(Item).where(Item.site_id == site.id, Item.status == "approved")
    query = query.where(Item.kind == kind) if kind else query.where(Item.kind.in_(SUBMISSION_KINDS))
    if since is not None:
        query = query.where(Item.decided_at >= since)
    if after is not None:
        query = query.where(tuple_(Item.decided_at, Item.id) > (after.decided_at, after.id))
    rows = list(session.scalars(query.order_by(Item.decided_at, Item.id).limit(limit + 1)))
    page = rows[:limit]
    more = len(rows) > limit
    return page, Cursor(page[-1].decided_at, page[-1].id) if more else None


def latest(session: Session, site: Site, kind: str | None = None, limit: int = 50) -> list[Item]:
    """The most recently approved submissions, newest first (for the Atom feed)."""
    query = select(Item).where(Item.site_id == site.id, Item.status == "approved")
    query = query.where(Item.kind == kind) if kind else query.where(Item.kind.in_(SUBMISSION_KINDS))
    return list(session.scalars(query.order_by(Item.decided_at.desc(), Item.id.desc()).limit(limit)))
