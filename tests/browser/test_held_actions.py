"""A decision held for undo is delivered when the moderator leaves at once, however they
leave (the q key, a link, closing the tab), from the item page and from the queue's bulk
actions; and one that cannot be delivered is reported on the next page, with a way to
send it again."""
import time

import pytest
from playwright.sync_api import expect

from moderation.extensions import db
from moderation.store import Decision, Item
from tests.browser.conftest import LiveServer, log_in
from tests.conftest import add_moderator, make_app, make_item

UNDO_SECONDS = 5  # long enough that every test leaves inside the window


@pytest.fixture
def desk(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'held.sqlite3'}", MODERATION_UNDO_SECONDS=UNDO_SECONDS,
                   MODERATION_POLL_SECONDS=60)
    server = LiveServer(app)
    add_moderator(app, "alice")
    yield server
    server.stop()



def statuses(app, ids):
    with app.app_context():
        found = [db.session.get(Item, i).status for i in ids]
        db.session.remove()
        return found


def decisions(app, item_id):
    with app.app_context():
        count = db.session.query(Decision).filter_by(item_id=item_id).count()
        db.session.remove()
        return count


def eventually(check, seconds=20.0):
    """Wait for what a moderator would see next; a condition, not a timing."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("not stored")
        time.sleep(0.1)


def approve_on_item_page(page, base, item_id):
    page.goto(f"{base}/review/items/{item_id}")
    page.keyboard.press("a")
    expect(page.locator("#toast")).to_contain_text("Approve: sending in a few seconds")


@pytest.mark.parametrize("leave", ["q key", "link", "close tab"])
def test_an_approval_on_the_item_page_survives_leaving_at_once(browser, desk, leave):
    item_id = make_item(desk.app, body="Approve me and go")
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        log_in(page, desk.url, "alice")
        approve_on_item_page(page, desk.url, item_id)
        if leave == "q key":
            page.keyboard.press("q")
            expect(page).to_have_url(f"{desk.url}/review/?status=pending")
        elif leave == "link":
            page.click("text=← pending queue")
            expect(page.locator("h1")).to_have_text("Review queue")
        else:
            page.close(run_before_unload=True)
        eventually(lambda: statuses(desk.app, [item_id]) == ["approved"])
        if leave != "close tab":  # the next page resends it: still one decision
            expect(page.locator("#undelivered")).to_have_count(0)
            page.wait_for_function("() => localStorage.getItem('moderation.outbox') === '[]'")
        assert decisions(desk.app, item_id) == 2  # received -> pending, pending -> approved
    finally:
        context.close()
    assert errors == []


def test_opening_item_after_item_delivers_every_decision(page, desk):
    """The reported run: open an item, approve it, go straight to the next."""
    ids = [make_item(desk.app, body=f"Item number {n}") for n in range(4)]
    log_in(page, desk.url, "alice")
    for item_id in ids:
        approve_on_item_page(page, desk.url, item_id)
    page.goto(f"{desk.url}/review/")
    eventually(lambda: statuses(desk.app, ids) == ["approved"] * 4)


@pytest.mark.parametrize("leave", ["link", "close tab"])
def test_a_bulk_action_in_the_queue_survives_leaving_at_once(browser, desk, leave):
    ids = [make_item(desk.app, body=f"Bulk {n}", score=0.1 * n) for n in range(3)]
    context = browser.new_context()
    page = context.new_page()
    try:
        log_in(page, desk.url, "alice")
        page.goto(f"{desk.url}/review/")
        for item_id in ids[:2]:
            page.locator(f'tr.queue-item[data-id="{item_id}"] .select').check()
        page.click(".toolbar button[data-action=spam]")
        expect(page.locator("#toast")).to_contain_text("Marked as spam 2 items")
        if leave == "link":
            page.click(f'tr.queue-item[data-id="{ids[2]}"] a.open')
            expect(page).to_have_url(f"{desk.url}/review/items/{ids[2]}")
        else:
            page.close(run_before_unload=True)
        eventually(lambda: statuses(desk.app, ids) == ["spam", "spam", "pending"])
    finally:
        context.close()


def end_sessions(app, username="alice"):
    """The moderator's session ends while an action is held (expired, or logged out in
    another tab): the request sent as the page closes is refused with 401."""
    from sqlalchemy import select

    from moderation import accounts
    from moderation.store import Moderator
    with app.app_context():
        accounts.end_sessions(db.session.scalar(select(Moderator).where(Moderator.username == username)))
        db.session.commit()
        db.session.remove()


def test_an_action_that_cannot_be_delivered_is_reported_on_the_next_page(browser, desk):
    item_id = make_item(desk.app, body="The network is down")
    context = browser.new_context()
    page = context.new_page()
    try:
        log_in(page, desk.url, "alice")
        approve_on_item_page(page, desk.url, item_id)
        end_sessions(desk.app)
        page.keyboard.press("q")  # refused (401), and the queue sends the moderator to log in
        expect(page.locator("h1")).to_have_text("Moderator login")
        assert statuses(desk.app, [item_id]) == ["pending"]
        context.route("**/review/decide", lambda route: route.abort())  # and the network fails
        log_in(page, desk.url, "alice")
        alert = page.locator("#undelivered")
        expect(alert).to_contain_text(f"Not delivered: Approve item {item_id}")
        assert statuses(desk.app, [item_id]) == ["pending"]

        page.reload()  # still undelivered: still reported, never dropped silently
        expect(alert).to_contain_text(f"Not delivered: Approve item {item_id}")
        context.unroute("**/review/decide")
        alert.locator("button", has_text="Send again").click()
        expect(alert).to_contain_text(f"Delivered: Approve item {item_id}")
        assert statuses(desk.app, [item_id]) == ["approved"]
        page.reload()
        expect(page.locator("#undelivered")).to_have_count(0)
    finally:
        context.close()


def test_a_held_action_is_delivered_after_logging_in_again(browser, desk):
    item_id = make_item(desk.app, body="Session ran out")
    context = browser.new_context()
    page = context.new_page()
    try:
        log_in(page, desk.url, "alice")
        approve_on_item_page(page, desk.url, item_id)
        end_sessions(desk.app)
        page.keyboard.press("q")
        expect(page.locator("h1")).to_have_text("Moderator login")
        log_in(page, desk.url, "alice")
        eventually(lambda: statuses(desk.app, [item_id]) == ["approved"])
        expect(page.locator("#undelivered")).to_have_count(0)
    finally:
        context.close()


def test_a_refused_held_action_says_so_on_the_next_page(browser, desk):
    """Someone else decided first while the action waited: the next page says it was not
    applied, instead of letting the moderator think it was."""
    from tests.conftest import decide
    item_id = make_item(desk.app, body="Contested")
    context = browser.new_context()
    page = context.new_page()
    try:
        log_in(page, desk.url, "alice")
        approve_on_item_page(page, desk.url, item_id)
        end_sessions(desk.app)
        page.keyboard.press("q")
        expect(page.locator("h1")).to_have_text("Moderator login")
        decide(desk.app, item_id, "reject", username="bob")
        log_in(page, desk.url, "alice")
        alert = page.locator("#undelivered")
        expect(alert).to_contain_text(f"Not delivered: Approve item {item_id}")
        expect(alert).to_contain_text("changed since you opened it")
        assert statuses(desk.app, [item_id]) == ["rejected"]
        alert.locator("button", has_text="Dismiss").click()
        page.reload()
        expect(page.locator("#undelivered")).to_have_count(0)
    finally:
        context.close()
