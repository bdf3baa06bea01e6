"""Toxicity through the product: the worker scores every item and keeps the words,
without moving the spam score; a site's hold threshold keeps toxic items from
auto-approval; the item page highlights the words; the queue filters and sorts by
toxicity; admins set the policy and roll model versions back; moderators' decisions
become training examples and a new version."""
from sqlalchemy import select

from moderation.community import standing
from moderation.extensions import db
from moderation.spam import scorer
from moderation.spam.signals import Signal
from moderation.store import Item, Moderator, Site, ToxicityExample, ToxicityModel
from moderation.toxicity import learning
from tests.conftest import (
    add_moderator,
    csrf_from,
    decide,
    log_in,
    make_item,
    post_comment,
    set_policy,
)

TOXIC = "You are an idiot and a moron, and everyone knows it."
CIVIL = "A thoughtful remark about the tram line and its timetable."


def stored(app, item_id):
    with app.app_context():
        item = db.session.get(Item, item_id)
        item.notes = [d.note for d in item.decisions]
        db.session.expunge(item)
        return item


def trust_network(app, network):
    """A moderator's "trusted" standing for the test client's network: auto-approved."""
    add_moderator(app, "trusting")
    with app.app_context():
        moderator = db.session.scalar(select(Moderator).where(Moderator.username == "trusting"))
        standing.set_standing(db.session, moderator, kind="trusted", network=network)
        db.session.commit()


def posted(client, body, **fields):
    response = post_comment(client, body=body, nudged="1", **fields)  # no nudge here
    assert response.status_code == 202, response.get_json()
    return response.get_json()["id"]


def test_every_item_gets_a_toxicity_score_words_and_a_zero_weight_signal(app, client):
    toxic, civil = posted(client, TOXIC), posted(client, CIVIL)
    item = stored(app, toxic)
    assert item.toxicity >= 0.75 and item.status == "pending"
    assert {item.body_raw[s:e] for s, e in item.toxic_spans} >= {"idiot", "moron"}
    [signal] = [s for s in item.signals if s["name"] == "toxicity"]
    assert signal["weight"] == 0 and "idiot" in signal["detail"]
    assert "likely reject" in signal["detail"]
    # Incivility is not spam: the spam score is what the other signals make it.
    others = [Signal(**s) for s in item.signals if s["name"] != "toxicity"]
    assert item.score == scorer.combine(others)
    calm = stored(app, civil)
    assert calm.toxicity < 0.3 and calm.toxic_spans == []


def test_a_toxic_item_is_held_even_where_auto_approve_would_publish_it(app, client):
    set_policy(app, auto_approve=True, auto_approve_below=0.9)
    trust_network(app, stored(app, posted(client, CIVIL)).ip_prefix)
    assert stored(app, posted(client, CIVIL + " Again.")).status == "approved"
    held = stored(app, posted(client, TOXIC))
    assert held.status == "pending"
    assert "held: toxicity" in held.notes[-1]
    set_policy(app, toxicity_hold_above=1.0)  # a site that holds nothing for toxicity
    assert stored(app, posted(client, TOXIC + " Twice.")).status == "approved"


def test_the_item_page_marks_the_words_and_escapes_the_text(app, client):
    add_moderator(app)
    item_id = posted(client, "<b>Hey</b> you idiot & co")
    log_in(client)
    page = client.get(f"/review/items/{item_id}").get_data(as_text=True)
    assert '&lt;b&gt;Hey&lt;/b&gt; you <mark>idiot</mark> &amp; co</pre>' in page
    assert 'class="likely-reject"' in page and "Toxicity: 0." in page


def test_the_queue_filters_and_sorts_by_toxicity(app, client):
    add_moderator(app)
    low, high, middle = (make_item(app, body=b) for b in ("low", "high", "middle"))
    unscored = make_item(app, body="processed before the detector")
    with app.app_context():
        for item_id, value in ((low, 0.1), (high, 0.9), (middle, 0.5)):
            db.session.get(Item, item_id).toxicity = value
        db.session.commit()
    log_in(client)
    page = client.get("/review/?sort=toxicity").get_data(as_text=True)
    order = [page.index(f'data-id="{i}"') for i in (high, middle, low, unscored)]
    assert order == sorted(order)  # most toxic first, unscored last
    assert page.count('<span class="likely-reject">') == 1  # only 0.9 reaches 0.75
    page = client.get("/review/?min_toxicity=0.4&max_toxicity=0.6").get_data(as_text=True)
    assert f'data-id="{middle}"' in page and f'data-id="{high}"' not in page
    assert client.get("/review/?min_toxicity=2").status_code == 400


def test_admin_sets_the_toxicity_policy_and_sees_nudges(app, client):
    add_moderator(app, "boss", role="admin")
    log_in(client, "boss")
    page = client.get("/admin/policy").get_data(as_text=True)
    assert 'name="toxicity_hold_above"' in page and "No reader was nudged" in page
    form = {"csrf_token": csrf_from(page), "spam_threshold": "0.7", "auto_approve_below": "0.2",
            "toxicity_hold_above": "0.4", "toxicity_likely_reject_above": "0.8",
            "toxicity_nudge_above": "0.9"}
    assert client.post("/admin/policy/default", data=form).status_code == 303
    with app.app_context():
        policy = db.session.scalar(select(Site)).policy
    assert (policy["toxicity_hold_above"], policy["toxicity_likely_reject_above"],
            policy["toxicity_nudge_above"], policy["toxicity_nudge"]) == (0.4, 0.8, 0.9, False)
    client.post("/admin/policy/default", data={**form, "toxicity_hold_above": "1.5"})
    with app.app_context():
        assert db.session.scalar(select(Site)).policy["toxicity_hold_above"] == 0.4


def test_decisions_teach_a_new_version_and_an_admin_rolls_it_back(app, client, runner):
    abusive, held, ordinary = posted(client, TOXIC), posted(client, "You idiot, that is wrong."), \
        posted(client, CIVIL)
    decide(app, abusive, "reject")  # reason "other": says nothing about toxicity
    with app.app_context():
        assert db.session.scalars(select(ToxicityExample)).all() == []
    abusive = posted(client, TOXIC + " Really.")
    with app.app_context():
        from moderation import review
        from moderation.store import Moderator
        moderator = Moderator(username="m", password_hash="x", role="moderator")
        db.session.add(moderator)
        db.session.flush()
        review.decide(db.session, abusive, "reject", moderator, reason="abuse")
        db.session.commit()
    decide(app, held, "approve")  # held by the detector, published by a person
    decide(app, ordinary, "approve")  # an ordinary approval teaches nothing
    with app.app_context():
        examples = {e.item_id: e.is_toxic for e in db.session.scalars(select(ToxicityExample))}
    assert examples == {abusive: True, held: False}

    assert "toxicity v1 is active" not in runner.invoke(args=["toxicity-model", "list"]).output
    assert runner.invoke(args=["toxicity-model", "train"]).output.startswith("v2 is active")
    with app.app_context():
        assert learning.waiting_examples(db.session) == 0
        assert [(v.id, v.is_active, v.examples) for v in learning.versions(db.session)] == \
            [(2, True, 2), (1, False, 0)]
    add_moderator(app, "boss", role="admin")
    log_in(client, "boss")
    page = client.get("/admin/models").get_data(as_text=True)
    assert "Toxicity model versions" in page and "Activate toxicity v1" in page
    token = {"csrf_token": csrf_from(page)}
    response = client.post("/admin/models/toxicity/1/activate", data=token)
    assert response.status_code == 303
    with app.app_context():
        assert learning.active(db.session).id == 1
    assert client.post("/admin/models/toxicity/9/activate", data=token).status_code == 404


def test_init_db_stores_the_default_toxicity_model_once(tmp_path):
    from tests.conftest import make_app
    app = make_app(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    with app.app_context():
        db.drop_all()
    first = app.test_cli_runner().invoke(args=["init-db"])
    assert "toxicity model v1 trained from the shipped data" in first.output, first.output
    second = app.test_cli_runner().invoke(args=["init-db"])
    assert second.exit_code == 0 and "toxicity model" not in second.output
    with app.app_context():
        rows = db.session.scalars(select(ToxicityModel)).all()
        assert [(r.id, r.is_active) for r in rows] == [(1, True)]
