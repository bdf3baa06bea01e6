"""Login lockout per username and client network, counted in the database.

Every attempt is counted before its password is checked, in one atomic UPDATE, so nine
parallel guesses check at most the limit's worth of passwords and the rest are refused
unchecked. The count is per network (/24 for IPv4, /64 for IPv6): a stranger who locks
an admin's name locks it for the stranger's network only, not for the newsroom's.
"""
import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, delete, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from moderation.store import LoginThrottle, utcnow

# Attempts within this window count towards the limit (the limit and the lock's length
# are settings, see config.py).
WINDOW = timedelta(minutes=15)


class LockedOut(ValueError):
    def __init__(self, until: datetime):
        super().__init__(f"too many failed logins for this account from your network; "
                         f"try again after {until:%H:%M} UTC")
        self.until = until


@dataclass(frozen=True)
class Key:
    username: str
    network: str


def key(username: str, ip: str) -> Key:
    return Key(username.strip()[:80], network(ip))


def network(ip: str) -> str:
    """The /24 of an IPv4 address or the /64 of an IPv6 one; the text itself otherwise."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip[:50]
    bits = 24 if address.version == 4 else 64
    return str(ipaddress.ip_network(f"{address}/{bits}", strict=False))


def begin(session: Session, login: Key, max_attempts: int, lockout: timedelta,
          now: datetime | None = None) -> None:
    """Count one attempt for `login` (not committed: commit before checking the password,
    so that parallel attempts see it). Raises LockedOut while the key is locked or when
    this attempt is past the limit; then no password may be checked."""
    now = now or utcnow()
    table = LoginThrottle.__table__
    # INSERT ... ON CONFLICT DO NOTHING: the row exists afterwards whoever created it.
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(table).values(username=login.username, network=login.network,
                                         attempts=0, window_start=now)
                    .on_conflict_do_nothing())
    # A finished lock or an old window starts again at this attempt.
    stale = or_(and_(table.c.locked_until.is_not(None), table.c.locked_until <= now),
                and_(table.c.locked_until.is_(None), table.c.window_start < now - WINDOW))
    row = session.execute(
        update(table).where(table.c.username == login.username,
                            table.c.network == login.network)
        .values(attempts=case((stale, 1), else_=table.c.attempts + 1),
                window_start=case((stale, now), else_=table.c.window_start),
                locked_until=case((stale, None), else_=table.c.locked_until))
        .returning(table.c.attempts, table.c.locked_until)).one()
    if row.locked_until is not None:
        raise LockedOut(row.locked_until)
    if row.attempts > max_attempts:  # the earlier attempts are still being checked
        raise LockedOut(now + lockout)


def failed(session: Session, login: Key, max_attempts: int, lockout: timedelta,
           now: datetime | None = None) -> datetime | None:
    """Record that the attempt's password was wrong (not committed): the key is locked for
    `lockout` once its attempts reach the limit. Returns the end of the lock, if any."""
    now = now or utcnow()
    table = LoginThrottle.__table__
    return session.execute(
        update(table).where(table.c.username == login.username,
                            table.c.network == login.network,
                            table.c.attempts >= max_attempts)
        .values(locked_until=case((table.c.locked_until.is_(None), now + lockout),
                                  else_=table.c.locked_until))
        .returning(table.c.locked_until)).scalar()


def succeeded(session: Session, login: Key) -> None:
    """Forget the key's attempts after a good login (not committed)."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.username == login.username,
                                                LoginThrottle.network == login.network))
