"""Every hostile input of tests/hostile_inputs.py gets its exact 4xx, an error naming the
problem, and stores nothing (SQLite; the PostgreSQL run is in tests/integration)."""
import re
from pathlib import Path

import pytest

from moderation import intake
from moderation.extensions import db
from moderation.web import openapi
from tests.conftest import make_app
from tests.hostile_inputs import COMMENTS, ROWS, as_json, assert_refused, send, stored


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_hostile_input_is_refused_and_stores_nothing(app, client, row):
    before = stored(app)
    assert_refused(send(client, row), row)
    assert stored(app) == before


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    """Intake limits on (generous ones): they read the body before the view does."""
    app = make_app(f"sqlite:///{tmp_path_factory.mktemp('limited') / 'l.sqlite3'}",
                   MODERATION_RATE_PER_IP="10000/minute", MODERATION_RATE_PER_EMAIL="10000/minute")
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_hostile_input_with_rate_limits_on(limited, row):
    before = stored(limited)
    assert_refused(send(limited.test_client(), row), row)
    assert stored(limited) == before


def test_the_table_is_not_refusing_everything(app, client):
    """The same request without the hostile part is taken, so each row's refusal is its own."""
    response = client.post(COMMENTS, data=as_json(), content_type="application/json")
    assert response.status_code == 202, response.get_json()
    assert stored(app) == (1, 1)


def test_the_fields_taken_are_the_documented_ones_and_all_the_widget_sends(client):
    """Unknown fields are refused, so the document, the intake and embed.js must agree."""
    schema = openapi.document("http://localhost")["components"]["schemas"]["NewComment"]
    assert set(schema["properties"]) == set(intake.COMMENT_FIELDS)
    assert schema["additionalProperties"] is False
    script = (Path(intake.__file__).parent / "static" / "embed.js").read_text()
    payload = re.search(r"const payload = \{(.*?)\};", script, re.S).group(1)
    sent = set(re.findall(r"^\s*(\w+):", payload, re.M)) | set(
        re.findall(r"payload\.(\w+) = ", script))
    honeypot = client.get("/api/v1/sites/default/form-token").get_json()["honeypot"]
    assert "author_name" in sent and "parent_id" in sent
    assert sent | {honeypot} <= set(intake.COMMENT_FIELDS)


def test_what_the_widget_sends_is_taken(app, client):
    token = client.get("/api/v1/sites/default/form-token").get_json()["token"]
    widget = as_json(thread_url="http://localhost/news/t1", thread_title="Trams",
                     form_token=token, website="")
    response = client.post(COMMENTS, data=widget, content_type="application/json",
                           headers={"Origin": "http://localhost"})
    assert response.status_code == 202, response.get_json()
    assert stored(app) == (1, 1)
