"""Verified readers. A reader proves an email address is theirs by opening a link mailed
to it (start, confirm); the widget, which keeps the request's secret id, then fetches a
signed reader token for that address (token_for) and sends it with every post. Trust,
auto-approving a regular's comments or a "trusted" standing by email, rests on that
token, never on an address typed in a form (verified_email)."""
import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation import mail, tokens
from moderation.fields import EMAIL_MAX, check_field, fold_email
from moderation.store import utcnow
from moderation.store.community import Verification

LINK_HOURS = 48  # a verification link works this long
READER_TOKEN_DAYS = 365


def _digest(request_id: str) -> str:
    return hashlib.sha256(request_id.encode()).hexdigest()


def start(session: Session, site_id: int, site_name: str, email: str, secret: str,
          link: Callable[[str], str]) -> str:
    """Record a verification request and mail its link (not committed); returns the
    request's secret id for the widget. `link(token)` is the verification page's URL.
    Raises IntakeError for a bad address."""
    email = check_field("email", email, EMAIL_MAX, kind="email", required=True)
    request_id = secrets.token_urlsafe(24)
    row = Verification(site_id=site_id, email=email, request_hash=_digest(request_id),
                       created_at=utcnow())
    session.add(row)
    session.flush()
    url = link(tokens.sign(secret, "verify", row.id))
    mail.queue(session, email, f"Confirm your email address for comments on {site_name}",
               f"Hello,\n\nsomeone (we hope you) asked to post comments on {site_name} as a "
               f"verified reader with this address. To confirm it, open:\n\n{url}\n\n"
               f"The link works for {LINK_HOURS} hours. If it was not you, ignore this "
               "message: nothing changes.\n", kind="verification", site_id=site_id)
    return request_id


def confirm(session: Session, secret: str, token: str, now: datetime | None = None
            ) -> Verification | None:
    """Mark the request the link names as verified (not committed); None for a forged or
    expired link."""
    verification_id = tokens.read(secret, "verify", token, LINK_HOURS * 3600)
    row = session.get(Verification, verification_id) if isinstance(verification_id, int) else None
    if row is not None and row.verified_at is None:
        row.verified_at = now or utcnow()
    return row


def token_for(session: Session, secret: str, site_id: int, request_id: str,
              now: datetime | None = None) -> str | None:
    """The reader token of a verified request, "" while its link has not been opened,
    None for an unknown or expired request."""
    row = session.scalar(select(Verification).where(
        Verification.request_hash == _digest(request_id), Verification.site_id == site_id))
    if row is None or row.created_at < (now or utcnow()) - timedelta(hours=LINK_HOURS):
        return None
    if row.verified_at is None:
        return ""
    return tokens.sign(secret, "reader", [site_id, fold_email(row.email)])


def verified_email(secret: str, site_id: int, token: object) -> str:
    """The folded address a reader token vouches for on this site, "" for none."""
    if not isinstance(token, str) or not token:
        return ""
    value = tokens.read(secret, "reader", token, READER_TOKEN_DAYS * 86400)
    if not (isinstance(value, list) and len(value) == 2 and value[0] == site_id):
        return ""
    return value[1] if isinstance(value[1], str) else ""
