"""Database set-up: SQLite's connection settings, the SQLite file of the embedded
mode's broker, and the reachability check for /healthz."""
import sqlite3

from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

SQLITE_BROKER = "sqla+sqlite:///"


def prepare(engine: Engine) -> None:
    """On SQLite, every connection in WAL mode (readers work beside the writer: 4x the
    write rate of the default journal here) with a busy timeout, so a second writer (the
    worker beside the web server) waits instead of failing. Nothing on other databases."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    # Python's sqlite3 begins a transaction only before an INSERT, UPDATE or DELETE; a
    # SAVEPOINT issued outside one starts a transaction of its own, and its RELEASE then
    # commits everything (a thread created for a comment that is later refused stayed).
    # Begin first, so that a savepoint nests in the transaction the session commits.
    @event.listens_for(engine, "savepoint")
    def _on_savepoint(connection, _name):
        raw = connection.connection.dbapi_connection
        if not raw.in_transaction:
            raw.execute("BEGIN")


def prepare_broker(broker_url: str) -> None:
    """Put a SQLite broker file in WAL mode, which it keeps (a wake-up message then costs
    about 4 ms instead of 16); nothing for another broker."""
    if broker_url.startswith(SQLITE_BROKER) and broker_url != SQLITE_BROKER:
        connection = sqlite3.connect(broker_url[len(SQLITE_BROKER):], timeout=10)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
        finally:
            connection.close()


def ping(session: Session) -> None:
    """Raises when the database does not answer."""
    session.execute(text("SELECT 1"))
