"""What a worker does with one received item: sanitise, score, route. Safe to run twice:
only a `received` item is touched, under a row lock."""
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from . import lifecycle, sanitising
from .models import Item
from .spam import scorer
from .spam.signals import Sample

DEFAULT_POLICY = {
    "spam_threshold": scorer.SPAM_THRESHOLD,
    "auto_approve": False,        # pre-moderation unless the site opts in
    "auto_approve_below": 0.2,
}


def policy_of(item: Item) -> dict:
    return {**DEFAULT_POLICY, **(item.site.policy or {})}


def sample_of(item: Item) -> Sample:
    return Sample(text=item.body_raw, kind=item.kind, title=item.title,
                  author_name=item.author_name, author_email=item.author_email, ip=item.ip,
                  honeypot=item.honeypot, form_served_at=item.form_served_at,
                  received_at=item.created_at, site_id=item.site_id, item_id=item.id)


def process(session: Session, item_id: int, classifier=None) -> Item | None:
    """Sanitise, score and route item `item_id` if it is still received (not committed).
    Returns the item, or None when it does not exist."""
    item = session.get(Item, item_id, with_for_update=True, populate_existing=True)
    if item is None or item.status != "received":
        return item
    item.body_html = sanitising.clean(item.body_raw, item.kind)
    policy = policy_of(item)
    result = scorer.score(sample_of(item), policy, session, classifier)
    item.score = result.value
    item.signals = [s.as_dict() for s in result.signals]
    to, note = route(session, item, result, policy)
    lifecycle.move(session, item, to, note=note)
    return item


def route(session: Session, item: Item, result: scorer.Score, policy: dict) -> tuple[str, str]:
    """Where a scored item goes, and the note saying why."""
    if not result.complete:
        return "pending", "held for a moderator: a detector could not run"
    if result.value >= policy["spam_threshold"]:
        return "spam", f"score {result.value:.2f} >= {policy['spam_threshold']}"
    if policy["auto_approve"] and result.value < policy["auto_approve_below"] \
            and _has_approved_items(session, item):
        return "approved", f"score {result.value:.2f}, author has approved items"
    return "pending", f"score {result.value:.2f}"


def _has_approved_items(session: Session, item: Item) -> bool:
    return session.scalar(select(exists().where(
        Item.author_email == item.author_email, Item.status == "approved",
        Item.site_id == item.site_id, Item.id != item.id))) or False
