"""Moderator accounts: creation, password checks (argon2id via argon2-cffi), login
lockout, role changes, and the audit events of all of these."""
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation.store import AuditEvent, LoginThrottle, Moderator, utcnow

ROLES = ("moderator", "admin")
MIN_PASSWORD = 10
_hasher = PasswordHasher()
# Verifying against this when the user does not exist keeps the timing the same.
_DUMMY_HASH = _hasher.hash("not a real password")


class AccountError(ValueError):
    pass


def create_moderator(session: Session, username: str, password: str,
                     role: str = "moderator") -> Moderator:
    """Add a moderator (not committed); raises AccountError for a taken name, unknown
    role or short password."""
    username = username.strip()
    if not username or len(username) > 80:
        raise AccountError("username must be 1-80 characters")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password must be at least {MIN_PASSWORD} characters")
    if session.scalar(select(Moderator).where(Moderator.username == username)):
        raise AccountError(f"username {username!r} is taken")
    moderator = Moderator(username=username, password_hash=_hasher.hash(password), role=role)
    session.add(moderator)
    return moderator


def authenticate(session: Session, username: str, password: str) -> Moderator | None:
    """The active moderator with these credentials (last login updated), else None."""
    moderator = session.scalar(select(Moderator).where(Moderator.username == username.strip()))
    try:
        _hasher.verify(moderator.password_hash if moderator else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if moderator is None or not moderator.is_active:
        return None
    if _hasher.check_needs_rehash(moderator.password_hash):
        moderator.password_hash = _hasher.hash(password)
    moderator.last_login_at = utcnow()
    return moderator


# Lockout: this many failed logins for one username within LOCKOUT_WINDOW lock it for
# the lockout period (configurable, see config.py). Counted per username in the
# database, so every web process sees the same count.
LOCKOUT_WINDOW = timedelta(minutes=15)


class LockedOut(AccountError):
    def __init__(self, until: datetime):
        super().__init__(f"too many failed logins for this account; try again after "
                         f"{until:%H:%M} UTC")
        self.until = until


def check_lockout(session: Session, username: str, now: datetime | None = None) -> None:
    """Raises LockedOut while the username is locked."""
    row = session.get(LoginThrottle, username.strip()[:80])
    now = now or utcnow()
    if row is not None and row.locked_until is not None and row.locked_until > now:
        raise LockedOut(row.locked_until)


def record_failure(session: Session, username: str, max_failures: int, lockout: timedelta,
                   now: datetime | None = None) -> LoginThrottle:
    """Count a failed login for username (known or not, so the answer gives nothing
    away) and lock it at max_failures within LOCKOUT_WINDOW (not committed)."""
    now = now or utcnow()
    key = username.strip()[:80]
    row = session.get(LoginThrottle, key, with_for_update=True)
    if row is None:
        row = LoginThrottle(username=key, failures=0)
        session.add(row)
    if row.first_failure_at is None or now - row.first_failure_at > LOCKOUT_WINDOW:
        row.failures, row.first_failure_at = 0, now
    row.failures += 1
    if row.failures >= max_failures:
        row.locked_until = now + lockout
        row.failures, row.first_failure_at = 0, None
    return row


def clear_failures(session: Session, username: str) -> None:
    row = session.get(LoginThrottle, username.strip()[:80])
    if row is not None:
        session.delete(row)


def audit(session: Session, actor: Moderator | None, action: str, detail: str = "",
          name: str = "") -> AuditEvent:
    """Record an action that is not a status change (not committed)."""
    event = AuditEvent(moderator_id=actor.id if actor else None,
                       actor=actor.username if actor else name, action=action,
                       detail=detail, created_at=utcnow())
    session.add(event)
    return event


def update_moderator(session: Session, moderator_id: int, actor: Moderator, *,
                     role: str | None = None, active: bool | None = None) -> Moderator:
    """Change a moderator's role or enabled state and audit it (not committed). Raises
    LookupError for an unknown id and AccountError for an unknown role or a change to
    one's own account (so an admin cannot lock everyone out by accident)."""
    moderator = session.get(Moderator, moderator_id)
    if moderator is None:
        raise LookupError(f"no moderator {moderator_id}")
    if moderator.id == actor.id:
        raise AccountError("you cannot change your own role or disable your own account")
    if role is not None and role != moderator.role:
        if role not in ROLES:
            raise AccountError(f"role must be one of {', '.join(ROLES)}")
        audit(session, actor, "role_changed", f"{moderator.username}: {moderator.role} -> {role}")
        moderator.role = role
    if active is not None and active != moderator.is_active:
        moderator.is_active = active
        audit(session, actor, "account_enabled" if active else "account_disabled",
              moderator.username)
    return moderator


def moderators(session: Session) -> list[Moderator]:
    return list(session.scalars(select(Moderator).order_by(Moderator.username)))
