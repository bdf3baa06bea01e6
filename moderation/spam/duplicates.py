"""Exact duplicates: the same folded text already sent on this site in the last days,
under any name. The detail names the earlier items so a moderator sees the campaign."""
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Item
from .signals import Sample, Signal, body_hash

WINDOW = timedelta(days=7)
MIN_LENGTH = 12  # "Thanks!" twice is not a campaign


def check(sample: Sample, session: Session) -> list[Signal]:
    if len(sample.text.strip()) < MIN_LENGTH or sample.received_at is None:
        return []
    earlier = session.scalars(
        select(Item.id).where(Item.body_hash == body_hash(sample.text),
                              Item.site_id == sample.site_id, Item.id != sample.item_id,
                              Item.created_at >= sample.received_at - WINDOW)
        .order_by(Item.id.desc()).limit(10)).all()
    if not earlier:
        return []
    ids = ", ".join(f"#{i}" for i in earlier)
    return [Signal("duplicate", 0.8, f"same text as item {ids}")]
