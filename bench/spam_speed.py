"""CPU time to score one item, with the model loaded once (as in a worker process).

    python bench/spam_speed.py [--items 2000]

Prints the median and 95th percentile of per-item CPU time (time.thread_time) for
  text only:  every detector that needs no database (links, form, words, email, text
              statistics, classifier), as offline evaluation runs them;
  with store: all detectors against a SQLite database holding earlier items (adds the
              duplicate, flood and history queries; SQLite runs in-process, so its work
              is counted too; PostgreSQL's would be in the server).
"""
import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from moderation.spam import scorer  # noqa: E402
from moderation.spam.classifier import corpora, default_classifier  # noqa: E402
from moderation.spam.signals import Sample  # noqa: E402


def summary(name, seconds):
    seconds = sorted(seconds)
    median = statistics.median(seconds) * 1000
    p95 = seconds[int(len(seconds) * 0.95)] * 1000
    print(f"{name:12s} median {median:.3f} ms   p95 {p95:.3f} ms   ({len(seconds)} items)")


def text_only(texts, model):
    times = []
    for text in texts:
        start = time.thread_time()
        scorer.score(Sample(text=text), {}, None, model)
        times.append(time.thread_time() - start)
    return times


def with_store(texts, model):
    from moderation import config, create_app, intake
    from moderation.extensions import db
    from moderation.models import Item
    from moderation.sites import ensure_default
    from moderation.spam import duplicates
    folder = tempfile.mkdtemp()
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3",
                      "CELERY": config.celery_settings(""), "TESTING": True})
    times = []
    with app.app_context():
        db.create_all()
        ensure_default(db.session)
        for n, text in enumerate(texts):
            item = intake.receive_comment(db.session, "default", f"t{n % 50}", {
                "author_name": f"reader {n}", "author_email": f"r{n % 300}@example.org",
                "body": text[:5000] or "empty"}, intake.Context(ip=f"198.51.{n % 200}.9"))
            db.session.flush()
            sample = Sample(text=item.body_raw, author_email=item.author_email,
                            ip_prefix=item.ip_prefix, received_at=item.created_at,
                            form_served_at=item.created_at - timedelta(seconds=30),
                            site_id=item.site_id, item_id=item.id)
            start = time.thread_time()
            scorer.score(sample, {}, db.session, model)
            times.append(time.thread_time() - start)
            duplicates.remember(db.session, item.id, item.body_raw, item.created_at)
            if n % 200 == 0:
                db.session.commit()
        db.session.commit()
        print(f"             (store held up to {db.session.query(Item).count()} items)")
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2000)
    args = parser.parse_args()
    texts, _, _ = corpora()
    texts = texts[::max(1, len(texts) // args.items)][:args.items]
    start = time.perf_counter()
    model = default_classifier()
    print(f"model trained in {time.perf_counter() - start:.1f} s (once per worker process)")
    text_only(texts[:50], model)  # warm caches (regexes, hashing) before measuring
    summary("text only", text_only(texts, model))
    summary("with store", with_store(texts, model))


if __name__ == "__main__":
    main()
