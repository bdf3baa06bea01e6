"""The spam policy and model-version admin pages, the spam-model CLI, and cluster links
on the item page."""
from sqlalchemy import select

from moderation.extensions import db
from moderation.spam import learning
from moderation.spam.classifier import Classifier
from moderation.store import Item, Site, SpamModel
from tests.conftest import add_moderator, csrf_from, log_in, make_item


def admin(app, client):
    add_moderator(app, "boss", role="admin")
    log_in(client, "boss")


def test_admin_edits_a_sites_word_lists_and_threshold(app, client):
    admin(app, client)
    page = client.get("/admin/policy").get_data(as_text=True)
    response = client.post("/admin/policy/default", data={
        "csrf_token": csrf_from(page), "blocked_words": "Casino*\nfree  money\n",
        "suspect_words": "", "blocked_domains": "pills.example", "spam_threshold": "0.8",
        "auto_approve": "1", "auto_approve_below": "0.1"})
    assert response.status_code == 303
    with app.app_context():
        policy = db.session.scalar(select(Site)).policy
    assert policy["blocked_words"] == ["casino*", "free  money"]
    assert policy["blocked_domains"] == ["pills.example"] and "suspect_words" not in policy
    assert policy["spam_threshold"] == 0.8 and policy["auto_approve"] is True


def test_a_bad_threshold_is_refused(app, client):
    admin(app, client)
    page = client.get("/admin/policy").get_data(as_text=True)
    client.post("/admin/policy/default", data={"csrf_token": csrf_from(page), "spam_threshold": "7"})
    with app.app_context():
        assert "spam_threshold" not in (db.session.scalar(select(Site)).policy or {})


def test_moderators_cannot_open_the_policy(app, client):
    add_moderator(app, "mod")
    log_in(client, "mod")
    assert client.get("/admin/policy").status_code == 403
    assert client.get("/admin/models").status_code == 403


def stored_versions(app):
    model = Classifier.train(["buy pills now http://x.example", "nice song"], [True, False])
    with app.app_context():
        rows = [SpamModel(data=model.dumps(), threshold=0.5, note=f"v{n}") for n in (1, 2)]
        db.session.add_all(rows)
        db.session.flush()
        learning.activate(db.session, rows[1].id)
        db.session.commit()
        return [r.id for r in rows]


def test_admin_rolls_back_to_an_earlier_version(app, client):
    first, second = stored_versions(app)
    admin(app, client)
    page = client.get("/admin/models").get_data(as_text=True)
    assert f"Activate v{first}" in page and f"Activate v{second}" not in page
    client.post(f"/admin/models/{first}/activate", data={"csrf_token": csrf_from(page)})
    with app.app_context():
        assert learning.active(db.session).id == first


def test_cli_lists_and_activates_versions(app, runner):
    first, second = stored_versions(app)
    listed = runner.invoke(args=["spam-model", "list"]).output
    assert f"* v{second}" in listed and f"  v{first}" in listed
    assert runner.invoke(args=["spam-model", "activate", str(first)]).exit_code == 0
    assert runner.invoke(args=["spam-model", "activate", "999"]).exit_code != 0
    assert "no example waiting" in runner.invoke(args=["spam-model", "train"]).output
    with app.app_context():
        assert learning.active(db.session).id == first


def test_item_links_filter_links_ids_and_escapes(app):
    from moderation.web.policy_admin import item_links
    with app.test_request_context():
        html = str(item_links("same text as item #12, #7 <b>"))
    assert '<a href="/review/items/12">#12</a>' in html and "&lt;b&gt;" in html


def test_retrain_now_hands_the_waiting_decisions_to_a_worker(app, client):
    stored_versions(app)
    item_id = make_item(app, body="Cheap pills at pills.example, buy now")
    with app.app_context():
        learning.example(db.session, db.session.get(Item, item_id), True, "mod")
        db.session.commit()
    admin(app, client)
    page = client.get("/admin/models").get_data(as_text=True)
    response = client.post("/admin/models/retrain", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 303
    assert "Retraining" in client.get("/admin/models").get_data(as_text=True)
    with app.app_context():  # the tests' Celery runs tasks in process, at once
        assert learning.waiting_examples(db.session) == 0
        assert learning.active(db.session).examples == 1


def test_admin_sets_the_community_policy_and_bad_values_are_named(app, client):
    admin(app, client)
    page = client.get("/admin/policy").get_data(as_text=True)
    assert 'name="report_threshold"' in page and 'name="trusted_after" type="number" step="1" min="1" max="1000" value="3"' in page
    form = {"csrf_token": csrf_from(page), "report_threshold": "2.5", "hide_reported": "1",
            "close_after_days": "14", "trusted_after": "5"}
    assert client.post("/admin/policy/default", data=form).status_code == 303
    with app.app_context():
        policy = db.session.scalar(select(Site)).policy
    assert (policy["report_threshold"], policy["hide_reported"], policy["close_after_days"],
            policy["trusted_after"]) == (2.5, True, 14, 5)
    refused = client.post("/admin/policy/default", data={**form, "trusted_after": "0"},
                          follow_redirects=True).get_data(as_text=True)
    assert "Not saved: trusted after must be a number from 1 to 1000" in refused
    with app.app_context():
        assert db.session.scalar(select(Site)).policy["trusted_after"] == 5
