"""Author standing: the desk's decision about an email address and/or a network (ban,
suspension until a time, always pre-moderate, trusted). Bans and suspensions are
enforced at intake with a 403 that says why and until when, and nothing about anyone
else; "always pre-moderate" keeps the author's items from auto-approval; "trusted"
allows it, by email only for a verified reader (never an address typed in a form).
A suspension ends at its time by itself; every change is in the audit log."""
from datetime import datetime

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from moderation import accounts
from moderation.fields import IntakeError, fold_email
from moderation.store import Moderator, utcnow
from moderation.store.community import STANDINGS, Standing

REFUSING = ("ban", "suspend")


class StandingError(ValueError):
    """Bad standing settings; `field` names the bad one."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


# Built once: every post runs it, and a prepared statement's compilation is cached.
ACTIVE = select(Standing).where(
    or_(Standing.email == bindparam("email"), Standing.network == bindparam("network")),
    Standing.ended_at.is_(None),
    or_(Standing.until.is_(None), Standing.until > bindparam("now")),
    or_(Standing.site_id.is_(None), Standing.site_id == bindparam("site_id"))).order_by(Standing.id)


def active(session: Session, site_id: int, email: str, network: str,
           now: datetime | None = None) -> list[Standing]:
    """The standings in force for this author on this site (or every site)."""
    if not email and not network:
        return []
    # A missing email or network is NULL, which equals nothing.
    return list(session.scalars(ACTIVE, {"email": fold_email(email) if email else None,
                                         "network": network or None,
                                         "now": now or utcnow(), "site_id": site_id}))


def applies(standing: Standing, email: str, network: str) -> bool:
    """A standing set on both an email and a network holds for posts that match both."""
    return ((not standing.email or standing.email == fold_email(email))
            and (not standing.network or standing.network == network))


def in_force(session: Session, site_id: int, email: str, network: str,
             now: datetime | None = None) -> list[Standing]:
    """The standings that hold for a post by this email from this network, here."""
    return [s for s in active(session, site_id, email, network, now) if applies(s, email, network)]


def check(session: Session, site_id: int, email: str, network: str,
          now: datetime | None = None) -> list[Standing]:
    """Raise IntakeError(403) when the author is banned or suspended here; otherwise
    the standings in force."""
    found = in_force(session, site_id, email, network, now)
    for standing in found:
        if standing.kind in REFUSING:
            what = "your email address" if standing.email else "your network"
            until = f" until {standing.until:%Y-%m-%d %H:%M} UTC" if standing.until else ""
            why = f": {standing.reason}" if standing.reason else ""
            raise IntakeError(None, f"Posting from {what} is {'suspended' if until else 'not allowed'}"
                                    f"{until}{why}", status=403)
    return found


def trusts(standings: list[Standing], verified: bool) -> bool:
    """Does a "trusted" standing vouch for this post? One set on a network does; one set
    on an email only for a post by a verified reader of that address."""
    return any(s.kind == "trusted" and (verified or not s.email) for s in standings)


def set_standing(session: Session, moderator: Moderator, *, kind: str, email: str = "",
                 network: str = "", site_id: int | None = None, until: datetime | None = None,
                 reason: str = "", note: str = "") -> Standing:
    """Record a standing and audit it (not committed); raises StandingError."""
    if kind not in STANDINGS:
        raise StandingError("kind", f"kind must be one of {', '.join(STANDINGS)}")
    email, network = fold_email(email) if email.strip() else "", network.strip()
    if not email and not network:
        raise StandingError("email", "name an email address, a network, or both")
    if kind == "suspend" and until is None:
        raise StandingError("until", "a suspension needs an end time")
    if until is not None and until <= utcnow():
        raise StandingError("until", "the end time is in the past")
    if len(reason) > 300:
        raise StandingError("reason", "the reason told to the reader has at most 300 characters")
    standing = Standing(site_id=site_id, email=email, network=network, kind=kind, until=until,
                        reason=reason.strip(), note=note.strip(), created_by=moderator.username,
                        created_at=utcnow())
    session.add(standing)
    accounts.audit(session, moderator, f"standing_{kind}",
                   f"{email or ''}{' / ' if email and network else ''}{network}"
                   + (f" until {until:%Y-%m-%d %H:%M}" if until else "") + (f": {reason}" if reason else ""))
    return standing


def end(session: Session, standing_id: int, moderator: Moderator) -> Standing:
    """End a standing now and audit it (not committed); LookupError when unknown."""
    standing = session.get(Standing, standing_id)
    if standing is None:
        raise LookupError(f"no standing {standing_id}")
    if standing.ended_at is None:
        standing.ended_at, standing.ended_by = utcnow(), moderator.username
        accounts.audit(session, moderator, f"standing_{standing.kind}_ended",
                       f"{standing.email}{' / ' if standing.email and standing.network else ''}"
                       f"{standing.network}")
    return standing


def listing(session: Session, limit: int = 200) -> list[Standing]:
    """Standings in force first, newest first; ended and expired ones after them."""
    now = utcnow()
    rows = list(session.scalars(select(Standing).order_by(Standing.id.desc()).limit(limit)))
    return sorted(rows, key=lambda s: s.ended_at is not None or bool(s.until and s.until <= now))
