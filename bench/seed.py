"""Benchmark data: reader comments that look like a news site's (plain prose, some links,
a little markup, replies), seeded into the service through its own domain functions and
into Isso through its HTTP API, so both serve the same texts."""
import collections
import csv
import functools
import http.client
import json
import random
import re
from pathlib import Path

from sqlalchemy import func, select

# The news words, and every word of three letters or more that the shipped corpora's ham
# texts use three times or more, drawn as often as they appear there (each news word a
# tenth as often as the commonest word). With the news words alone, 15 % of all comment
# pairs shared a MinHash band (near-duplicate candidates), which no real comment stream
# does; with this vocabulary it is about 1 %.
NEWS_WORDS = ("council tram line vote budget residents bridge station school report minister "
              "housing plan consultation road safety cyclists traffic rates water park library "
              "hospital nurses strike ferry timetable harbour election candidate survey figures "
              "police statement court appeal mayor climate flood insurance rent landlords "
              "tenants jobs factory closure union wages museum festival weekend weather").split()
CORPORA = Path(__file__).resolve().parent.parent / "moderation" / "spam" / "data"


@functools.cache
def vocabulary() -> tuple[list[str], list[int]]:
    counts = collections.Counter()
    for path in sorted(CORPORA.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                if row["label"] == "ham":
                    counts.update(w.lower() for w in re.findall(r"[A-Za-z]{3,}", row["text"]))
    top = counts.most_common(1)[0][1]
    counts.update({w: top // 10 for w in NEWS_WORDS})
    common = sorted((w, n) for w, n in counts.items() if n >= 3)
    return [w for w, _ in common], [n for _, n in common]


OPENERS = ("I think", "Honestly,", "As someone who lives here,", "Good article, but",
           "Not sure about this:", "Thanks for covering this.", "Interesting that",
           "Has anyone asked why", "My neighbour says", "The real question is whether")
LINKS = ("https://www.example.org/reports/2024/transport-review.pdf",
         "http://council.example.gov/minutes/march", "https://en.wikipedia.org/wiki/Tram",
         "www.example.net/housing-survey")


def _sentence(rng: random.Random) -> str:
    words, weights = vocabulary()
    words = rng.choices(words, weights, k=rng.randint(6, 18))
    return f"{rng.choice(OPENERS)} the {' '.join(words)}."


def comment_text(rng: random.Random) -> str:
    """One comment: 1-3 paragraphs of 1-4 sentences; some with a link or a little markup."""
    paragraphs = [" ".join(_sentence(rng) for _ in range(rng.randint(1, 4)))
                  for _ in range(rng.choice((1, 1, 1, 2, 2, 3)))]
    roll = rng.random()
    if roll < 0.15:
        paragraphs[-1] += f" Source: {rng.choice(LINKS)}"
    elif roll < 0.22:
        paragraphs[0] = f"<b>{paragraphs[0]}</b>"
    elif roll < 0.27:
        paragraphs[-1] += " <i>Just my two cents</i> & that's <that>."
    return "\n\n".join(paragraphs)


def comments(count: int, seed: int) -> list[dict]:
    """`count` comments, every 4th one top-level and the next three replies to it (so a
    thread of 500 is 125 top-level comments with 375 replies); parent is an index."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        parent = None if i % 4 == 0 else i - i % 4
        out.append({"author_name": f"Reader {rng.randint(1, 400)}",
                    "author_email": f"reader{rng.randint(1, 400)}@example.org",
                    "body": comment_text(rng), "parent": parent})
    return out


def seed_service(app, thread_key: str, items: list[dict]) -> int:
    """Store and approve every comment through the domain functions: intake, the worker's
    sanitising, lifecycle (received -> pending) and review.decide (-> approved), replies
    under their approved parents. The spam scorer is skipped: a score plays no part in a
    read, and scoring 550 comments takes minutes on a busy machine. Returns the count."""
    from moderation import accounts, intake, lifecycle, review, sanitising
    from moderation.extensions import db
    from moderation.store import Moderator

    with app.app_context():
        session = db.session
        moderator = session.scalar(select(Moderator).where(Moderator.username == "bench"))
        if moderator is None:
            moderator = accounts.create_moderator(session, "bench", "bench-password-1", "admin")
            session.commit()
        ids = []
        for n, c in enumerate(items):
            data = {"author_name": c["author_name"], "author_email": c["author_email"],
                    "body": c["body"], "thread_url": f"https://news.example/{thread_key}",
                    "thread_title": f"Article {thread_key}"}
            if c["parent"] is not None:
                data["parent_id"] = ids[c["parent"]]
            item = intake.receive_comment(session, "default", thread_key, data,
                                          intake.Context(ip=f"10.0.{n % 250}.1",
                                                         user_agent="bench"),
                                          ["https://news.example"])
            session.flush()
            item.show(sanitising.clean(item.body_raw, item.kind))
            lifecycle.move(session, item, "pending", note="bench seed")
            session.flush()
            review.decide(session, item.id, "approve", moderator)
            ids.append(item.id)
            if n % 50 == 49:
                session.commit()
        session.commit()
        session.remove()
    return len(ids)


def seed_isso(port: int, uri: str, items: list[dict]) -> int:
    """Post the same comments to Isso (moderation off: all published). Returns the count."""
    ids = []
    for c in items:
        body = {"text": c["body"], "author": c["author_name"], "email": c["author_email"],
                "title": f"Article {uri}"}
        if c["parent"] is not None:
            body["parent"] = ids[c["parent"]]
        status, raw = _post(port, f"/new?uri={uri}", body)
        if status not in (201, 202):
            raise RuntimeError(f"isso refused a comment: {status} {raw[:200]!r}")
        ids.append(json.loads(raw)["id"])
    return len(ids)


def _post(port: int, path: str, body: dict) -> tuple[int, bytes]:
    """POST JSON on a new connection (an idle kept-alive one may be closed under us)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def received_items(app, count: int, seed: int, thread_key: str) -> list[tuple[int, str]]:
    """Store `count` received comments (no worker woken) for the worker to process; returns
    (id, body) pairs."""
    from moderation import intake
    from moderation.extensions import db

    rng = random.Random(seed)
    out = []
    with app.app_context():
        session = db.session
        for n in range(count):
            body = comment_text(rng)
            item = intake.receive_comment(
                session, "default", thread_key,
                {"author_name": f"Reader {rng.randint(1, 400)}",
                 "author_email": f"reader{rng.randint(1, 400)}@example.org", "body": body},
                intake.Context(ip=f"10.1.{n % 250}.1", user_agent="bench"))
            out.append((item, body))
        session.commit()
        out = [(item.id, body) for item, body in out]
        session.remove()
    return out


def count_processed(app, ids: list[int]) -> int:
    from moderation.extensions import db
    from moderation.store import Item

    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(Item).where(
            Item.id.in_(ids), Item.status != "received"))
        db.session.remove()
    return n
