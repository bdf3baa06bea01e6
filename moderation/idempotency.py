"""Retry-safe posts: the first answer to a post sent with an Idempotency-Key header is
kept for a day, in the same transaction as the item it stored, and a repeat of the key
(a client retrying after a lost answer) gets that answer and stores nothing new. A key
sent again with a different post is the client's mistake: 422."""
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from moderation.intake import IntakeError
from moderation.store import IdempotencyKey, SpentFormToken, utcnow
from moderation.tokens import FORM_TOKEN_MAX_AGE

HEADER = "Idempotency-Key"
KEY = re.compile(r"[\x21-\x7e]{1,255}")  # visible ASCII, as the IETF draft's examples
LIFETIME = timedelta(hours=24)


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: dict


def check_key(raw: str | None) -> str | None:
    """The header's key, None when there is none; IntakeError(400) for a malformed one."""
    if raw is None:
        return None
    if not KEY.fullmatch(raw):
        raise IntakeError(HEADER, f"{HEADER} must be 1 to 255 visible ASCII characters, such "
                                  "as a UUID", status=400)
    return raw


def fingerprint(*parts: object) -> str:
    """A digest of what was posted, the same for the same fields in any order."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def replay(session: Session, site_id: int, key: str, digest: str,
           now: datetime | None = None) -> Answer | None:
    """The first answer given to `key` within LIFETIME, None when there was none (an
    older use of the key is forgotten, not committed). Raises IntakeError(422) when the
    key came with a different post."""
    row = session.scalar(select(IdempotencyKey).where(IdempotencyKey.site_id == site_id,
                                                      IdempotencyKey.key == key))
    if row is None:
        return None
    if row.created_at <= (now or utcnow()) - LIFETIME:
        session.delete(row)
        session.flush()
        return None
    if row.request_hash != digest:
        raise IntakeError(HEADER, f"this {HEADER} was used for a different post; send a new "
                                  "key with each new post", status=422)
    return Answer(row.status_code, row.answer)


def remember(session: Session, site_id: int, key: str, digest: str, item_id: int,
             answer: Answer) -> None:
    """Keep the answer given to `key` (not committed; the commit fails on the unique key
    when a concurrent retry stored it first: then replay() has that one)."""
    session.add(IdempotencyKey(site_id=site_id, key=key, request_hash=digest, item_id=item_id,
                               status_code=answer.status_code, answer=answer.body,
                               created_at=utcnow()))


def purge(session: Session, now: datetime | None = None) -> int:
    """Delete keys older than LIFETIME, and spent form tokens that have expired anyway
    (not committed); returns how many rows went."""
    now = now or utcnow()
    keys = session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at <= now - LIFETIME))
    spent = session.execute(delete(SpentFormToken).where(
        SpentFormToken.spent_at <= now - timedelta(seconds=FORM_TOKEN_MAX_AGE)))
    return keys.rowcount + spent.rowcount
