"""Flood: how many items the same network (/24 or /48 prefix) and the same email sent
in the last minutes, counted from the stored items (footprint.py, one query that
history shares)."""
from sqlalchemy.orm import Session

from moderation.spam.footprint import RECENT_CAP, WINDOW, at_least, footprint
from moderation.spam.signals import Sample, Signal

# (at least this many earlier items, weight). A prefix is shared by offices and mobile
# carriers, so it alone is never decisive; one address sending this much is.
BY_PREFIX = ((25, 0.4), (10, 0.2))
BY_EMAIL = ((10, 0.6), (4, 0.3))


def weight_for(n: int, steps) -> float:
    return next((weight for least, weight in steps if n >= least), 0.0)


def check(sample: Sample, session: Session, stored=footprint) -> list[Signal]:
    """Flood signals for sample from the stored items (`stored(sample, session)`: the
    footprint query, or the scorer's copy of it that history shares)."""
    if sample.received_at is None:
        return []
    counts = stored(sample, session)
    by_network, by_email = counts.recent_network, counts.recent_email
    minutes = int(WINDOW.total_seconds() // 60)
    signals = []
    if sample.ip_prefix:
        signals.append(Signal("flood_network", weight_for(by_network, BY_PREFIX),
                              f"{at_least(by_network, RECENT_CAP)} other item(s) from "
                              f"{sample.ip_prefix} in {minutes} min"))
    if sample.author_email:
        signals.append(Signal("flood_email", weight_for(by_email, BY_EMAIL),
                              f"{at_least(by_email, RECENT_CAP)} other item(s) from this email "
                              f"in {minutes} min"))
    return signals
