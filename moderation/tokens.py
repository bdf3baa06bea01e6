"""Signed values we hand out: a submitter's status token and the form-served time."""
from datetime import datetime

from itsdangerous import BadSignature, URLSafeTimedSerializer

from .models import utcnow

FORM_TOKEN_MAX_AGE = 24 * 3600  # a form left open overnight is treated as unsigned


def status_token(secret: str, item_id: int) -> str:
    return URLSafeTimedSerializer(secret, salt="status").dumps(item_id)


def read_status_token(secret: str, token: str, max_age_days: int) -> int | None:
    """The item id in token, or None when it is forged, malformed or expired."""
    try:
        value = URLSafeTimedSerializer(secret, salt="status").loads(
            token, max_age=max_age_days * 86400)
    except BadSignature:
        return None
    return value if isinstance(value, int) else None


def form_token(secret: str) -> str:
    return URLSafeTimedSerializer(secret, salt="form").dumps(0)


def read_form_token(secret: str, token: str) -> datetime | None:
    """When the form was served (naive UTC), or None for a missing, forged or stale token."""
    if not token:
        return None
    try:
        _, served = URLSafeTimedSerializer(secret, salt="form").loads(
            token, max_age=FORM_TOKEN_MAX_AGE, return_timestamp=True)
    except BadSignature:
        return None
    return min(served.replace(tzinfo=None), utcnow())
