"""Author history: earlier decided items with the same email or from the same network.
Approved items are shown (weight 0: the score only adds evidence of spam; routing uses
approved history for auto-approval); spam and rejected ones raise the score."""
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Item
from .signals import Sample, Signal

STATUSES = ("approved", "rejected", "spam")
# Weight per earlier spam item and per rejected item, and the cap. A network prefix is
# shared by many people, so it counts for less than the email.
PER_EMAIL = (0.25, 0.1, 0.6)
PER_PREFIX = (0.1, 0.03, 0.3)


def tally(session: Session, sample: Sample, column, value: str) -> dict[str, int]:
    rows = session.execute(select(Item.status, func.count()).where(
        column == value, Item.id != sample.item_id, Item.status.in_(STATUSES))
        .group_by(Item.status)).all()
    return {status: n for status, n in rows}


def check(sample: Sample, session: Session) -> list[Signal]:
    if sample.received_at is None:
        return []
    signals = []
    for name, column, value, (per_spam, per_rejected, cap), label in (
            ("history_email", Item.author_email, sample.author_email, PER_EMAIL, "this email"),
            ("history_network", Item.ip_prefix, sample.ip_prefix, PER_PREFIX, sample.ip_prefix)):
        if not value:
            continue
        n = tally(session, sample, column, value)
        if not n:
            continue
        weight = min(per_spam * n.get("spam", 0) + per_rejected * n.get("rejected", 0), cap)
        detail = ", ".join(f"{n.get(s, 0)} {s}" for s in STATUSES) + f" earlier from {label}"
        signals.append(Signal(name, round(weight, 2), detail))
    return signals
