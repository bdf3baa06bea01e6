"""Moderator accounts: creation, names and passwords (argon2id via argon2-cffi, strength
by zxcvbn), password changes, role changes, the session epoch that ends sessions, and the
audit events of all of these. Login lockout is in lockout.py."""
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation.store import AuditEvent, Moderator, utcnow

ROLES = ("moderator", "admin")
MIN_PASSWORD = 10
MAX_PASSWORD = 1000
# zxcvbn's scale: 3 is "safely unguessable" (about 10^8 guesses and more), the least it
# calls fit for an account that can publish to a news site. Its dictionaries hold the
# most common passwords of public breaches, English words, names and keyboard patterns.
MIN_STRENGTH = 3
# Letters that show as nothing, besides the format characters (category Cf: bidi
# controls, zero-width spaces and joiners) refused by category.
_INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e\u034f")
_hasher = PasswordHasher()
# Verifying against this when the user does not exist keeps the timing the same.
_DUMMY_HASH = _hasher.hash("not a real password")


class AccountError(ValueError):
    pass


def fold(username: str) -> str:
    """The name as people read it: compatibility forms and letter case folded (NFKC +
    casefold), so "Alice", "ALICE" and "Ａｌｉｃｅ" are one name."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", username).casefold())


def check_username(session: Session, username: str) -> str:
    """The stripped name; AccountError when it is empty or too long, holds a control,
    format (bidi, zero-width) or invisible character or a space other than " ", or reads
    the same as an existing moderator's name."""
    username = username.strip()
    if not username or len(username) > 80:
        raise AccountError("username must be 1-80 characters")
    for char in username:
        category = unicodedata.category(char)
        if char in _INVISIBLE or category[0] == "C" or (category[0] == "Z" and char != " "):
            raise AccountError(f"username may not hold the invisible or control character "
                               f"U+{ord(char):04X}")
    folded = fold(username)
    for existing in session.scalars(select(Moderator.username)):
        if fold(existing) == folded:
            raise AccountError(f"username {username!r} is taken (as {existing!r})")
    return username


def check_password(password: str, username: str = "") -> None:
    """AccountError when the password is too short or too long, or easy to guess: common
    (breached) passwords, words, names, dates, keyboard runs, or the username itself."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password must be at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"password may have at most {MAX_PASSWORD} characters")
    # Imported here: its word lists cost every web process 13 MB, and only a password
    # change needs them.
    from zxcvbn import zxcvbn
    # zxcvbn refuses more than 72 characters; a guessable start makes a weak password.
    verdict = zxcvbn(password[:72], user_inputs=[username, "moderation", "moderator"])
    if verdict["score"] < MIN_STRENGTH:
        feedback = verdict["feedback"]
        why = feedback.get("warning") or " ".join(feedback.get("suggestions", []))
        why = f" ({why.rstrip('.')})" if why else ""
        raise AccountError(f"password is too easy to guess{why}; add more words or characters")


def create_moderator(session: Session, username: str, password: str,
                     role: str = "moderator") -> Moderator:
    """Add a moderator (not committed); raises AccountError for a taken or unreadable
    name, an unknown role or a weak password."""
    username = check_username(session, username)
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    check_password(password, username)
    moderator = Moderator(username=username, password_hash=_hasher.hash(password), role=role)
    session.add(moderator)
    return moderator


def end_sessions(moderator: Moderator) -> None:
    """End every session of the moderator, wherever its cookie is (not committed)."""
    moderator.session_epoch = (moderator.session_epoch or 0) + 1


def change_password(session: Session, moderator: Moderator, current: str, new: str) -> None:
    """A moderator's own password change (not committed): AccountError when `current` is
    wrong or `new` is weak. Ends the moderator's other sessions too (log the caller in
    again)."""
    try:
        _hasher.verify(moderator.password_hash, current)
    except (VerificationError, InvalidHashError):
        raise AccountError("the current password is wrong") from None
    check_password(new, moderator.username)
    moderator.password_hash = _hasher.hash(new)
    end_sessions(moderator)
    audit(session, moderator, "password_changed", moderator.username)


def reset_password(session: Session, moderator_id: int, actor: Moderator, new: str) -> Moderator:
    """An admin sets another moderator's password (not committed) and ends their
    sessions. LookupError for an unknown id, AccountError for a weak password or for
    one's own account (which needs the current password)."""
    moderator = session.get(Moderator, moderator_id)
    if moderator is None:
        raise LookupError(f"no moderator {moderator_id}")
    if moderator.id == actor.id:
        raise AccountError("change your own password on your password page")
    check_password(new, moderator.username)
    moderator.password_hash = _hasher.hash(new)
    end_sessions(moderator)
    audit(session, actor, "password_reset", moderator.username)
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
    """Change a moderator's role or enabled state, end their sessions and audit it (not
    committed); they log in again under the new role. Raises
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
        end_sessions(moderator)
    if active is not None and active != moderator.is_active:
        moderator.is_active = active
        end_sessions(moderator)
        audit(session, actor, "account_enabled" if active else "account_disabled",
              moderator.username)
    return moderator


def moderators(session: Session) -> list[Moderator]:
    return list(session.scalars(select(Moderator).order_by(Moderator.username)))
