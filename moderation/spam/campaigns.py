"""Campaigns: one text sent under many names. When a copy goes to spam as part of a
campaign (duplicates.is_campaign), the cluster's other items still waiting in `pending`
go to spam with it, unless something vouches for one: a moderator already saw it
(opened it, or decided it before, e.g. took it out of the spam queue), or its author
has approved items. Those stay where they are, marked, for a moderator to decide: press
releases and quotes are public text, and copies that someone else sends later must not
take a reader's legitimate item down."""
from sqlalchemy import exists, select
from sqlalchemy.orm import Session, aliased

from moderation import lifecycle
from moderation.spam import duplicates, scorer
from moderation.spam.signals import Sample, Signal
from moderation.store import Decision, Item

MARK = "campaign"  # the signal a vouched-for item gets instead of the move

_earlier = aliased(Item)
_HISTORY = exists().where(_earlier.author_email == Item.author_email,
                          _earlier.status == "approved", _earlier.id != Item.id)
_DECIDED = exists().where(Decision.item_id == Item.id, Decision.moderator_id.is_not(None))


def vouched(session: Session, items: list[Item]) -> dict[int, str]:
    """Why each of `items` must not be moved without a moderator, by item id (items
    nothing vouches for are left out). One statement; each test stops at its first row
    (indexes on the author's email and status, and on the decision's item)."""
    if not items:
        return {}
    rows = session.execute(select(Item.id, _HISTORY.label("history"), _DECIDED.label("decided"))
                           .where(Item.id.in_([i.id for i in items]))).all()
    found = {row.id: row for row in rows}
    why = {}
    for item in items:
        reasons = []
        if item.id in found and found[item.id].decided:
            reasons.append("a moderator decided it before")
        elif item.claimed_by_id is not None:
            reasons.append("a moderator has opened it")
        if item.id in found and found[item.id].history:
            reasons.append("its author has approved items")
        if reasons:
            why[item.id] = " and ".join(reasons)
    return why


def gather(session: Session, item: Item, sample: Sample) -> None:
    """Send the campaign's other pending items that nothing vouches for to `spam` with
    `item`, each pointing at it, so the cluster lands in the spam queue together; mark
    the vouched-for ones and leave them pending (not committed). Decided items are left
    as moderators left them."""
    cluster = duplicates.find(sample, session)
    waiting = list(session.scalars(select(Item).where(Item.id.in_(cluster.ids),
                                                      Item.status == "pending")
                                   .order_by(Item.id).with_for_update()))
    kept = vouched(session, waiting)
    authors = cluster.other_authors + 1
    for other in waiting:
        if other.id in kept:
            _mark(other, Signal(MARK, 0.0, f"copies of this text from other authors went to "
                                           f"spam as a campaign (first #{item.id}); left for "
                                           f"a moderator: {kept[other.id]}"))
            continue
        signal = Signal("duplicate", 0.8, f"same or nearly the same text as item #{item.id}, "
                                          f"a campaign from {authors} authors")
        signals = [s for s in other.signals if s["name"] != "duplicate"] + [signal.as_dict()]
        other.signals = signals
        other.score = scorer.combine([Signal(**s) for s in signals])
        lifecycle.move(session, other, "spam", note=f"campaign: near-duplicate of spam item #{item.id}")


def _mark(item: Item, signal: Signal) -> None:
    """Add the campaign mark once (weight 0: the score stays); later copies of a flood
    then cost no write."""
    if not any(s["name"] == MARK for s in item.signals):
        item.signals = [*item.signals, signal.as_dict()]
