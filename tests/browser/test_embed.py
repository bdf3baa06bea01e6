"""The embed on the main site's own origin: an article page served by a second HTTP
server (another port, so another origin) loads embed.js and count.js from the service,
a reader posts, a moderator approves, and the reader sees it published with the count.
A page on an origin the site does not allow cannot post."""
import http.server
import threading

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from moderation.extensions import db
from moderation.store import Item, Site, Thread
from tests.conftest import decide

TEXT = "The tram stop by the library needs a shelter before winter."
ARTICLE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Tram line approved</title><link rel="stylesheet" href="/host.css"></head><body>
<h1>Tram line approved</h1><p class="host-text">The article text.</p>
<p><a href="#comments" data-comment-count data-site="default" data-thread="{thread}">Comments</a></p>
<div id="comments" data-site="default" data-thread="{thread}"></div>
<script src="{service}/embed.js" async></script>
<script src="{service}/count.js" async></script>
</body></html>"""
# The host page themes the widget through its custom properties, and styles its own
# paragraphs and buttons in ways that must not reach into the widget (nor the reverse).
HOST_CSS = """#comments { --moderation-accent: rgb(200, 0, 0); }
p { color: rgb(0, 128, 0); } button { text-transform: uppercase; }"""


class ArticleServer:
    """The main site: serves one article page that embeds the service's widgets."""

    def __init__(self, service_url: str, thread: str):
        page = ARTICLE.format(service=service_url, thread=thread).encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                css = self.path == "/host.css"
                body = HOST_CSS.encode() if css else page
                self.send_response(200)
                self.send_header("Content-Type", "text/css" if css else "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        self.url = self.origin + "/news/tram-line"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def article(live):
    server = ArticleServer(live.url, "tram-line")
    with live.app.app_context():
        db.session.scalar(select(Site).where(Site.key == "default")).allowed_origins = [server.origin]
        db.session.commit()
    yield server
    server.stop()


# Waiting, not a speed check: the first post of a process may train the spam model.
POSTED = 60_000


def fill_and_post(page, text=TEXT):
    form = page.locator("form.moderation-form")
    expect(form).to_be_visible()
    form.get_by_label("Comment").fill(text)
    form.get_by_label("Name").fill("Reader Rita")
    form.get_by_label("Email").fill("rita@example.org")
    form.get_by_role("button", name="Post comment").click()


def items_of(app, thread):
    with app.app_context():
        return list(db.session.scalars(select(Item.id).join(Thread).where(Thread.key == thread)))


def test_cross_origin_post_moderate_publish(page, live, article):
    page.goto(article.url)
    expect(page.locator("[data-comment-count]")).to_have_text("0 comments")
    expect(page.locator(".moderation-count")).to_have_text("0 comments")
    fill_and_post(page)
    expect(page.get_by_role("status")).to_contain_text("awaiting moderation", timeout=POSTED)
    [item_id] = items_of(live.app, "tram-line")

    page.reload()
    own = page.locator("article.moderation-comment.pending")
    expect(own).to_contain_text(TEXT)
    expect(own).to_contain_text("Awaiting moderation")
    expect(page.locator("[data-comment-count]")).to_have_text("0 comments")

    decide(live.app, item_id, "approve")
    page.reload()
    published = page.locator("article.moderation-comment:not(.pending)", has_text=TEXT)
    expect(published).to_be_visible()
    expect(page.locator("article.moderation-comment.pending")).to_have_count(0)
    expect(page.locator(".moderation-count")).to_have_text("1 comment")
    expect(page.locator("[data-comment-count]")).to_have_text("1 comment")

    # Themed by the host's custom property; the host's own rules stay outside.
    submit = page.get_by_role("button", name="Post comment")
    assert submit.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(200, 0, 0)"
    assert submit.evaluate("b => getComputedStyle(b).textTransform") == "none"
    assert page.locator("p.host-text").evaluate("p => getComputedStyle(p).color") == "rgb(0, 128, 0)"


def test_reply_with_the_keyboard_nests_under_its_parent(page, live, article):
    page.goto(article.url)
    fill_and_post(page, "A first comment to reply to, about the tram.")
    expect(page.get_by_role("status")).to_contain_text("awaiting moderation", timeout=POSTED)
    decide(live.app, items_of(live.app, "tram-line")[0], "approve")
    page.reload()
    reply = page.get_by_role("button", name="Reply to Reader Rita")
    reply.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".moderation-replying")).to_contain_text("Replying to Reader Rita")
    expect(page.get_by_label("Comment")).to_be_focused()
    fill_and_post(page, "Agreed, and a bench too.")
    expect(page.get_by_role("status")).to_contain_text("awaiting moderation", timeout=POSTED)
    nested = page.locator("article.moderation-comment:not(.pending) .moderation-replies article.pending")
    expect(nested).to_contain_text("Agreed, and a bench too.")
    parent_id, reply_id = items_of(live.app, "tram-line")
    with live.app.app_context():
        assert db.session.get(Item, reply_id).parent_id == parent_id


def test_a_page_that_may_not_post_says_so_before_the_reader_types(page, live):
    stranger = ArticleServer(live.url, "stranger-thread")  # its origin is in no allow-list
    try:
        page.goto(stranger.url)
        refusal = page.locator(".moderation-refusal")
        expect(refusal).to_contain_text(f"{stranger.origin} is not one of the sites allowed")
        expect(page.locator("form.moderation-form")).to_be_hidden()
        # A script that posts anyway is still refused by the service.
        answer = page.evaluate("""async (url) => {
            try { const r = await fetch(url, {method: 'POST', headers: {'Content-Type': 'application/json'},
                                         body: JSON.stringify({author_name: 'A', author_email: 'a@example.org', body: 'x'})});
                  return r.status; } catch (e) { return 'refused'; }
        }""", f"{live.url}/api/v1/sites/default/threads/stranger-thread/comments")
        assert answer == "refused"  # a 403 without CORS headers: the browser hides it
    finally:
        stranger.stop()
    with live.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Item)) == 0


def test_a_post_whose_answer_is_lost_is_sent_again_and_stored_once(page, live, article):
    """The service stores the comment but its answer never reaches the browser (the
    connection drops): the widget sends the comment again with the same Idempotency-Key,
    gets the first answer, and the thread holds the comment once."""
    sent = []

    def lose_first_answer(route):
        sent.append(route.request.headers.get("idempotency-key"))
        if len(sent) == 1:
            route.fetch()  # it reaches the service, which stores it...
            route.abort("connectionreset")  # ...and the answer is lost on the way back
        else:
            route.continue_()

    page.route("**/threads/tram-line/comments", lambda route: lose_first_answer(route)
               if route.request.method == "POST" else route.continue_())
    page.goto(article.url)
    fill_and_post(page)
    expect(page.get_by_role("status")).to_contain_text("awaiting moderation", timeout=POSTED)
    assert len(sent) == 2 and sent[0] and sent[0] == sent[1]
    assert len(items_of(live.app, "tram-line")) == 1
