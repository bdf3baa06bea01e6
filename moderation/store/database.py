"""Engine set-up that differs by database, and the reachability check for /healthz."""
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError
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


def autocommit_engine(engine: Engine) -> Engine:
    """The engine for the public API's hot single statements. Autocommit: one statement
    is its own transaction, so no BEGIN and COMMIT round trips. No ping per checkout:
    after a database restart the first statement on an old connection fails, the pool
    drops all its connections, and HotStatement runs it once more."""
    if engine.dialect.name == "sqlite":  # embedded: share the pool and its pragmas
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    return create_engine(engine.url, isolation_level="AUTOCOMMIT", pool_pre_ping=False,
                         pool_size=10, max_overflow=10)


class Compiled:
    """A Core statement that runs often with new values. On PostgreSQL it is compiled
    once and sent as driver SQL, which skips SQLAlchemy's per-call parameter and result
    processing (about a fifth of a millisecond a call): its values must be what psycopg
    takes as they are (str, int, bytes, datetime, None), and rows come back as psycopg
    gives them. Elsewhere it runs as the Core statement it is."""

    def __init__(self, statement):
        self.statement, self.sql, self.fixed = statement, None, {}

    def execute(self, connection: Connection, values: dict | list[dict]):
        if connection.dialect.name != "postgresql":
            return connection.execute(self.statement, values)
        self.compile(connection.dialect)
        values = (self.with_fixed(values) if isinstance(values, dict)
                  else [self.with_fixed(v) for v in values])
        return connection.exec_driver_sql(self.sql, values)

    def compile(self, dialect) -> None:
        if self.sql is None:
            compiled = self.statement.compile(dialect=dialect)
            # Values the statement carries itself (a LIMIT, a literal): sent every time.
            self.fixed = {k: v for k, v in compiled.params.items() if v is not None}
            self.sql = str(compiled)

    def with_fixed(self, values: dict) -> dict:
        """values with the statement's own (compile() first)."""
        return {**self.fixed, **values} if self.fixed else values


class HotStatement(Compiled):
    """A Compiled statement run on the autocommit engine, once more after a dropped
    connection (see autocommit_engine). On PostgreSQL it goes straight to a pooled
    psycopg connection: SQLAlchemy's Connection and result objects around one statement
    cost more than the statement's round trip (about 0.1 ms against 0.05). Errors are
    raised as SQLAlchemy's, as any other statement's are."""

    def scalar(self, engine: Engine, values: dict):
        rows = self.all(engine, values)
        return rows[0][0] if rows else None

    def all(self, engine: Engine, values: dict) -> list:
        if engine.dialect.name != "postgresql":
            with engine.connect() as connection:
                return connection.execute(self.statement, values).all()
        self.compile(engine.dialect)
        values = self.with_fixed(values)
        error = engine.dialect.loaded_dbapi.Error
        for attempt in (1, 2):
            try:
                pooled = engine.raw_connection()
            except error as exc:  # the database is away
                raise DBAPIError.instance(None, None, exc, error) from exc
            driver = pooled.driver_connection
            try:
                with driver.cursor() as cursor:
                    if engine.dispatch.before_cursor_execute:  # listeners: tests count statements
                        engine.dispatch.before_cursor_execute(None, cursor, self.sql, values, None, False)
                    cursor.execute(self.sql, values)
                    return cursor.fetchall() if cursor.description else []
            except error as exc:
                lost = driver.broken or driver.closed
                if lost:  # the database restarted: drop every connection of that age
                    pooled.invalidate(exc)
                    engine.dispose()
                if attempt == 2 or not lost:
                    raise DBAPIError.instance(self.sql, values, exc, error,
                                              connection_invalidated=lost) from exc
            finally:
                pooled.close()
