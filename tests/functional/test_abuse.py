"""Intake rate limits per address and per email (memory storage): a post over a limit
gets 429 with Retry-After, names the limit, and stores nothing; others still get through."""
import hashlib

import pytest
from sqlalchemy import func, select

from moderation.extensions import db
from moderation.store import Item
from moderation.web.rate_limits import ConfigError, client_key, email_key
from tests.conftest import COMMENT, csrf_from, make_app

URL = "/api/v1/sites/default/threads/t1/comments"
NEWS = {"author_name": "Tipster", "author_email": "tip@example.org", "title": "Bridge closed",
        "body": "The old bridge is closed for repairs."}


@pytest.fixture
def limited(tmp_path, request):
    per_ip, per_email = request.param
    app = make_app(f"sqlite:///{tmp_path / 'limits.sqlite3'}", MODERATION_RATE_PER_IP=per_ip,
                   MODERATION_RATE_PER_EMAIL=per_email)
    yield app
    with app.app_context():
        db.engine.dispose()


def stored(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Item))


def post(client, ip="198.51.100.7", **fields):
    return client.post(URL, json={**COMMENT, **fields}, environ_overrides={"REMOTE_ADDR": ip})


@pytest.mark.parametrize("limited", [("3/minute", "off")], indirect=True)
def test_per_ip_limit_refuses_the_fourth_post_and_stores_nothing(limited):
    client = limited.test_client()
    for n in range(3):
        assert post(client, author_email=f"reader{n}@example.org").status_code == 202
    refused = post(client, author_email="fresh@example.org")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    error = refused.get_json()["error"]
    assert error["limit"] == "per_ip" and error["field"] is None
    assert "network address" in error["message"] and "try again in" in error["message"]
    assert stored(limited) == 3
    # Another address is counted on its own.
    assert post(client, ip="203.0.113.9", author_email="fresh@example.org").status_code == 202
    assert stored(limited) == 4


@pytest.mark.parametrize("limited", [("off", "2/minute")], indirect=True)
def test_per_email_limit_follows_the_reader_across_addresses_and_aliases(limited):
    client = limited.test_client()
    assert post(client, ip="198.51.100.1").status_code == 202
    assert post(client, ip="198.51.100.2").status_code == 202
    refused = post(client, ip="198.51.100.3", author_email="Ada+again@Example.ORG")
    assert refused.status_code == 429
    assert refused.get_json()["error"]["limit"] == "per_email"
    assert refused.get_json()["error"]["field"] == "author_email"
    assert int(refused.headers["Retry-After"]) >= 1
    assert stored(limited) == 2
    assert post(client, ip="198.51.100.3", author_email="bea@example.org").status_code == 202


@pytest.mark.parametrize("limited", [("2/minute", "off")], indirect=True)
def test_refused_cross_origin_answer_still_carries_cors_for_the_widget(limited):
    with limited.app_context():
        from moderation.store import Site
        db.session.scalar(select(Site)).allowed_origins = ["https://news.example"]
        db.session.commit()
    client = limited.test_client()
    headers = {"Origin": "https://news.example"}
    for _ in range(2):
        client.post(URL, json=COMMENT, headers=headers)
    refused = client.post(URL, json=COMMENT, headers=headers)
    assert refused.status_code == 429
    assert refused.headers["Access-Control-Allow-Origin"] == "https://news.example"
    assert "Retry-After" in refused.headers["Access-Control-Expose-Headers"]


@pytest.mark.parametrize("limited", [("off", "1/minute")], indirect=True)
def test_submission_form_over_the_limit_gets_an_html_429_and_stores_nothing(limited):
    client = limited.test_client()

    def send():
        page = client.get("/submit/news").get_data(as_text=True)
        return client.post("/submit/news", data={**NEWS, "csrf_token": csrf_from(page)})

    assert send().status_code == 303
    refused = send()
    assert refused.status_code == 429 and refused.mimetype == "text/html"
    assert "this email address" in refused.get_data(as_text=True)
    assert int(refused.headers["Retry-After"]) >= 1
    assert stored(limited) == 1
    assert client.get("/submit/news").status_code == 200  # reading the form is not counted


@pytest.mark.parametrize("limited", [("1/minute", "1/minute")], indirect=True)
def test_a_bad_post_counts_too_but_a_request_refused_for_its_size_does_not(limited):
    client = limited.test_client()
    too_big = client.post(URL, data=b"x" * 300_000, content_type="application/json",
                          environ_overrides={"REMOTE_ADDR": "198.51.100.5"})
    assert too_big.status_code == 413
    assert post(client, ip="198.51.100.5", body="").status_code == 422
    assert post(client, ip="198.51.100.5").status_code == 429
    assert stored(limited) == 0


def test_limits_are_off_when_configured_so_and_bad_ones_are_named(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'off.sqlite3'}")  # tests' default: off
    client = app.test_client()
    assert all(post(client).status_code == 202 for _ in range(12))
    with pytest.raises(ConfigError, match="MODERATION_RATE_PER_IP"):
        make_app(f"sqlite:///{tmp_path / 'bad.sqlite3'}", MODERATION_RATE_PER_IP="lots")


def test_an_unreachable_storage_lets_posts_through(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'down.sqlite3'}", MODERATION_RATE_PER_IP="1/minute",
                   RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    client = app.test_client()
    assert [post(client).status_code for _ in range(3)] == [202, 202, 202]
    assert stored(app) == 3


def test_keys_group_ipv6_by_64_and_fold_email_aliases():
    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:bbbb::9") \
        == "2001:db8:1:2::/64"
    assert client_key("192.0.2.1") != client_key("192.0.2.2")
    assert email_key(" Ada+news@Example.org", "k") == email_key("ada@example.org", "k")
    assert "example" not in email_key("ada@example.org", "k")  # no address in the storage
    # Keyed: without the secret, a list of addresses cannot be matched against the keys.
    assert email_key("ada@example.org", "k") != email_key("ada@example.org", "other")
    assert email_key("ada@example.org", "k") != hashlib.sha256(b"ada@example.org").hexdigest()[:32]


@pytest.mark.parametrize("limited", [("1/minute", "off")], indirect=True)
def test_ipv4_mapped_ipv6_clients_are_each_their_own_ipv4_client(limited):
    """An IPv6 socket shows IPv4 readers as ::ffff:a.b.c.d: each must keep its own
    bucket, and its own network for the flood and history checks."""
    client = limited.test_client()
    assert post(client, ip="::ffff:198.51.100.7", author_email="a@example.org").status_code == 202
    assert post(client, ip="::ffff:203.0.113.9", author_email="b@example.org").status_code == 202
    assert post(client, ip="::ffff:198.51.100.7", author_email="c@example.org").status_code == 429
    assert post(client, ip="198.51.100.7", author_email="d@example.org").status_code == 429
    with limited.app_context():
        rows = db.session.execute(select(Item.ip, Item.ip_prefix).order_by(Item.id)).all()
    assert [tuple(r) for r in rows] == [("198.51.100.7", "198.51.100.0/24"),
                                        ("203.0.113.9", "203.0.113.0/24")]
