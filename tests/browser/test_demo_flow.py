"""The whole flow as people see it: a reader comments through the embed on /demo, a
moderator approves it in /review/, and the reader sees it published."""
from playwright.sync_api import expect

from tests.conftest import add_moderator

TEXT = "Trams beat buses on this route, and the council finally noticed."


def post_through_embed(page, base, text=TEXT):
    page.goto(f"{base}/demo")
    form = page.locator("form.moderation-form")
    expect(form).to_be_visible()
    page.wait_for_timeout(3200)  # a reader takes a few seconds to type
    form.locator("[name=author_name]").fill("Reader Rita")
    form.locator("[name=author_email]").fill("rita@example.org")
    form.locator("[name=body]").fill(text)
    form.locator("button.moderation-submit").click()
    expect(page.locator(".moderation-status")).to_contain_text("awaiting moderation")


def test_comment_moderate_publish(page, live):
    username, password = add_moderator(live.app)
    post_through_embed(page, live.url)
    page.reload()
    own = page.locator("article.moderation-comment.pending")
    expect(own).to_contain_text(TEXT)
    expect(own).to_contain_text("Awaiting moderation")

    page.goto(f"{live.url}/review/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    row = page.locator("tr.queue-item", has_text="Trams beat buses")
    expect(row).to_be_visible()
    row.locator("td a").first.click()
    expect(page.locator(".raw")).to_have_text(TEXT)
    page.click("button.action-approve")
    expect(page.locator(".flash")).to_contain_text("now approved", timeout=15000)  # after the undo window

    page.goto(f"{live.url}/demo")
    published = page.locator("article.moderation-comment:not(.pending)", has_text=TEXT)
    expect(published).to_be_visible()
    expect(page.locator("article.moderation-comment.pending")).to_have_count(0)
    expect(page.locator(".moderation-count")).to_contain_text("1 comment")
    expect(page.locator("[data-comment-count]")).to_have_text("1 comment")
