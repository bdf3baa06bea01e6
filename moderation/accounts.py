"""Moderator accounts: creation and password checks (argon2id via argon2-cffi)."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Moderator, utcnow

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
