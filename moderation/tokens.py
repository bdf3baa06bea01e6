"""Signed values we hand out: a submitter's status token, the form-served time, and the
community's links and tokens (verification links, reader tokens, unsubscribe links),
each under its own purpose (salt), so that one can never pass for another."""
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from itsdangerous import BadSignature, URLSafeTimedSerializer

from moderation.store import utcnow

FORM_TOKEN_MAX_AGE = 24 * 3600  # a form left open overnight is treated as unsigned


def status_token(secret: str, item_id: int) -> str:
    return _serializer(secret, "status").dumps(item_id)


def read_status_token(secret: str, token: str, max_age_days: int) -> int | None:
    """The item id in token, or None when it is forged, malformed or expired."""
    try:
        value = _serializer(secret, "status").loads(
            token, max_age=max_age_days * 86400)
    except BadSignature:
        return None
    return value if isinstance(value, int) else None


@dataclass(frozen=True)
class FormToken:
    served_at: datetime  # naive UTC
    nonce: str  # each token's own: intake accepts a token once (store.SpentFormToken)


def form_token(secret: str) -> str:
    return _serializer(secret, "form").dumps(secrets.token_urlsafe(12))


def read_form_token(secret: str, token: str) -> FormToken | None:
    """When the form was served and the token's nonce, or None for a missing, forged or
    stale token."""
    if not token:
        return None
    try:
        nonce, served = _serializer(secret, "form").loads(
            token, max_age=FORM_TOKEN_MAX_AGE, return_timestamp=True)
    except BadSignature:
        return None
    if not isinstance(nonce, str) or not 0 < len(nonce) <= 32:
        return None  # a token of an older release (no nonce): treated as unsigned
    return FormToken(min(served.replace(tzinfo=None), utcnow()), nonce)


def sign(secret: str, purpose: str, value) -> str:
    """A URL-safe signed token of a JSON-able value for one purpose."""
    return _serializer(secret, purpose).dumps(value)


def read(secret: str, purpose: str, token: str, max_age: float | None):
    """The value of a token signed for `purpose`, no older than max_age seconds (None:
    any age); None for a forged, malformed or expired one."""
    try:
        return _serializer(secret, purpose).loads(token, max_age=max_age)
    except BadSignature:
        return None


@lru_cache(maxsize=16)  # building one derives its key: keep it per (secret, salt)
def _serializer(secret: str, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=salt)
