"""Point 4 of the security brief, checked over the whole app: every /review and /admin
route needs a login (and admin routes the admin role), every HTML form carries a CSRF
token and every form POST is refused without one, our headers and cookie flags, and no
reader's email in any public answer."""
import json
import re

from moderation.extensions import db
from tests.conftest import (
    add_moderator,
    csrf_from,
    decide,
    log_in,
    make_app,
    make_item,
    post_comment,
)

SAMPLE_ARGS = {"item_id": 1, "moderator_id": 1, "model_id": 1, "endpoint_id": 1,
               "delivery_id": 1, "site_key": "default", "kind": "news", "token": "x",
               "standing_id": 1, "thread_id": 1}


def routes(app, prefixes, method):
    """(path, endpoint) of every rule under `prefixes` that takes `method`."""
    found = []
    for rule in app.url_map.iter_rules():
        if method in rule.methods and rule.rule.startswith(prefixes):
            args = {name: SAMPLE_ARGS[name] for name in rule.arguments}
            found.append(rule.build(args, append_unknown=False)[1])
    assert found
    return sorted(found)


def test_every_review_and_admin_route_needs_a_login(app, client):
    make_item(app)
    token = csrf_from(client.get("/login").get_data(as_text=True))
    for method in ("GET", "POST"):
        for path in routes(app, ("/review", "/admin"), method):
            response = client.open(path, method=method, data={"csrf_token": token})
            assert response.status_code in (302, 401), (method, path, response.status_code)
            if response.status_code == 302:
                assert "/login" in response.headers["Location"], path


def test_every_admin_route_refuses_a_moderator(app, client):
    make_item(app)
    add_moderator(app)
    log_in(client)
    token = csrf_from(client.get("/review/").get_data(as_text=True))
    for method in ("GET", "POST"):
        for path in routes(app, ("/admin",), method):
            response = client.open(path, method=method, data={"csrf_token": token})
            assert response.status_code == 403, (method, path, response.status_code)
    assert client.get("/review/").status_code == 200


# A mail client's one-click unsubscribe (RFC 8058) POSTs without our form: the signed
# token in the URL is the credential instead.
ONE_CLICK = {"/unsubscribe/<token>"}


def test_the_one_click_unsubscribe_takes_only_a_signed_token(client):
    response = client.post("/unsubscribe/not-a-token", data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 404 and "does not work" in response.get_data(as_text=True)


def test_every_form_post_without_a_csrf_token_is_refused(app, client):
    make_item(app)
    add_moderator(app, "root", role="admin")
    log_in(client, "root")
    posts = [rule for rule in app.url_map.iter_rules()
             if "POST" in rule.methods and not rule.rule.startswith("/api/")
             and rule.rule not in ONE_CLICK]
    assert len(posts) >= 10
    for rule in posts:
        path = rule.build({n: SAMPLE_ARGS[n] for n in rule.arguments}, append_unknown=False)[1]
        response = client.post(path, data={"action": "approve", "username": "x"})
        assert response.status_code == 403, path
        assert "did not come from our page" in response.get_data(as_text=True), path


def test_every_html_form_that_posts_carries_a_csrf_token(app, client):
    item_id = make_item(app)
    pages = ["/login", "/submit/news", "/submit/deal", "/submit/column",
             "/submit/press_release"]
    add_moderator(app, "root", role="admin")
    log_in(client, "root")
    pages += [p for p in routes(app, ("/review", "/admin"), "GET") if "changes" not in p]
    pages += [f"/review/items/{item_id}"]
    forms = 0
    for path in pages:
        html = client.get(path).get_data(as_text=True)
        for form in re.findall(r"<form\b[^>]*>.*?</form>", html, re.S | re.I):
            if re.search(r'method="post"', form, re.I):
                forms += 1
                assert 'name="csrf_token"' in form, (path, form[:200])
    assert forms >= 15


def test_our_pages_send_the_security_headers_and_hsts_only_over_tls(client):
    page = client.get("/submit")
    csp = page.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "default-src 'self'" in csp
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in page.headers
    secure = client.get("/submit", environ_overrides={"wsgi.url_scheme": "https"})
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "unsafe-inline" not in client.get("/demo").headers["Content-Security-Policy"]
    api = client.get("/api/v1/sites/default/counts?thread=a")
    assert api.headers["X-Content-Type-Options"] == "nosniff"


def session_cookie(response) -> str:
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    return cookie


def test_session_cookie_is_httponly_lax_and_secure_over_tls(app, client):
    add_moderator(app)
    plain = session_cookie(client.get("/login"))
    assert "HttpOnly" in plain and "SameSite=Lax" in plain and "Secure" not in plain
    client = app.test_client()  # a new visitor, over https
    tls = client.get("/login", base_url="https://localhost")
    assert "Secure" in session_cookie(tls) and "HttpOnly" in session_cookie(tls)
    login = client.post("/login", base_url="https://localhost",  # CSRF over TLS wants a Referer
                        headers={"Referer": "https://localhost/login"},
                        data={"username": "mod", "password": "correct horse battery",
                              "csrf_token": csrf_from(tls.get_data(as_text=True))})
    assert login.status_code == 302 and "Secure" in session_cookie(login)


def test_secure_cookies_setting_and_a_trusted_proxy(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 's.sqlite3'}", SESSION_COOKIE_SECURE=True,
                   MODERATION_PROXY_HOPS=1)
    client = app.test_client()
    assert "Secure" in session_cookie(client.get("/login"))
    behind = client.get("/submit", headers={"X-Forwarded-Proto": "https",
                                            "X-Forwarded-For": "203.0.113.50"})
    assert "Strict-Transport-Security" in behind.headers
    item = client.post("/api/v1/sites/default/threads/p/comments", headers={
        "X-Forwarded-For": "203.0.113.50"}, json={
        "author_name": "Ada", "author_email": "ada@example.org", "body": "Behind a proxy."})
    with app.app_context():
        from moderation.store import Item
        stored = db.session.get(Item, item.get_json()["id"])
        assert (stored.ip, stored.ip_prefix) == ("203.0.113.50", "203.0.113.0/24")


SECRET_EMAIL = "hidden.reader@example.net"


def test_no_email_in_any_public_answer(app, client):
    from tests.functional.test_feeds import DEAL, NEWS, submit
    comment = post_comment(client, thread="open", author_email=SECRET_EMAIL)
    assert SECRET_EMAIL not in comment.get_data(as_text=True)
    token = comment.get_json()["status_token"]
    decide(app, comment.get_json()["id"])
    reply = post_comment(client, thread="open", author_email=SECRET_EMAIL,
                         parent_id=comment.get_json()["id"]).get_json()
    decide(app, reply["id"])
    for kind, fields in (("news", NEWS), ("deal", DEAL)):
        decide(app, submit(client, kind, {**fields, "author_email": SECRET_EMAIL}))
    thanks = client.post("/submit/column", data={
        "author_name": "Col", "author_email": SECRET_EMAIL, "title": "On trams",
        "body": "Trams are good.",
        "csrf_token": csrf_from(client.get("/submit/column").get_data(as_text=True))})
    answers = {
        "comments": client.get("/api/v1/sites/default/threads/open/comments"),
        "recent": client.get("/api/v1/sites/default/comments/recent"),
        "counts": client.get("/api/v1/sites/default/counts?thread=open"),
        "submissions": client.get("/api/v1/sites/default/submissions"),
        "atom": client.get("/feeds/default/submissions.atom"),
        "status api": client.get(f"/api/v1/status/{token}"),
        "status page": client.get(f"/status/{token}"),
        "thanks": client.get(thanks.headers["Location"]),
        "openapi": client.get("/api/v1/openapi.json"),
        "demo": client.get("/demo"),
    }
    comments = answers["comments"].get_json()
    assert comments["count"] == 2 and comments["comments"][0]["replies"]  # there is data
    assert len(answers["submissions"].get_json()["submissions"]) == 2
    assert "<entry>" in answers["atom"].get_data(as_text=True)
    for name, response in answers.items():
        assert response.status_code == 200, name
        text = response.get_data(as_text=True)
        assert "hidden.reader" not in text and "example.net" not in text, name
        assert "127.0.0.1" not in text or name == "openapi", name
    assert "hidden.reader" not in json.dumps(comments)
