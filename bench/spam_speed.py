"""CPU time to score one item, with the model loaded once (as in a worker process).

    python bench/spam_speed.py [--items 2000] [--postgres URL] [--redis URL]

Prints the median and 90th percentile of per-item CPU time (time.thread_time, this
process only) and the median wall time, for
  text only:    every detector that needs no database (links, form, words, email, text
                statistics, classifier), as offline evaluation runs them;
  sqlite:       the whole scorer.score() against a SQLite database holding earlier items
                (adds the duplicate, flood and history queries; SQLite runs in-process,
                so its query work is counted too);
  postgresql:   the same against PostgreSQL (a temporary database on --postgres, dropped
                after; the server's own work is not in the CPU figure, it is in the wall);
  pg + redis:   as in production: flood counted in Redis (--redis, keys of this run's
                own, deleted after), duplicates and history in PostgreSQL.
A service that does not answer is reported and skipped.
"""
import argparse
import secrets
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from moderation.spam import scorer  # noqa: E402
from moderation.spam.classifier import corpora, default_classifier  # noqa: E402
from moderation.spam.signals import Sample  # noqa: E402


def summary(name, cpu, wall=None):
    cpu = sorted(cpu)
    line = (f"{name:12s} cpu median {statistics.median(cpu) * 1000:.3f} ms   "
            f"p90 {cpu[int(len(cpu) * 0.9)] * 1000:.3f} ms")
    if wall:
        line += f"   wall median {statistics.median(wall) * 1000:.3f} ms"
    print(f"{line}   ({len(cpu)} items)", flush=True)


def text_only(texts, model):
    times = []
    for text in texts:
        start = time.thread_time()
        scorer.score(Sample(text=text), {}, None, model)
        times.append(time.thread_time() - start)
    return times


def with_store(texts, model, database_uri, redis_url=""):
    """Store each text as a received item, then time score() on it with the earlier
    items in the store; returns (cpu seconds, wall seconds) per item."""
    from moderation import config, create_app, intake
    from moderation.extensions import db
    from moderation.sites import ensure_default
    from moderation.spam import duplicates, flood
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_uri, "TESTING": True,
                      "CELERY": config.celery_settings("memory://")})
    namespace = f"bench-{secrets.token_hex(4)}"
    cpu, wall = [], []
    with app.app_context():
        db.create_all()
        ensure_default(db.session)
        if redis_url:
            flood.count_in_redis(db.engine, redis.Redis.from_url(redis_url), namespace)
        for n, text in enumerate(texts):
            try:
                item = intake.receive_comment(db.session, "default", f"t{n % 50}", {
                    "author_name": f"reader {n}", "author_email": f"r{n % 300}@example.org",
                    "body": text[:5000] or "empty"}, intake.Context(ip=f"198.51.{n % 200}.9"))
            except intake.IntakeError:  # a corpus text a reader could not send
                continue
            db.session.flush()
            sample = Sample(text=item.body_raw, author_email=item.author_email,
                            ip_prefix=item.ip_prefix, received_at=item.created_at,
                            form_served_at=item.created_at - timedelta(seconds=30),
                            site_id=item.site_id, item_id=item.id)
            start, started = time.thread_time(), time.perf_counter()
            result = scorer.score(sample, {}, db.session, model)
            cpu.append(time.thread_time() - start)
            wall.append(time.perf_counter() - started)
            if not result.complete:
                raise SystemExit(f"a detector did not run: {result.signals}")
            duplicates.remember(db.session, item.id, item.body_raw, item.created_at)
            if n % 200 == 0:
                db.session.commit()
        db.session.commit()
        if redis_url:
            window = flood.window_for(db.session)
            window.client.delete(*window.client.keys(f"{namespace}:*"))
        db.session.remove()
        db.engine.dispose()
    return cpu, wall


def temporary_postgres(url):
    """A fresh database on the server at url (postgresql://user@host:port), and a
    function that drops it; None when the server does not answer."""
    import psycopg
    name = f"spam_speed_{secrets.token_hex(4)}"
    try:
        admin = psycopg.connect(url + "/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        print(f"postgresql   skipped: {url} does not answer ({str(exc).strip()})")
        return None, None
    admin.execute(f'CREATE DATABASE "{name}"')

    def drop():
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
    return url.replace("postgresql://", "postgresql+psycopg://") + f"/{name}", drop


def redis_answers(url):
    import redis
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
        return True
    except redis.RedisError as exc:
        print(f"pg + redis   skipped: {url} does not answer ({exc})")
        return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--postgres", default="postgresql://root@127.0.0.1:5432",
                        help="a server where this user may create databases ('' to skip)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/11", help="'' to skip")
    args = parser.parse_args()
    texts, _, _ = corpora()
    texts = texts[::max(1, len(texts) // args.items)][:args.items]
    start = time.perf_counter()
    model = default_classifier()
    print(f"model trained in {time.perf_counter() - start:.1f} s (once per worker process)")
    text_only(texts[:50], model)  # warm caches (regexes, hashing) before measuring
    summary("text only", text_only(texts, model))
    with tempfile.TemporaryDirectory() as folder:
        summary("sqlite", *with_store(texts, model, f"sqlite:///{folder}/bench.sqlite3"))
    if args.postgres:
        for name, redis_url in (("postgresql", ""), ("pg + redis", args.redis)):
            if name == "pg + redis" and not (redis_url and redis_answers(redis_url)):
                continue
            url, drop = temporary_postgres(args.postgres)
            if url is None:
                break
            try:
                summary(name, *with_store(texts, model, url, redis_url))
            finally:
                drop()


if __name__ == "__main__":
    main()
