"""Duplicates across all authors and sites: the same folded text (exact), or nearly the
same (MinHash over character 5-grams, datasketch), sent in the last days. The weight
grows with the number of other authors, so a campaign posting one text under many names
is caught; the detail names the other items so a moderator sees the cluster."""
import functools
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Fingerprint, FingerprintBand, Item
from .signals import Sample, Signal, body_hash, fold

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


def signature(text: str) -> np.ndarray | None:
    folded = fold(text)
    if len(folded) < NEAR_MIN_LENGTH:
        return None
    shingles = {folded[i:i + SHINGLE].encode() for i in range(len(folded) - SHINGLE + 1)}
    minhash = minhash_factory()()
    minhash.update_batch(list(shingles))
    return minhash.hashvalues.astype(np.uint32)


def band_keys(values: np.ndarray) -> list[int]:
    keys = []
    for band in range(BANDS):
        digest = hashlib.blake2b(bytes([band]) + values[band * ROWS:(band + 1) * ROWS].tobytes(),
                                 digest_size=8).digest()
        keys.append(int.from_bytes(digest, "big", signed=True))  # fits a BIGINT
    return keys


def find(sample: Sample, session: Session) -> Cluster:
    """Recent items with the same or nearly the same text as sample, by anyone."""
    if len(sample.text.strip()) < MIN_LENGTH or sample.received_at is None:
        return Cluster([], [], 0)
    since = sample.received_at - WINDOW
    exact = session.scalars(
        select(Item.id).where(Item.body_hash == body_hash(sample.text), Item.id != sample.item_id,
                              Item.created_at >= since)
        .order_by(Item.id.desc()).limit(50)).all()
    near = []
    values = signature(sample.text)
    if values is not None:
        rows = session.execute(
            select(Fingerprint.item_id, Fingerprint.signature)
            .where(Fingerprint.item_id.in_(
                select(FingerprintBand.item_id).where(FingerprintBand.key.in_(band_keys(values)))),
                Fingerprint.item_id != sample.item_id, Fingerprint.created_at >= since)
            .order_by(Fingerprint.item_id.desc()).limit(200)).all()
        for item_id, stored in rows:
            similarity = float(np.mean(np.frombuffer(stored, np.uint32) == values))
            if similarity >= SIMILAR and item_id not in exact:
                near.append((item_id, similarity))
    ids = {*exact, *(i for i, _ in near)}
    authors = set()
    if ids:
        authors = {fold(e) for e in session.scalars(
            select(Item.author_email).where(Item.id.in_(ids)))} - {fold(sample.author_email)}
    return Cluster(list(exact), near, len(authors))


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
    """Store the item's fingerprint so later items can be matched against it."""
    values = signature(text)
    if values is None or session.get(Fingerprint, item_id) is not None:
        return
    session.add(Fingerprint(item_id=item_id, signature=values.tobytes(), created_at=created_at))
    session.add_all(FingerprintBand(item_id=item_id, key=key) for key in band_keys(values))
