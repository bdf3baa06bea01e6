"""The moderators' desk in a real browser: keyboard flow, bulk actions, undo, and two
moderators working the same item at once."""
import re

import pytest
from playwright.sync_api import expect

from moderation.extensions import db
from moderation.store import Decision, Item
from tests.browser.conftest import LiveServer, log_in
from tests.conftest import add_moderator, make_app, make_item

UNDO_SECONDS = 1.5


@pytest.fixture
def desk(tmp_path):
    """A live server with a short undo window and fast polling, so tests stay quick."""
    app = make_app(f"sqlite:///{tmp_path / 'desk.sqlite3'}", MODERATION_UNDO_SECONDS=UNDO_SECONDS,
                   MODERATION_POLL_SECONDS=0.5)
    server = LiveServer(app)
    yield server
    server.stop()



def item(app, item_id):
    with app.app_context():
        found = db.session.get(Item, item_id)
        return found.status, (found.decisions[-1].reason if found.decisions else "")


def row(page, item_id):
    return page.locator(f'tr.queue-item[data-id="{item_id}"]')


def test_keyboard_flow(page, desk):
    add_moderator(desk.app, "alice")
    first = make_item(desk.app, body="First in line", score=0.1)
    second = make_item(desk.app, body="Second in line", score=0.2)
    third = make_item(desk.app, body="Third in line", score=0.3)
    log_in(page, desk.url, "alice")
    page.goto(f"{desk.url}/review/")
    expect(row(page, first)).to_have_class("queue-item current")
    page.keyboard.press("?")
    expect(page.locator("#help-dialog")).to_contain_text("undo the last action")
    page.keyboard.press("Escape")

    page.keyboard.press("a")  # approve the first
    expect(page.locator("#toast")).to_contain_text(f"Approved item {first}")
    expect(row(page, first)).to_be_hidden()  # gone once the undo window closed
    expect(page.locator("#toast")).to_contain_text("Approved: done")
    assert item(desk.app, first) == ("approved", "")
    expect(page.locator('[data-count="approved"]')).to_have_text("1")

    expect(row(page, second)).to_have_class("queue-item current")
    page.keyboard.press("j")
    expect(row(page, third)).to_have_class("queue-item current")
    page.keyboard.press("k")
    page.keyboard.press("r")  # reject the second: reason picker
    dialog = page.locator("#reason-dialog")
    expect(dialog).to_be_visible()
    page.keyboard.press("4")  # duplicate
    dialog.locator("textarea[name=message]").fill("We ran this story yesterday.")
    dialog.locator("button[value=reject]").click()
    expect(row(page, second)).to_be_hidden()
    assert item(desk.app, second) == ("rejected", "duplicate")

    expect(row(page, third)).to_have_class("queue-item current")
    page.keyboard.press("o")
    expect(page).to_have_url(f"{desk.url}/review/items/{third}")
    expect(page.locator(".raw")).to_have_text("Third in line")


def test_bulk_actions_by_keyboard_and_by_mouse(page, desk):
    add_moderator(desk.app, "alice")
    ids = [make_item(desk.app, body=f"Cheap pills {i}", score=0.1 * i) for i in range(4)]
    log_in(page, desk.url, "alice")
    page.goto(f"{desk.url}/review/")
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("x")
    expect(page.locator(".selected-count")).to_have_text("2 selected")
    page.keyboard.press("s")
    expect(page.locator("#toast")).to_contain_text("Marked as spam 2 items")
    for item_id in ids[:2]:
        expect(row(page, item_id)).to_be_hidden()
    expect(page.locator('[data-count="spam"]')).to_have_text("2")

    row(page, ids[2]).locator(".select").check()  # the mouse way
    row(page, ids[3]).locator(".select").check()
    page.click(".toolbar button[data-action=approve]")
    for item_id in ids[2:]:
        expect(row(page, item_id)).to_be_hidden()
    assert [item(desk.app, i)[0] for i in ids] == ["spam", "spam", "approved", "approved"]


def test_undo_sends_nothing(page, desk):
    add_moderator(desk.app, "alice")
    item_id = make_item(desk.app, body="Borderline remark")
    log_in(page, desk.url, "alice")
    page.goto(f"{desk.url}/review/")
    page.keyboard.press("a")
    expect(row(page, item_id)).to_have_class(re.compile(r"\bheld\b"))
    page.keyboard.press("z")
    expect(page.locator("#toast")).to_contain_text("Undone: nothing was sent")
    expect(row(page, item_id)).to_have_class("queue-item current")
    page.wait_for_timeout(UNDO_SECONDS * 1000 + 700)  # past the window: still nothing sent
    expect(row(page, item_id)).to_be_visible()
    assert item(desk.app, item_id) == ("pending", "")

    page.click(".toolbar button[data-action=spam]")  # undo by mouse, from the item page too
    page.click("#toast .toast-undo")
    page.goto(f"{desk.url}/review/items/{item_id}")
    page.click("button.action-approve")
    expect(page.locator("#toast")).to_contain_text("Approve: sending in a few seconds")
    page.click("#toast .toast-undo")
    page.wait_for_timeout(UNDO_SECONDS * 1000 + 700)
    assert item(desk.app, item_id) == ("pending", "")
    with desk.app.app_context():
        assert db.session.query(Decision).filter_by(item_id=item_id).count() == 1


def test_two_moderators_on_the_same_item(browser, desk):
    add_moderator(desk.app, "alice")
    add_moderator(desk.app, "bob")
    item_id = make_item(desk.app, body="Contested remark")
    alice_context, bob_context = browser.new_context(), browser.new_context()
    try:
        alice, bob = alice_context.new_page(), bob_context.new_page()
        log_in(alice, desk.url, "alice")
        log_in(bob, desk.url, "bob")
        bob.goto(f"{desk.url}/review/")
        alice.goto(f"{desk.url}/review/items/{item_id}")
        expect(row(bob, item_id).locator(".state")).to_have_text("open by alice")  # by polling

        bob_item = bob_context.new_page()
        bob_item.goto(f"{desk.url}/review/items/{item_id}")
        expect(bob_item.locator(".claim.other")).to_contain_text("alice has this item open")

        alice.click("button.action-approve")
        expect(alice.locator(".flash")).to_contain_text(f"Item {item_id} is now approved")
        expect(row(bob, item_id).locator(".state")).to_have_text("approved by alice")
        expect(row(bob, item_id)).to_have_class(re.compile(r"\bdecided\b"))

        bob_item.click("button.action-spam")  # Bob's page still shows the old version
        expect(bob_item.locator(".flash.error")).to_contain_text(
            "changed since you opened it (now approved)")
        assert item(desk.app, item_id) == ("approved", "")
        with desk.app.app_context():
            assert db.session.query(Decision).filter_by(item_id=item_id).count() == 2
    finally:
        alice_context.close()
        bob_context.close()


def test_the_reject_picker_has_no_default_reason(page, desk):
    """Rejecting from the queue without choosing a reason sends nothing: the dialog
    stays open and asks for one; with one chosen the item is rejected for it."""
    add_moderator(desk.app, "alice")
    item_id = make_item(desk.app, body="Rude but not spam")
    log_in(page, desk.url, "alice")
    page.goto(f"{desk.url}/review/")
    page.keyboard.press("r")
    dialog = page.locator("#reason-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("input[name=reason]:checked")).to_have_count(0)
    dialog.locator("button[value=reject]").click()
    expect(dialog).to_be_visible()  # the browser asks for the required choice
    assert item(desk.app, item_id) == ("pending", "")
    page.keyboard.press("2")  # abuse
    dialog.locator("button[value=reject]").click()
    expect(row(page, item_id)).to_be_hidden()
    assert item(desk.app, item_id) == ("rejected", "abuse")
