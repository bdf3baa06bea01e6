"""Flood: how many items the same network (/24 or /48 prefix) and the same email sent
in the last minutes, counted in the database (both columns are indexed)."""
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Item
from .signals import Sample, Signal

WINDOW = timedelta(minutes=10)
# (at least this many earlier items, weight). A prefix is shared by offices and mobile
# carriers, so it alone is never decisive; one address sending this much is.
BY_PREFIX = ((25, 0.4), (10, 0.2))
BY_EMAIL = ((10, 0.6), (4, 0.3))


def count(session: Session, sample: Sample, column, value: str) -> int:
    return session.scalar(select(func.count()).select_from(Item).where(
        column == value, Item.id != sample.item_id,
        Item.created_at >= sample.received_at - WINDOW,
        Item.created_at <= sample.received_at)) or 0


def weight_for(n: int, steps) -> float:
    return next((weight for least, weight in steps if n >= least), 0.0)


def check(sample: Sample, session: Session) -> list[Signal]:
    if sample.received_at is None:
        return []
    minutes = int(WINDOW.total_seconds() // 60)
    signals = []
    if sample.ip_prefix:
        n = count(session, sample, Item.ip_prefix, sample.ip_prefix)
        signals.append(Signal("flood_network", weight_for(n, BY_PREFIX),
                              f"{n} other item(s) from {sample.ip_prefix} in {minutes} min"))
    if sample.author_email:
        n = count(session, sample, Item.author_email, sample.author_email)
        signals.append(Signal("flood_email", weight_for(n, BY_EMAIL),
                              f"{n} other item(s) from this email in {minutes} min"))
    return signals
