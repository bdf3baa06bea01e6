"""Flood: how many items the same network (/24 or /48 prefix) and the same email sent
in the last minutes. In production the workers count in Redis, shared by every worker
(RedisWindow); embedded, the stored items are counted (footprint.py, one query that
history shares)."""
import weakref
from datetime import UTC, timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from moderation.spam.footprint import WINDOW, footprint
from moderation.spam.signals import Sample, Signal

# (at least this many earlier items, weight). A prefix is shared by offices and mobile
# carriers, so it alone is never decisive; one address sending this much is.
BY_PREFIX = ((25, 0.4), (10, 0.2))
BY_EMAIL = ((10, 0.6), (4, 0.3))
# Redis keeps an item this long past the window: an item that waited in the queue (a
# worker restarting) still finds the ones that arrived just before it.
STRAGGLERS = timedelta(minutes=30)


# Per sorted set (KEYS): add the item (ARGV[1], unless empty) at its arrival time
# (ARGV[2]), drop members older than the kept span (ARGV[4] seconds), count the window
# (ARGV[3] seconds up to the arrival), renew the key's expiry. One atomic round trip.
COUNT_SCRIPT = """
local counts = {}
for i, key in ipairs(KEYS) do
  if ARGV[1] ~= '' then redis.call('ZADD', key, ARGV[2], ARGV[1]) end
  redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. (ARGV[2] - ARGV[4]))
  counts[i] = redis.call('ZCOUNT', key, ARGV[2] - ARGV[3], ARGV[2])
  redis.call('EXPIRE', key, ARGV[4])
end
return counts
"""


class RedisWindow:
    """A sliding window per network and per email in Redis: one sorted set each, members
    are item ids scored by arrival time. Counting an item adds it, so the window holds
    the items the workers have scored; adding the same id again changes nothing, so an
    item processed twice counts once. Raises redis.RedisError when Redis does not answer."""

    def __init__(self, client, namespace: str):
        # The client fails fast (extensions.broker_redis): a worker must not hang on a
        # dead Redis; the detector is then recorded as not checked and the item held.
        self.client = client
        self.script = self.client.register_script(COUNT_SCRIPT)
        self.namespace = namespace

    def key(self, kind: str, value: str) -> str:
        return f"{self.namespace}:flood:{kind}:{value}"

    def counts(self, sample: Sample) -> tuple[int, int]:
        """Other items in the window from sample's network and from its email (0 where
        the sample has none); adds sample to both windows."""
        kinds = [(kind, value) for kind, value in (("net", sample.ip_prefix),
                                                   ("email", sample.author_email)) if value]
        if not kinds:
            return 0, 0
        at = sample.received_at.replace(tzinfo=UTC).timestamp()
        member = "" if sample.item_id is None else str(sample.item_id)
        found = dict(zip((kind for kind, _ in kinds), self.script(
            keys=[self.key(kind, value) for kind, value in kinds],
            args=[member, repr(at), int(WINDOW.total_seconds()),
                  int((WINDOW + STRAGGLERS).total_seconds())]), strict=True))
        own = 1 if member else 0  # the window holds sample itself
        return (max(found.get("net", own) - own, 0), max(found.get("email", own) - own, 0))


# The Redis window of each production database's engine (create_app registers it).
# Keyed by engine, so test apps on other databases, or on a dead Redis, never share it.
_windows: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def count_in_redis(engine: Engine, client, namespace: str) -> None:
    """Count floods for items stored through engine in Redis (client), under keys that
    start with namespace (the install's task queue, so installs sharing a Redis differ)."""
    _windows[engine] = RedisWindow(client, namespace)


def window_for(session: Session) -> RedisWindow | None:
    return _windows.get(session.get_bind())


def weight_for(n: int, steps) -> float:
    return next((weight for least, weight in steps if n >= least), 0.0)


def check(sample: Sample, session: Session, stored=footprint) -> list[Signal]:
    """Flood signals for sample; in Redis (and counted there) when the session's database
    has a window registered, else from the stored items (`stored(sample, session)`: the
    footprint query, or the scorer's copy of it that history shares)."""
    if sample.received_at is None:
        return []
    window = window_for(session)
    if window is not None:
        by_network, by_email = window.counts(sample)
    else:
        counts = stored(sample, session)
        by_network, by_email = counts.recent_network, counts.recent_email
    minutes = int(WINDOW.total_seconds() // 60)
    signals = []
    if sample.ip_prefix:
        signals.append(Signal("flood_network", weight_for(by_network, BY_PREFIX),
                              f"{by_network} other item(s) from {sample.ip_prefix} in {minutes} min"))
    if sample.author_email:
        signals.append(Signal("flood_email", weight_for(by_email, BY_EMAIL),
                              f"{by_email} other item(s) from this email in {minutes} min"))
    return signals
