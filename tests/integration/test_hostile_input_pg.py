"""The hostile-input table of tests/hostile_inputs.py against PostgreSQL, which refuses a
NUL in text and a lone surrogate outright where SQLite stores them: each row still gets
its exact 4xx and stores nothing, and what a bot puts in headers or the honeypot (kept
as evidence, not refused) never turns into a 500."""
import pytest
from sqlalchemy import select

from moderation.extensions import db
from moderation.store import Item
from tests.hostile_inputs import (
    COMMENTS,
    NEWS,
    ROWS,
    SUBMIT_NEWS,
    Hostile,
    as_form,
    as_json,
    assert_refused,
    send,
    stored,
)


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_hostile_input_is_refused_and_stores_nothing(pg_app, row):
    before = stored(pg_app)
    assert_refused(send(pg_app.test_client(), row), row)
    assert stored(pg_app) == before


@pytest.mark.parametrize("path", ["/api/v1/sites/default%00/counts?thread=a",
                                  "/api/v1/sites/default/counts?thread=a%00",
                                  "/api/v1/sites/default/threads/t%00/comments",
                                  "/api/v1/status/x%00", "/review/?q=%00"])
def test_nul_in_a_url_is_a_400_not_a_database_error(pg_app, path):
    response = pg_app.test_client().get(path)
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)


def test_nul_in_headers_and_the_form_honeypot_is_kept_without_it(pg_app):
    """Context is evidence: stored as sent, less the NUL PostgreSQL cannot hold."""
    client = pg_app.test_client()
    response = client.post(COMMENTS, data=as_json(), content_type="application/json",
                           headers={"User-Agent": "bot\x00/1.0", "Referer": "http://x/\x00"})
    assert response.status_code == 202, response.get_json()
    form = Hostile("honeypot", 303, None, "", as_form(NEWS, website=b"spam%00"),
                   "application/x-www-form-urlencoded", SUBMIT_NEWS, form_page=True)
    assert send(client, form).status_code == 303
    with pg_app.app_context():
        comment = db.session.get(Item, response.get_json()["id"])
        assert comment.user_agent == "bot\ufffd/1.0" and comment.referrer == "http://x/\ufffd"
        news = db.session.scalars(select(Item).where(Item.kind == "news")
                                  .order_by(Item.id.desc())).first()
        assert news.honeypot == "spam\ufffd"
        db.session.remove()
