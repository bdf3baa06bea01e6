"""The reader nudge: before a post that scores at or above the site's nudge threshold is
stored, the reader is asked once to reconsider, shown the words behind the score; they
may change it or send it as it is (the field `nudged` = "1" says they were asked).

Each nudge is counted, and so is what followed: the reader's next post at the same place
(thread, or submission form) marked `nudged` resolves it, as "edited" when its text
differs from the nudged one and "posted" when it is the same; a nudge nobody resolves
within ABANDONED_AFTER counts as abandoned. Readers are told apart by a keyed digest of
site, place and email (reader_key), never the address."""
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from moderation.store import Nudge, utcnow
from moderation.toxicity import policy

ABANDONED_AFTER = timedelta(hours=1)
MESSAGE = ("Your text may come across as uncivil to other readers (the words marked). "
           "Would you like to change it? You can also send it as it is.")


@dataclass(frozen=True)
class Asked:
    score: float
    # [(start, end)] offsets into the text (Python string indices), in order.
    spans: list[tuple[int, int]]


def reader_key(secret: str, site_id: int, place: str, email: str) -> str:
    message = f"{site_id}\n{place}\n{email.strip().casefold()}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def text_hash(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()


def ask(detector, site_policy: dict, text: str, nudged: bool) -> Asked | None:
    """Should the reader be asked before this text is stored? Never when they were
    asked already (`nudged`), the site turned nudges off, or no detector is loaded."""
    keys = policy.of(site_policy)
    if nudged or not keys["toxicity_nudge"] or detector is None:
        return None
    score, found = detector.analyse(text)
    if score < keys["toxicity_nudge_above"]:
        return None
    return Asked(score, [(start, end) for start, end, _ in found])


def words(text: str, asked: Asked, shift: int = 0) -> list[dict]:
    """The nudged words for a browser: each as written, with its offsets in UTF-16 code
    units (as JavaScript indexes strings) into the text as sent, `shift` characters of
    it being the whitespace that intake strips."""
    def js(index: int) -> int:
        return len(text[:index].encode("utf-16-le")) // 2 + shift
    return [{"word": text[s:e], "start": js(s), "end": js(e)} for s, e in asked.spans]


def record(session: Session, site_id: int, reader: str, text: str, asked: Asked) -> Nudge:
    """Count a nudge (not committed)."""
    row = Nudge(site_id=site_id, reader=reader, text_hash=text_hash(text),
                score=asked.score, created_at=utcnow())
    session.add(row)
    return row


def resolve(session: Session, reader: str, text: str, item_id: int | None,
            now: datetime | None = None) -> Nudge | None:
    """The reader sent their post again after a nudge: mark their latest open nudge
    of the last day "edited" or "posted" (not committed). None when there is none."""
    now = now or utcnow()
    row = session.scalar(select(Nudge).where(
        Nudge.reader == reader, Nudge.outcome.is_(None),
        Nudge.created_at >= now - timedelta(days=1)).order_by(Nudge.id.desc()).limit(1))
    if row is not None:
        row.outcome = "posted" if row.text_hash == text_hash(text) else "edited"
        row.item_id, row.resolved_at = item_id, now
    return row


def tally(session: Session, days: int = 30, now: datetime | None = None) -> dict[int, dict]:
    """Per site id, over the last `days`: nudges, and how many were edited, posted as
    they were, abandoned, or still waiting; `edited_share` of those decided."""
    now = now or utcnow()
    old = Nudge.created_at < now - ABANDONED_AFTER
    rows = session.execute(select(
        Nudge.site_id, func.count(),
        func.sum(case((Nudge.outcome == "edited", 1), else_=0)),
        func.sum(case((Nudge.outcome == "posted", 1), else_=0)),
        func.sum(case((Nudge.outcome.is_(None) & old, 1), else_=0)))
        .where(Nudge.created_at >= now - timedelta(days=days)).group_by(Nudge.site_id)).all()
    found = {}
    for site_id, nudged, edited, posted, abandoned in rows:
        decided = edited + posted + abandoned
        found[site_id] = {"nudged": nudged, "edited": edited, "posted": posted,
                          "abandoned": abandoned, "waiting": nudged - decided,
                          "edited_share": round(edited / decided, 3) if decided else None}
    return found
