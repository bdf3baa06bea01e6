"""The moderators' side: the queue, claims, and decisions that go through lifecycle."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, tuple_, update
from sqlalchemy.orm import Session, joinedload

from moderation import lifecycle
from moderation.store import Decision, Item, Moderator, Site, SubmitterMessage, Thread, utcnow
from moderation.store.workplace import item_priority

ACTIONS = {"approve": "approved", "reject": "rejected", "spam": "spam", "not_spam": "pending"}
# The reported queue holds published comments whose readers' reports reached the site's
# threshold (community/reports.py): a view on `approved`, not a status of its own.
QUEUES = ("pending", "spam", "reported", "approved", "rejected")
SORTS = ("priority", "oldest", "newest", "toxicity")
PAGE_SIZE = 50
# Counting a million approved items on every poll costs more than the number is worth:
# past this a tab says "10000+".
COUNT_CAP = 10_000
MESSAGE_MAX = 2000
NOTE_MAX = 2000


def status_of(queue_name: str) -> str:
    """The status a queue's items have (the reported queue's are published)."""
    return "approved" if queue_name == "reported" else queue_name


@dataclass(frozen=True)
class Filters:
    status: str = "pending"
    kind: str | None = None
    site: str | None = None
    thread: str = ""  # a thread's key, or words of its title
    min_score: float | None = None
    max_score: float | None = None
    min_toxicity: float | None = None
    max_toxicity: float | None = None
    text: str = ""
    sort: str = ""

    @property
    def order(self) -> str:
        """The sort in effect: priority for the queues still to work, newest first for
        the ones already decided (where a moderator looks for what just happened)."""
        if self.sort:
            return self.sort
        return "priority" if self.status in ("pending", "spam", "reported") else "newest"


@dataclass(frozen=True)
class Page:
    items: list[Item]
    next_cursor: str | None


def queue(session: Session, filters: Filters, limit: int = PAGE_SIZE,
          after: str | None = None) -> Page:
    """One page of the queue in `filters.order`, after the keyset cursor `after` (as
    returned in Page.next_cursor). Raises ValueError for a malformed cursor."""
    priority = item_priority()
    if filters.status == "reported":
        query = select(Item, priority).where(Item.reported_at.is_not(None))
    else:
        query = select(Item, priority).where(Item.status == filters.status)
    # The article each row names comes in the same query.
    query = _filtered(session, query.options(joinedload(Item.thread)), filters)
    order = filters.order
    if order == "priority":
        if after is not None:
            key, item_id = _cursor(after, 2)
            query = query.where(tuple_(priority, Item.id) > tuple_(key, int(item_id)))
        query = query.order_by(priority, Item.id)
    elif order == "oldest":
        if after is not None:
            query = query.where(Item.id > int(_cursor(after, 1)[0]))
        query = query.order_by(Item.id)
    elif order == "newest":
        if after is not None:
            query = query.where(Item.id < int(_cursor(after, 1)[0]))
        query = query.order_by(Item.id.desc())
    if order == "toxicity":
        rows = _by_toxicity(session, query, limit, after)
    else:
        rows = session.execute(query.limit(limit)).all()
    items = [item for item, _ in rows]
    next_cursor = None
    if len(rows) == limit:
        last, key = rows[-1]
        next_cursor = f"{key!r}_{last.id}" if order == "priority" else str(last.id)
        if order == "toxicity":
            next_cursor = f"{'none' if last.toxicity is None else repr(last.toxicity)}_{last.id}"
    return Page(items, next_cursor)


def _by_toxicity(session: Session, query, limit: int, after: str | None) -> list:
    """Most toxic first, then the items without a toxicity score (processed before the
    detector existed), newest first: two ranges of one index (status, toxicity, id),
    each read as a keyset. The cursor is "toxicity_id", or "none_id" in the second."""
    rows, unscored_after = [], None
    if after is not None and after.startswith("none_"):
        unscored_after = int(_cursor(after[5:], 1)[0])
    else:
        scored = query.where(Item.toxicity.is_not(None))
        if after is not None:
            key, item_id = _cursor(after, 2)
            scored = scored.where(tuple_(Item.toxicity, Item.id) < tuple_(key, int(item_id)))
        rows = session.execute(scored.order_by(Item.toxicity.desc(), Item.id.desc())
                               .limit(limit)).all()
    if len(rows) < limit:
        unscored = query.where(Item.toxicity.is_(None))
        if unscored_after is not None:
            unscored = unscored.where(Item.id < unscored_after)
        rows += session.execute(unscored.order_by(Item.id.desc()).limit(limit - len(rows))).all()
    return rows


def _cursor(raw: str, parts: int) -> list[float]:
    """The cursor's numbers: [priority, id] or [id]; ValueError for anything else."""
    try:
        numbers = [float(v) for v in raw.split("_")]
    except ValueError:
        numbers = []
    if len(numbers) != parts or not numbers[-1].is_integer():
        raise ValueError(f"malformed page cursor {raw!r}")
    return numbers


def _filtered(session: Session, query, filters: Filters):
    if filters.kind:
        query = query.where(Item.kind == filters.kind)
    if filters.site:
        # Resolved first so the queue query stays on the item table and its indexes.
        site_id = session.scalar(select(Site.id).where(Site.key == filters.site))
        query = query.where(Item.site_id == (site_id if site_id is not None else -1))
    if filters.thread:
        # Resolved first (a bounded list of threads), so the queue query stays on the
        # item table and its indexes.
        pattern = "%" + _escape_like(filters.thread) + "%"
        threads = select(Thread.id).where(or_(Thread.key == filters.thread,
                                              Thread.title.ilike(pattern, escape="\\")))
        query = query.where(Item.thread_id.in_(session.scalars(threads.limit(100)).all()))
    if filters.min_score is not None:
        query = query.where(Item.score >= filters.min_score)
    if filters.max_score is not None:
        query = query.where(Item.score <= filters.max_score)
    if filters.min_toxicity is not None:
        query = query.where(Item.toxicity >= filters.min_toxicity)
    if filters.max_toxicity is not None:
        query = query.where(Item.toxicity <= filters.max_toxicity)
    if filters.text:
        # ILIKE (lower() LIKE on SQLite): portable; the keyset page bounds the work when
        # the term is common. A rare term scans the status; see README "Search".
        pattern = "%" + _escape_like(filters.text) + "%"
        query = query.where(or_(*(column.ilike(pattern, escape="\\") for column in (
            Item.title, Item.body_raw, Item.author_name, Item.author_email))))
    return query


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def counts(session: Session) -> dict[str, int]:
    """Items per status, each capped at COUNT_CAP + 1 (shown as "10000+")."""
    found = {}
    for status in (*lifecycle.STATUSES, "reported"):
        which = Item.reported_at.is_not(None) if status == "reported" else Item.status == status
        capped = select(Item.id).where(which).limit(COUNT_CAP + 1).subquery()
        found[status] = session.scalar(select(func.count()).select_from(capped))
    return found


class ReasonError(lifecycle.TransitionError):
    """A rejection without a reason, or with one that is not a reason code: bad input
    (the form or the JSON answers 422), not a conflict with another moderator."""


def check_reason(action: str, reason: str) -> None:
    """Raise ReasonError unless `reason` fits `action`. A rejection needs one of
    lifecycle.REASONS, chosen: there is no default, because the reason "spam" also
    teaches the spam model (learning.verdict) and an abusive comment is not spam."""
    if action == "reject" and not reason:
        raise ReasonError(f"choose the reason for rejecting it (one of "
                          f"{', '.join(lifecycle.REASONS)}); nothing was changed")
    if reason and reason not in lifecycle.REASONS:
        raise ReasonError(f"unknown reason {reason[:40]!r}; use one of {', '.join(lifecycle.REASONS)}")


def decide(session: Session, item_id: int, action: str, moderator: Moderator, *,
           version: int | None = None, reason: str = "", note: str = "",
           message: str = "") -> Item:
    """Apply a moderator's action to the item under a row lock (not committed): the one
    door for every moderator status change (single, bulk, after an undo window).

    `note` stays internal (the Decision's note); `message` is shown to the submitter on
    their status page. Raises LookupError for a missing item and
    lifecycle.TransitionError for an unknown action, an action the item's status does
    not allow, a stale version or a message that is too long (its subclass ReasonError
    for a rejection without a reason code).

    The same action sent again (the page's copy of a held action, resent after the page
    that held it was left) changes nothing and returns the item: the item is one version
    past `version` and its latest decision is this moderator's, to the same status."""
    if action not in ACTIONS:
        raise lifecycle.TransitionError(f"unknown action {action!r}")
    message, note = message.strip(), note.strip()
    if len(message) > MESSAGE_MAX or len(note) > NOTE_MAX:
        raise lifecycle.TransitionError(
            f"the message and the note may have at most {MESSAGE_MAX} characters each")
    item = session.get(Item, item_id, with_for_update=True, populate_existing=True)
    if item is None:
        raise LookupError(f"no item {item_id}")
    if version is not None and item.version == version + 1 and _latest_is(session, item, moderator,
                                                                           ACTIONS[action]):
        return item
    check_reason(action, reason)
    decision = lifecycle.move(session, item, ACTIONS[action], moderator=moderator,
                              reason=reason, note=note, expected_version=version)
    if message:
        session.add(SubmitterMessage(item_id=item.id, decision=decision, body=message,
                                     created_at=decision.created_at))
    item.claimed_by_id = item.claimed_until = None  # decided: nobody needs to hold it
    return item


def _latest_is(session: Session, item: Item, moderator: Moderator, status: str) -> bool:
    latest = session.execute(select(Decision.moderator_id, Decision.to_status)
                             .where(Decision.item_id == item.id)
                             .order_by(Decision.id.desc()).limit(1)).first()
    return latest is not None and tuple(latest) == (moderator.id, status)


def claim(session: Session, item_id: int, moderator: Moderator, minutes: float,
          now: datetime | None = None) -> Item | None:
    """Claim the item for `minutes` unless another moderator's claim is still running
    (one conditional UPDATE, so two moderators opening it at once cannot both win).
    Returns the item with its current holder, or None when it does not exist."""
    now = now or utcnow()
    session.execute(
        update(Item).where(Item.id == item_id).where(or_(
            Item.claimed_by_id.is_(None), Item.claimed_until < now,
            Item.claimed_by_id == moderator.id))
        .values(claimed_by_id=moderator.id, claimed_until=now + timedelta(minutes=minutes))
        .execution_options(synchronize_session=False))
    return session.get(Item, item_id, populate_existing=True)


def claim_holder(item: Item, now: datetime | None = None) -> Moderator | None:
    """Who holds a running claim on the item, if anyone."""
    if item.claimed_by_id is None or item.claimed_until is None:
        return None
    return item.claimed_by if item.claimed_until > (now or utcnow()) else None


def latest_decision_id(session: Session) -> int:
    return session.scalar(select(func.max(Decision.id))) or 0


def changes(session: Session, since: int, item_ids: list[int],
            now: datetime | None = None) -> dict:
    """What the queue page needs to stay current: decisions after Decision id `since`
    (up to 500, oldest first) and running claims on `item_ids`."""
    decided = session.execute(
        select(Decision.id, Decision.item_id, Decision.to_status, Decision.actor,
               Decision.moderator_id, Item.version)
        .join(Item, Item.id == Decision.item_id)
        .where(Decision.id > since).order_by(Decision.id).limit(500)).all()
    claims = session.execute(
        select(Item.id, Moderator.username, Moderator.id)
        .join(Moderator, Moderator.id == Item.claimed_by_id)
        .where(Item.id.in_(item_ids[:200]), Item.claimed_until > (now or utcnow()))).all()
    return {
        "last": decided[-1].id if decided else since,
        "decided": [{"id": r.item_id, "status": r.to_status, "by": r.actor,
                     "moderator_id": r.moderator_id, "version": r.version}
                    for r in decided],
        "claims": {str(r[0]): {"by": r[1], "moderator_id": r[2]} for r in claims},
    }
