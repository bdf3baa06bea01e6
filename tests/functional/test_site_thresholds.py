"""/admin/models: each site's spam threshold with the precision, recall and ham false-
positive rate it gives on the site's own latest verdicts; an admin changes it there
(CSRF, validated, audited), and the worker routes the next items by it."""
import re

from sqlalchemy import select

from moderation.extensions import db
from moderation.spam import thresholds
from moderation.store import AuditEvent, Item, Site
from tests.conftest import (
    add_moderator,
    csrf_from,
    decide,
    log_in,
    make_item,
    post_comment,
    set_policy,
)


def admin(app, client):
    add_moderator(app, "boss", role="admin")
    log_in(client, "boss")


def judged_traffic(app):
    """Four spam verdicts (scores 0.9, 0.8, 0.75, 0.4), three not-spam (0.1, 0.2, and
    0.72 taken out of the spam queue, then approved), and a rejection for abuse at 0.95
    that says nothing about spam."""
    for score in (0.9, 0.8, 0.75, 0.4):
        decide(app, make_item(app, score=score, body=f"spam {score}"), "spam")
    for score in (0.1, 0.2):
        decide(app, make_item(app, score=score, body=f"ham {score}"), "approve")
    decide(app, make_item(app, status="spam", score=0.72, body="ham 0.72"), "approve")
    decide(app, make_item(app, score=0.95, body="rude"), "reject", reason="abuse")
    make_item(app, site="other", score=0.9)  # a site nobody judged yet


def stored(app, answer):
    with app.app_context():
        item = db.session.get(Item, answer.get_json()["id"])
        db.session.expunge(item)
        return item


def row_of(page, site):
    return re.search(rf'<tr data-site="{site}">(.*?)</form></td></tr>', page, re.S).group(1)


def test_the_page_shows_each_sites_threshold_measured_on_its_verdicts(app, client):
    judged_traffic(app)
    admin(app, client)
    page = client.get("/admin/models").get_data(as_text=True)
    default = row_of(page, "default")
    assert "0.7 <span class=\"muted\">(default)</span>" in default
    assert "4 spam, 3 not spam" in default
    figures = re.findall(r"<tr(?: class=\"active\")?><td>([\d.]+)</td>\s*<td>(.*?)</td><td>(.*?)</td><td>(.*?)</td>",
                         default)
    assert ("0.7", "75%", "75%", "33%") in figures  # 3 of 4 flagged were spam; 1 of 3 ham
    assert ("0.8", "100%", "50%", "0%") in figures
    other = row_of(page, "other")
    assert "0 spam, 0 not spam" in other and "–" in other


def test_the_window_takes_each_sites_latest_verdicts_once_per_item(app):
    judged_traffic(app)
    with app.app_context():
        site = db.session.scalar(select(Site).where(Site.key == "default"))
        assert sorted(thresholds.verdicts(db.session, site.id, 2)) == [(0.2, False), (0.72, False)]
        assert len(thresholds.verdicts(db.session, site.id, 500)) == 7


def test_an_admin_changes_a_sites_threshold_and_the_worker_routes_by_it(app, client):
    set_policy(app, blocked_words=["miracle cure"])
    first = stored(app, post_comment(client, body="This miracle cure fixed my back."))
    assert first.status == "spam" and 0.7 <= first.score < 0.97
    admin(app, client)
    page = client.get("/admin/models").get_data(as_text=True)
    answer = client.post("/admin/models/sites/default/threshold",
                         data={"csrf_token": csrf_from(page), "spam_threshold": "0.97"})
    assert answer.status_code == 303
    assert "The spam threshold of default is now 0.97" in client.get(
        answer.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Site).where(Site.key == "default")).policy["spam_threshold"] == 0.97
        [event] = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "spam_threshold_changed")).all()
        assert (event.actor, event.detail) == ("boss", "default: 0.7 → 0.97")
    again = stored(app, post_comment(client, body="This miracle cure fixed my knee too."))
    assert again.status == "pending" and again.score < 0.97


def test_a_bad_threshold_is_refused_with_a_clear_error_and_nothing_changes(app, client):
    admin(app, client)
    token = csrf_from(client.get("/admin/models").get_data(as_text=True))
    for raw, words in (("1.5", "between 0 and 1"), ("0", "between 0 and 1"),
                       ("nan", "between 0 and 1"), ("abc", "must be a number"),
                       ("", "must be a number")):
        refused = client.post("/admin/models/sites/default/threshold",
                              data={"csrf_token": token, "spam_threshold": raw})
        assert refused.status_code == 422, raw
        assert words in refused.get_data(as_text=True), raw
    assert client.post("/admin/models/sites/default/threshold",
                       data={"spam_threshold": "0.8"}).status_code == 403  # no CSRF token
    assert client.post("/admin/models/sites/nope/threshold",
                       data={"csrf_token": token, "spam_threshold": "0.8"}).status_code == 404
    with app.app_context():
        assert "spam_threshold" not in (db.session.scalar(select(Site)).policy or {})
        assert db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "spam_threshold_changed")) is None


def test_moderators_cannot_change_a_threshold(app, client):
    add_moderator(app, "mod")
    log_in(client, "mod")
    token = csrf_from(client.get("/review/").get_data(as_text=True))
    assert client.post("/admin/models/sites/default/threshold",
                       data={"csrf_token": token, "spam_threshold": "0.9"}).status_code == 403
