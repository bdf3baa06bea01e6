"""Browser layer: Playwright driving Debian's Chromium against live servers. Skips
without /usr/bin/chromium unless MODERATION_REQUIRE_BROWSER=1 (CI), where it fails."""
import os
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.conftest import make_app

CHROMIUM = "/usr/bin/chromium"
REQUIRED = os.environ.get("MODERATION_REQUIRE_BROWSER") == "1"
# Headless, and no calls home: this machine's network is closed.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture(scope="session", autouse=True)
def warm_classifier():
    """Train the default text model before any page waits on a first comment: a process
    pays it once, and a browser's timeout should not."""
    from moderation.spam.classifier import default_classifier
    default_classifier()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if REQUIRED:
            pytest.fail(f"{CHROMIUM} is missing (MODERATION_REQUIRE_BROWSER=1)")
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'live.sqlite3'}")
    server = LiveServer(app)
    yield server
    server.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == [], f"script errors on the page: {errors}"


def log_in(page, base: str, username: str, password: str = "correct horse battery"):
    """A moderator signs in through the login form."""
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    expect(page.locator(".who")).to_contain_text(username)
