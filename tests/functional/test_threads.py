"""A thread's URL and title never come from a post nobody approved: a post proposes
them, the first approved comment confirms them, the main site may register them with
its API key, and they must be pages of the site's allowed origins."""
from sqlalchemy import select

from moderation import sites
from moderation.extensions import db
from moderation.store import Item, Site, Thread
from tests.conftest import decide, post_comment

NEWS = "https://news.example"
PATH = "/api/v1/sites/default/threads/{}"


def allow(app, *origins):
    with app.app_context():
        db.session.scalar(select(Site).where(Site.key == "default")).allowed_origins = list(origins)
        db.session.commit()
    app.extensions["site_cache"].forget()


def thread_of(app, key):
    with app.app_context():
        thread = db.session.scalar(select(Thread).where(Thread.key == key))
        return thread.url, thread.title


def api_key(app) -> str:
    with app.app_context():
        key = sites.new_api_key(db.session.scalar(select(Site).where(Site.key == "default")))
        db.session.commit()
    app.extensions["site_cache"].forget()
    return key


def test_a_rejected_first_post_leaves_no_url_or_title_behind(app, client):
    """The squatter posts first, with a phishing title; a moderator rejects it. Nothing
    of it shows beside the comments, in the recent box or in a webhook."""
    allow(app, NEWS)
    squat = post_comment(client, thread="tram", thread_url=f"{NEWS}/win-a-prize",
                         thread_title="You have won! Claim at our page").get_json()["id"]
    assert thread_of(app, "tram") == ("", "")
    decide(app, squat, "reject")
    real = post_comment(client, thread="tram", thread_url=f"{NEWS}/news/tram-line",
                        thread_title="Tram line approved", body="The stop needs a shelter.")
    assert thread_of(app, "tram") == ("", "")  # proposed, not yet approved
    with app.app_context():
        proposed = db.session.get(Item, real.get_json()["id"]).fields
    assert proposed == {"thread_url": f"{NEWS}/news/tram-line", "thread_title": "Tram line approved"}
    decide(app, real.get_json()["id"])
    assert thread_of(app, "tram") == (f"{NEWS}/news/tram-line", "Tram line approved")
    [recent] = client.get("/api/v1/sites/default/comments/recent").get_json()["comments"]
    assert (recent["thread_url"], recent["thread_title"]) == (f"{NEWS}/news/tram-line",
                                                               "Tram line approved")
    # A later approved post does not move a confirmed thread.
    later = post_comment(client, thread="tram", thread_url=f"{NEWS}/elsewhere",
                         thread_title="Something else", body="Agreed about the shelter.")
    decide(app, later.get_json()["id"])
    assert thread_of(app, "tram") == (f"{NEWS}/news/tram-line", "Tram line approved")


def test_a_thread_url_off_the_allowed_origins_is_refused(app, client):
    allow(app, NEWS)
    refused = post_comment(client, thread="tram", thread_url="https://phish.example/news")
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["field"] == "thread_url" and "https://phish.example" in error["message"]
    assert post_comment(client, thread="tram", thread_url=f"{NEWS}/a").status_code == 202
    # Our own origin (the demo page) is always allowed.
    assert post_comment(client, thread="demo", thread_url="http://localhost/demo").status_code == 202


def test_the_main_site_registers_a_thread_with_its_api_key(app, client):
    allow(app, NEWS)
    body = {"url": f"{NEWS}/news/budget", "title": "Budget passes"}
    anonymous = client.put(PATH.format("budget"), json=body)
    assert anonymous.status_code == 401 and "Bearer" in anonymous.headers["WWW-Authenticate"]
    key = api_key(app)
    wrong = client.put(PATH.format("budget"), json=body, headers={"Authorization": "Bearer mk_no"})
    assert wrong.status_code == 401
    auth = {"Authorization": f"Bearer {key}"}
    done = client.put(PATH.format("budget"), json=body, headers=auth)
    assert done.status_code == 200 and done.get_json() == {
        "key": "budget", "url": f"{NEWS}/news/budget", "title": "Budget passes", "open": True}
    assert thread_of(app, "budget") == (f"{NEWS}/news/budget", "Budget passes")
    off = client.put(PATH.format("budget"), json={**body, "url": "https://phish.example/x"},
                     headers=auth)
    assert off.status_code == 422 and off.get_json()["error"]["field"] == "thread_url"
    bad = client.put(PATH.format("budget"), json={"url": "javascript:alert(1)"}, headers=auth)
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "url"
    # Comments proposing something else do not move what the main site registered.
    other = post_comment(client, thread="budget", thread_url=f"{NEWS}/fake", thread_title="Fake")
    decide(app, other.get_json()["id"])
    assert thread_of(app, "budget") == (f"{NEWS}/news/budget", "Budget passes")
    # The old key stops working when a new one is made.
    api_key(app)
    assert client.put(PATH.format("budget"), json=body, headers=auth).status_code == 401


def test_an_admin_makes_an_api_key_shown_once(app, client):
    from tests.conftest import add_moderator, csrf_from, log_in
    add_moderator(app, "chief", role="admin")
    log_in(client, "chief")
    page = client.get("/admin/sites").get_data(as_text=True)
    assert "Create an API key" in page
    made = client.post("/admin/sites/default/api-key", data={"csrf_token": csrf_from(page)})
    assert made.status_code == 200 and made.headers["Cache-Control"] == "no-store"
    text = made.get_data(as_text=True)
    key = text.split('<code class="api-key">')[1].split("</code>")[0]
    assert key.startswith("mk_") and "Replace the API key" in text
    assert key not in client.get("/admin/sites").get_data(as_text=True)  # shown once
    with app.app_context():
        assert db.session.scalar(select(Site.api_key_hash)) != key  # only its digest kept
