"""Author history: earlier decided items with the same email or from the same network.
Approved items are shown (weight 0: the score only adds evidence of spam; routing uses
approved history for auto-approval); spam and rejected ones raise the score."""
from sqlalchemy.orm import Session

from moderation.spam.footprint import HISTORY_CAP, STATUSES, at_least, footprint
from moderation.spam.signals import Sample, Signal

# Weight per earlier spam item and per rejected item, and the cap. A network prefix is
# shared by many people, so it counts for less than the email.
PER_EMAIL = (0.25, 0.1, 0.6)
PER_PREFIX = (0.1, 0.03, 0.3)


def check(sample: Sample, session: Session, stored=footprint) -> list[Signal]:
    """History signals for sample from the stored items (`stored(sample, session)`: the
    footprint query, or the scorer's copy of it that flood shares)."""
    if sample.received_at is None:
        return []
    counts = stored(sample, session)
    signals = []
    for name, value, n, (per_spam, per_rejected, cap), label in (
            ("history_email", sample.author_email, counts.email, PER_EMAIL, "this email"),
            ("history_network", sample.ip_prefix, counts.network, PER_PREFIX, sample.ip_prefix)):
        if not value or not n:
            continue
        weight = min(per_spam * n.get("spam", 0) + per_rejected * n.get("rejected", 0), cap)
        detail = ", ".join(f"{at_least(n.get(s, 0), HISTORY_CAP)} {s}" for s in STATUSES) \
            + f" earlier from {label}"
        signals.append(Signal(name, round(weight, 2), detail))
    return signals
