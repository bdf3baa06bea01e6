"""The community tools through the widget and the desk, in a real browser: a reader's
report reaches the reported queue and a moderator resolves it; a banned author's post is
refused with the desk's words; a closed thread shows no form; a rejected commenter sees
why; a reader verifies their address through the link a real SMTP server received and
is then auto-approved as a trusted regular."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from moderation.extensions import db
from moderation.store import Item, Site
from tests.browser.conftest import LiveServer, log_in
from tests.browser.test_embed import POSTED, ArticleServer, fill_and_post, items_of
from tests.conftest import add_moderator, decide, make_app, set_policy

TEXT = "The tram stop by the library needs a shelter before winter."


@pytest.fixture
def service(tmp_path, smtp):
    app = make_app(f"sqlite:///{tmp_path / 'community.sqlite3'}", MODERATION_UNDO_SECONDS=0.3,
                   **smtp.settings)
    server = LiveServer(app)
    app.config["MODERATION_PUBLIC_URL"] = server.url  # links in mail lead here
    add_moderator(app, "editor", role="admin")
    yield server
    server.stop()


@pytest.fixture
def article(service):
    server = ArticleServer(service.url, "tram-line")
    allow(service.app, server.origin)
    yield server
    server.stop()


def allow(app, origin):
    with app.app_context():
        db.session.scalar(select(Site).where(Site.key == "default")).allowed_origins = [origin]
        db.session.commit()
    app.extensions["site_cache"].forget()


def stored(app, item_id):
    with app.app_context():
        item = db.session.get(Item, item_id)
        return item.status, item.verified_reader


def editor(browser, service):
    """The desk: a page of its own browser context, signed in as the editor."""
    desk = browser.new_context().new_page()
    log_in(desk, service.url, "editor")
    return desk


def published(service, article, page, text=TEXT):
    """A comment by Rita, posted through the widget and approved."""
    page.goto(article.url)
    fill_and_post(page, text)
    expect(page.get_by_role("status")).to_contain_text("awaiting moderation", timeout=POSTED)
    item_id = items_of(service.app, "tram-line")[-1]
    decide(service.app, item_id, "approve")
    return item_id


def test_a_report_reaches_the_reported_queue_and_the_desk_removes_it(service, article, browser):
    set_policy(service.app, report_threshold=0.5)  # one new reader
    reader = browser.new_context().new_page()
    item_id = published(service, article, reader)
    reader.reload()
    reader.get_by_role("button", name="Report this post by Reader Rita").click()
    report = reader.get_by_role("form", name="Report this comment")
    report.get_by_role("button", name="Send report").click()
    expect(report.get_by_role("alert")).to_have_text("Please choose a reason.")
    report.get_by_role("radio", name="Something else").check()
    report.get_by_role("button", name="Send report").click()
    expect(report.get_by_role("alert")).to_contain_text("in a few words")
    report.get_by_label("Details").fill("Names a private person's address.")
    report.get_by_role("button", name="Send report").click()
    expect(reader.locator(".moderation-report-thanks")).to_contain_text("Thank you")
    reader.reload()  # one report per reader: the button says so after a reload too
    expect(reader.get_by_role("button", name="Report this post by Reader Rita")).to_be_disabled()

    desk = editor(browser, service)
    desk.goto(f"{service.url}/review?status=reported")
    row = desk.locator(f"tr.queue-item[data-id='{item_id}']")
    expect(row).to_contain_text("reported (")
    row.locator("a.open").click()
    expect(desk.locator("table.reports")).to_contain_text("Names a private person's address.")
    resolve = desk.locator("form.resolve")
    resolve.locator("select[name=reason]").select_option("legal")
    resolve.get_by_role("button", name="Remove it").click()
    expect(desk.locator(".flash")).to_contain_text(f"Item {item_id} removed")
    assert stored(service.app, item_id)[0] == "rejected"
    reader.reload()
    expect(reader.locator("article.moderation-comment", has_text=TEXT)).to_have_count(0)


def test_a_banned_author_is_refused_with_the_desk_s_reason(service, article, page, browser):
    desk = editor(browser, service)
    desk.goto(f"{service.url}/admin/authors")
    form = desk.locator("form.standing-form")
    form.locator("select[name=kind]").select_option("ban")
    form.locator("input[name=email]").fill("rita@example.org")
    form.locator("input[name=reason]").fill("repeated personal attacks")
    form.get_by_role("button", name="Save").click()
    expect(desk.locator("table.standings")).to_contain_text("rita@example.org")

    page.goto(article.url)
    fill_and_post(page)
    error = page.locator(".moderation-form-error")
    expect(error).to_have_text("Posting from your email address is not allowed: "
                               "repeated personal attacks")
    assert items_of(service.app, "tram-line") == []


def test_a_closed_thread_shows_no_form(service, article, page, browser):
    item_id = published(service, article, page)
    desk = editor(browser, service)
    desk.goto(f"{service.url}/review/items/{item_id}")
    desk.get_by_role("button", name="Close this thread to new comments").click()
    expect(desk.locator("form.thread-open")).to_contain_text("Closed to new comments.")
    page.reload()
    expect(page.locator(".moderation-closed")).to_have_text("Comments are closed.")
    expect(page.locator("form.moderation-form")).to_be_hidden()
    expect(page.locator("article.moderation-comment", has_text=TEXT)).to_be_visible()


def test_a_rejected_commenter_sees_the_reason_and_the_desk_s_message(service, article, page, browser):
    page.goto(article.url)
    counter = page.locator(".moderation-counter")
    expect(counter).to_have_text("0 of 5,000 characters")
    fill_and_post(page)
    expect(page.get_by_role("status")).to_contain_text("awaiting moderation", timeout=POSTED)
    [item_id] = items_of(service.app, "tram-line")

    desk = editor(browser, service)
    desk.goto(f"{service.url}/review/items/{item_id}")
    reject = desk.locator("form.decide[data-action=reject]")
    reject.locator("select[name=reason]").select_option("off_topic")
    reject.locator("input[name=message]").fill("Please keep to the tram line.")
    reject.locator("button[type=submit]").click()
    expect(desk).to_have_url(re.compile(r"/review/\?status=pending"))  # after the undo window
    assert stored(service.app, item_id)[0] == "rejected"

    page.reload()
    own = page.locator("article.moderation-comment.rejected")
    expect(own).to_contain_text(TEXT)
    expect(own.locator(".moderation-outcome")).to_contain_text(
        "Not published: it is off topic \u2013 Please keep to the tram line.")
    own.get_by_role("button", name="Dismiss").click()
    page.reload()
    expect(page.locator("article.moderation-comment")).to_have_count(0)


def test_a_verified_regular_is_auto_approved_and_a_typed_address_is_not(service, article, browser, smtp):
    set_policy(service.app, auto_approve=True, auto_approve_below=0.9, trusted_after=1)
    reader = browser.new_context().new_page()
    published(service, article, reader, "My first comment on the tram line.")
    reader.get_by_role("button", name="Verify my email address").click()
    expect(reader.locator(".moderation-verify")).to_contain_text("We sent you a link")
    [mail] = smtp.inbox.to("rita@example.org")
    link = re.search(r"https?://\S+/verify/\S+", mail.get_content()).group(0)
    opened = reader.context.new_page()  # the reader opens the link from their mail
    opened.goto(link)
    expect(opened.locator("main")).to_contain_text("rita@example.org")
    expect(reader.locator(".moderation-verify")).to_contain_text("verified", timeout=15_000)

    fill_and_post(reader, "A second comment, now as a verified reader.")
    expect(reader.get_by_role("status")).to_contain_text("Thanks!", timeout=POSTED)
    trusted = items_of(service.app, "tram-line")[-1]
    assert stored(service.app, trusted) == ("approved", True)
    reader.reload()
    expect(reader.locator("article.moderation-comment:not(.pending)",
                          has_text="now as a verified reader")).to_be_visible()

    stranger = browser.new_context().new_page()  # the same address typed, without the token
    stranger.goto(article.url)
    fill_and_post(stranger, "Someone else typing Rita's address.")
    expect(stranger.get_by_role("status")).to_contain_text("awaiting moderation", timeout=POSTED)
    assert stored(service.app, items_of(service.app, "tram-line")[-1]) == ("pending", False)
