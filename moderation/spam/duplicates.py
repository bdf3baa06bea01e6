"""Duplicates across all authors and sites: the same folded text (exact), or nearly the
same (MinHash over character 5-grams, datasketch), sent in the last days. The weight
grows with the number of other authors, so a campaign posting one text under many names
is caught; the detail names the other items so a moderator sees the cluster."""
import functools
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import LargeBinary, bindparam, cast, insert, null, select, union_all
from sqlalchemy.orm import Session

from moderation.spam.signals import Sample, Signal, body_hash, fold
from moderation.store import Fingerprint, FingerprintBand, Item

WINDOW = timedelta(days=7)
MIN_LENGTH = 12  # "Thanks!" twice is not a campaign
NEAR_MIN_LENGTH = 40  # below this a few shared words make texts "near"
SHINGLE = 5
# 20 bands of 3 hash values: texts with Jaccard similarity 0.6 share a band with
# probability 0.99, unrelated texts (similarity ~0.05) with probability 0.003.
BANDS, ROWS = 20, 3
SIMILAR = 0.6
CAMPAIGN_AUTHORS = 2  # other authors (emails) sharing the text that make it a campaign
MAX_SHOWN = 10


@dataclass(frozen=True)
class Cluster:
    exact: list[int]
    near: list[tuple[int, float]]  # item id, estimated similarity
    other_authors: int

    @property
    def ids(self) -> list[int]:
        return sorted({*self.exact, *(i for i, _ in self.near)})


@functools.cache
def minhash_factory():
    # Imported on first use: datasketch pulls in scipy, seconds that web processes and a
    # starting worker should not pay. The permutations are drawn once per process.
    from datasketch import MinHash
    permutations = MinHash(num_perm=BANDS * ROWS, seed=20260101).permutations
    return lambda: MinHash(num_perm=BANDS * ROWS, permutations=permutations, scheme="affine32")


@functools.lru_cache(maxsize=64)
def signature(text: str) -> np.ndarray | None:
    """The text's MinHash values (read-only), None for a short text. Cached: the worker
    needs them twice per item, to score it (find) and to store them (remember)."""
    folded = fold(text)
    if len(folded) < NEAR_MIN_LENGTH:
        return None
    shingles = {folded[i:i + SHINGLE].encode() for i in range(len(folded) - SHINGLE + 1)}
    minhash = minhash_factory()()
    minhash.update_batch(list(shingles))
    values = minhash.hashvalues.astype(np.uint32)
    values.flags.writeable = False
    return values


def band_keys(values: np.ndarray) -> list[int]:
    keys = []
    for band in range(BANDS):
        digest = hashlib.blake2b(bytes([band]) + values[band * ROWS:(band + 1) * ROWS].tobytes(),
                                 digest_size=8).digest()
        keys.append(int.from_bytes(digest, "big", signed=True))  # fits a BIGINT
    return keys


_item, _fingerprint = Item.__table__, Fingerprint.__table__
_band = FingerprintBand.__table__
# Every look-up is bounded, whatever the size of a flood or of the database: the newest
# EXACT_MAX items with the same text in the window (index ix_item_body_hash_created), and
# for each band the newest PER_BAND items sharing it (ix_spam_fingerprint_band_key), of
# which the newest NEAR_MAX in the window are compared. A flood of one text thus costs
# each of its items the same as the tenth copy did.
EXACT_MAX, PER_BAND, NEAR_MAX = 50, 20, 200
# One parameter per band rather than an expanding list: the SQL text never changes.
_BAND_KEYS = [bindparam(f"band{band}") for band in range(BANDS)]
# Built once (compiled once per process): the recent items with the same folded text,
# and with the sample's fingerprint, both with their authors, in one statement.
_EXACT = (select(_item.c.id, _item.c.author_email, cast(null(), LargeBinary).label("signature"))
          .where(_item.c.body_hash == bindparam("hash"), _item.c.id != bindparam("item_id"),
                 _item.c.created_at >= bindparam("since"))
          .order_by(_item.c.created_at.desc(), _item.c.id.desc()).limit(EXACT_MAX))
_per_band = [select(_band.c.item_id).where(_band.c.key == key).order_by(_band.c.item_id.desc())
             .limit(PER_BAND).subquery() for key in _BAND_KEYS]  # (SQLite: LIMIT in a subquery)
_candidates = union_all(*(select(band.c.item_id) for band in _per_band)).subquery()
# The author through a subquery per candidate, not a join: a join lets the planner
# start from the item table, and the band index must drive this query.
_author = select(_item.c.author_email).where(_item.c.id == _fingerprint.c.item_id)
_NEAR = (select(_fingerprint.c.item_id, _author.scalar_subquery(), _fingerprint.c.signature)
         .where(_fingerprint.c.item_id.in_(select(_candidates.c.item_id)),
                _fingerprint.c.item_id != bindparam("item_id"),
                _fingerprint.c.created_at >= bindparam("since"))
         .order_by(_fingerprint.c.item_id.desc()).limit(NEAR_MAX))
EXACT_QUERY = select(_EXACT.subquery())
BOTH_QUERY = union_all(select(_EXACT.subquery()), select(_NEAR.subquery()))


def find(sample: Sample, session: Session) -> Cluster:
    """Recent items with the same or nearly the same text as sample, by anyone."""
    if not _searchable(sample):
        return Cluster([], [], 0)
    return _match(sample, session, signature(sample.text))


def find_stored(sample: Sample, session: Session) -> Cluster:
    """find() for a stored item (sample.item_id), from the fingerprint processing kept:
    the item page shows the cluster without computing a MinHash, so web processes never
    load datasketch. An item without one (not processed yet, or short) gets its exact
    copies only."""
    if not _searchable(sample):
        return Cluster([], [], 0)
    stored = session.scalar(select(_fingerprint.c.signature)
                            .where(_fingerprint.c.item_id == sample.item_id))
    return _match(sample, session, None if stored is None else np.frombuffer(stored, np.uint32))


def _searchable(sample: Sample) -> bool:
    return len(sample.text.strip()) >= MIN_LENGTH and sample.received_at is not None


def _match(sample: Sample, session: Session, values: np.ndarray | None) -> Cluster:
    params = {"hash": body_hash(sample.text), "item_id": sample.item_id or 0,  # ids start at 1
              "since": sample.received_at - WINDOW}
    if values is None:
        rows = session.execute(EXACT_QUERY, params).all()
    else:
        keys = {f"band{band}": key for band, key in enumerate(band_keys(values))}
        rows = session.execute(BOTH_QUERY, {**params, **keys}).all()
    exact = [item_id for item_id, _, stored in rows if stored is None]
    emails = {email for _, email, stored in rows if stored is None}
    near = []
    candidates = [(item_id, email, stored) for item_id, email, stored in rows
                  if stored is not None and item_id not in exact]
    if candidates:  # all candidates' similarities in one numpy operation
        stored = np.frombuffer(b"".join(c[2] for c in candidates), np.uint32)
        similarities = (stored.reshape(len(candidates), -1) == values).mean(axis=1)
        for (item_id, email, _), similarity in zip(candidates, similarities.tolist()):
            if similarity >= SIMILAR:
                near.append((item_id, similarity))
                emails.add(email)
    authors = {fold(e) for e in emails} - {fold(sample.author_email)}
    return Cluster(exact, near, len(authors))


def check(sample: Sample, session: Session) -> list[Signal]:
    cluster = find(sample, session)
    if not cluster.ids:
        return []
    if cluster.other_authors >= CAMPAIGN_AUTHORS:
        weight = 0.8
    elif cluster.other_authors == 1:
        weight = 0.4
    else:  # the same author again: a double post, not yet a campaign
        weight = 0.2
    shown = [f"#{i}" for i in sorted(cluster.exact, reverse=True)]
    shown += [f"#{i} ({s:.0%})" for i, s in sorted(cluster.near, reverse=True)]
    more = len(shown) - MAX_SHOWN
    detail = (f"same or nearly the same text as item {', '.join(shown[:MAX_SHOWN])}"
              f"{f' and {more} more' if more > 0 else ''}, from {cluster.other_authors} other author(s)")
    return [Signal("duplicate", weight, detail)]


def is_campaign(signals: list[Signal]) -> bool:
    return any(s.name == "duplicate" and s.weight >= 0.8 for s in signals)


def remember(session: Session, item_id: int, text: str, created_at: datetime) -> None:
    """Store the item's fingerprint so later items can be matched against it. Once per
    item: processing calls it for a `received` item under its row lock, in the
    transaction that moves the item on, and no item ever returns to `received`."""
    values = signature(text)
    if values is None:
        return
    # Core statements: two, where 21 ORM objects cost a millisecond of bookkeeping.
    session.execute(insert(Fingerprint), [{"item_id": item_id, "signature": values.tobytes(),
                                           "created_at": created_at}])
    session.execute(insert(FingerprintBand),
                    [{"item_id": item_id, "key": key} for key in band_keys(values)])
