"""No payload from the public XSS lists runs script anywhere reader text is shown: the
embed on an article page, the review queue, the moderator's item page and the
submitter's status page. Every payload goes through the real pipeline (intake, processing,
approval). A positive control shows the same harness does catch the raw payloads."""
import html

import pytest
from sqlalchemy import select

from moderation import intake, processing, review
from moderation.extensions import db
from moderation.store import Item, Moderator
from tests.browser.xss_harness import Watch, fire_everything
from tests.conftest import add_moderator
from tests.xss_corpus import payloads

BATCH = 300  # payloads per page; a page that runs script is bisected to name the payloads


def comment_page(thread: str) -> str:
    return (f'<!doctype html><title>XSS check</title><div id="comments" data-site="default" '
            f'data-thread="{html.escape(thread)}"></div><script src="/embed.js"></script>'
            f'<div data-recent-comments data-site="default" data-limit="50"></div>'
            f'<script src="/recent.js"></script>')


PER_COMMENT = 10  # payloads in one comment body; each payload alone is checked by the unit test


def store_thread(app, thread: str, batch: list[str]) -> None:
    """One approved top-level comment and the batch as approved replies, PER_COMMENT
    payloads to a body, so one page shows them all; payloads also go in the author's
    name and the thread's title."""
    with app.app_context():
        moderator = db.session.scalar(select(Moderator))
        ids = []
        bodies = [f"Thread {thread}"] + ["\n\n".join(batch[i:i + PER_COMMENT])
                                         for i in range(0, len(batch), PER_COMMENT)]
        for n, body in enumerate(bodies):
            name = batch[n % len(batch)]
            data = {"author_name": name[:80].strip() or "x", "author_email": f"a{n}@example.org",
                    "body": body, "thread_title": name[:200].strip() or "x",
                    "thread_url": "https://news.example/a"}
            if ids:
                data["parent_id"] = ids[0]
            try:
                item = intake.receive_comment(db.session, "default", thread, data, intake.Context(),
                                              ["https://news.example"])
            except intake.IntakeError as exc:  # e.g. control characters in a name
                db.session.rollback()
                for field in exc.errors:
                    data[field] = "x"
                item = intake.receive_comment(db.session, "default", thread, data, intake.Context(),
                                              ["https://news.example"])
            db.session.flush()
            processing.process(db.session, item.id, classifier=_Quiet())
            if item.status == "spam":
                review.decide(db.session, item.id, "not_spam", moderator)
            review.decide(db.session, item.id, "approve", moderator)
            db.session.commit()
            ids.append(item.id)


def store_submission(app, batch: list[str]) -> int:
    """A press release carrying the batch in its body and the first payloads in every
    short field."""
    with app.app_context():
        data = {"author_name": batch[0][:80].strip() or "x", "author_email": "pr@example.org",
                "title": batch[0][:200].strip() or "x", "body": "\n".join(batch)[:40000],
                "organisation": batch[-1][:200].strip() or "x",
                "media_contact": batch[len(batch) // 2][:200].strip() or "x"}
        try:
            item = intake.receive_submission(db.session, "default", "press_release", data, intake.Context())
        except intake.IntakeError as exc:
            db.session.rollback()
            for field in exc.errors:
                data[field] = "x"
            item = intake.receive_submission(db.session, "default", "press_release", data, intake.Context())
        db.session.flush()
        processing.process(db.session, item.id, classifier=_Quiet())
        db.session.commit()
        return item.id


class _Quiet:
    """The payloads are the test here, not the classifier."""

    def spam_probability(self, text):
        return 0.0


@pytest.fixture
def desk(live, browser):
    add_moderator(live.app)
    pages = {}
    live.app.add_url_rule("/xss/<thread>", "xss_page", lambda thread: comment_page(thread))
    # Without our Content-Security-Policy, which would block inline handlers anyway: this
    # checks the sanitising and escaping alone, as on a main-site page with no CSP.
    context = browser.new_context(bypass_csp=True)
    context.set_default_timeout(20000)
    watch = Watch(context)
    page = context.new_page()
    yield live, page, watch, pages
    context.close()


def test_positive_control_raw_payloads_do_run(browser):
    """Each raw payload in its own frame: the harness must see script run for many of them,
    and for the classic ones, or its silence below would mean nothing."""
    context = browser.new_context()
    context.set_default_timeout(20000)
    watch = Watch(context)
    page = context.new_page()
    sample = list(payloads())[::16]
    classics = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
                '<a href="javascript:alert(1)">x</a>', "<div onmouseover=alert(1)>x</div>"]
    fired = 0
    for start in range(0, len(sample), BATCH):
        batch = sample[start:start + BATCH]
        frames = "".join(f'<iframe srcdoc="{html.escape(p, quote=True)}"></iframe>' for p in batch)
        before = len(watch.hits)
        page.set_content(f"<!doctype html>{frames}", wait_until="domcontentloaded")
        fire_everything(page, 400)
        fired += len(watch.hits) > before and 1 or 0
    for classic in classics:
        before = len(watch.hits)
        page.set_content(f"<!doctype html>{classic}", wait_until="domcontentloaded")
        fire_everything(page, 100)
        assert len(watch.hits) > before, f"the harness missed {classic}"
    context.close()
    assert fired == len(range(0, len(sample), BATCH)), "every raw batch should run script"


def test_embed_and_recent_widget_run_no_payload(desk):
    live, page, watch, _ = desk
    # On the real page, HTML that skipped the sanitiser must be caught running.
    store_thread(live.app, "control", ["a harmless comment"])
    with live.app.app_context():
        unsafe = db.session.scalars(select(Item).order_by(Item.id.desc())).first()
        unsafe_id, safe = unsafe.id, unsafe.body_html
        unsafe.body_html = '<img src="x" onerror="alert(1)">'
        db.session.commit()
    assert _runs(page, watch, f"{live.url}/xss/control", wait_for="article.moderation-comment")
    with live.app.app_context():  # the recent-comments box of later pages shows it too
        db.session.get(Item, unsafe_id).body_html = safe
        db.session.commit()

    corpus = list(payloads())
    hits = []
    for start in range(0, len(corpus), BATCH):
        batch, thread = corpus[start:start + BATCH], f"x{start}"
        store_thread(live.app, thread, batch)
        if _runs(page, watch, f"{live.url}/xss/{thread}", wait_for="article.moderation-comment"):
            hits.append(thread)
        shown = page.locator("article.moderation-comment").count()
        assert shown == 1 + -(-len(batch) // PER_COMMENT), f"{thread}: {shown} comments shown"
    assert hits == [], f"script ran on embed pages {hits}"


def test_review_pages_and_status_page_run_no_payload(desk):
    live, page, watch, _ = desk
    corpus = list(payloads())
    ids = [store_submission(live.app, corpus[start:start + BATCH])
           for start in range(0, len(corpus), BATCH)]
    page.goto(f"{live.url}/login")
    page.fill("input[name=username]", "mod")
    page.fill("input[name=password]", "correct horse battery")
    page.click("button[type=submit]")
    bad = [f"/review/items/{i}" for i in ids if _runs(page, watch, f"{live.url}/review/items/{i}")]
    bad += [f"queue {s}" for s in ("pending", "spam")
            if _runs(page, watch, f"{live.url}/review/?status={s}&kind=press_release")]
    with live.app.app_context():
        from moderation import tokens
        for item_id in ids[:5]:
            url = f"{live.url}/status/{tokens.status_token(live.app.secret_key, item_id)}"
            if _runs(page, watch, url):
                bad.append(url)
    assert bad == [], f"script ran on {bad}"


def _runs(page, watch, url: str, wait_for: str | None = None) -> bool:
    before = len(watch.hits)
    page.goto(url)
    if wait_for:
        page.locator(wait_for).first.wait_for(timeout=15000)
    fire_everything(page)
    return len(watch.hits) > before
