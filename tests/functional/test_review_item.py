"""The item page and moderators' actions: claims, bulk decisions, messages to the
submitter, edits before approval, notes, context, and the queue's live updates."""
from datetime import timedelta

from sqlalchemy import select

from moderation.extensions import db
from moderation.store import Item, ItemEdit, utcnow
from tests.conftest import add_moderator, csrf_from, log_in, make_item, post_comment


def two_moderators(app):
    add_moderator(app, "alice")
    add_moderator(app, "bob")
    alice, bob = app.test_client(), app.test_client()
    log_in(alice, "alice")
    log_in(bob, "bob")
    return alice, bob


def version_of(app, item_id):
    with app.app_context():
        return db.session.get(Item, item_id).version


def status_of(app, item_id):
    with app.app_context():
        return db.session.get(Item, item_id).status


def test_opening_claims_and_others_see_who_holds_it(app):
    alice, bob = two_moderators(app)
    item_id = make_item(app)
    assert "You hold this item" in alice.get(f"/review/items/{item_id}").get_data(as_text=True)
    page = bob.get(f"/review/items/{item_id}").get_data(as_text=True)
    assert "alice has this item open" in page
    queue = bob.get("/review/").get_data(as_text=True)
    assert "open by alice" in queue
    with app.app_context():  # the claim runs out by itself
        db.session.get(Item, item_id).claimed_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert "You hold this item" in bob.get(f"/review/items/{item_id}").get_data(as_text=True)
    assert "bob has this item open" in alice.get(f"/review/items/{item_id}").get_data(as_text=True)


def test_a_second_decision_on_the_same_version_is_refused_not_applied(app):
    alice, bob = two_moderators(app)
    item_id = make_item(app)
    version = version_of(app, item_id)
    token_a = csrf_from(alice.get(f"/review/items/{item_id}").get_data(as_text=True))
    token_b = csrf_from(bob.get(f"/review/items/{item_id}").get_data(as_text=True))
    first = alice.post(f"/review/items/{item_id}/decide", data={
        "action": "approve", "version": version, "csrf_token": token_a})
    assert first.status_code == 303
    second = bob.post(f"/review/items/{item_id}/decide", data={
        "action": "spam", "version": version, "csrf_token": token_b})
    assert second.status_code == 409
    assert "changed since you opened it (now approved)" in second.get_data(as_text=True)
    with app.app_context():
        item = db.session.get(Item, item_id)
        assert item.status == "approved" and len(item.decisions) == 2  # received->pending, approve


def test_bulk_decide_applies_each_item_and_reports_stale_ones(app):
    alice, bob = two_moderators(app)
    fresh, contested = make_item(app), make_item(app)
    token = csrf_from(alice.get("/review/").get_data(as_text=True))
    v_fresh, v_contested = version_of(app, fresh), version_of(app, contested)
    bob_token = csrf_from(bob.get("/review/").get_data(as_text=True))
    bob.post("/review/decide", data={"action": "approve", "items": f"{contested}:{v_contested}",
                                     "csrf_token": bob_token})
    answer = alice.post("/review/decide", data={
        "action": "reject", "reason": "abuse", "items": f"{fresh}:{v_fresh},{contested}:{v_contested}",
        "csrf_token": token}).get_json()
    assert answer["results"][0] == {"id": fresh, "ok": True, "status": "rejected",
                                    "version": v_fresh + 1}
    assert answer["results"][1]["ok"] is False
    assert "changed since you opened it (now approved)" in answer["results"][1]["error"]
    assert status_of(app, fresh) == "rejected" and status_of(app, contested) == "approved"


def test_bulk_decide_refuses_bad_input_and_changes_nothing(client, app):
    add_moderator(app)
    item_id = make_item(app)
    log_in(client)
    token = csrf_from(client.get("/review/").get_data(as_text=True))
    for data, words in (({"action": "approve", "items": ""}, "id:version pairs"),
                        ({"action": "approve", "items": "1;2"}, "id:version pairs"),
                        ({"action": "publish", "items": f"{item_id}:2"}, "unknown action")):
        response = client.post("/review/decide", data={**data, "csrf_token": token})
        assert response.status_code == 422 and words in response.get_json()["error"]
    assert status_of(app, item_id) == "pending"
    response = client.post("/review/decide", data={"action": "approve", "items": f"{item_id}:2"})
    assert response.status_code == 403  # no CSRF token
    assert status_of(app, item_id) == "pending"


def test_rejection_message_reaches_the_submitter_but_the_note_does_not(client, app):
    add_moderator(app)
    posted = post_comment(client).get_json()
    log_in(client)
    page = client.get(f"/review/items/{posted['id']}").get_data(as_text=True)
    client.post(f"/review/items/{posted['id']}/decide", data={
        "action": "reject", "reason": "off_topic", "version": version_of(app, posted["id"]),
        "message": "Please send this to the letters desk instead.",
        "note": "Regular off-topic poster", "csrf_token": csrf_from(page)})
    status = client.get(f"/status/{posted['status_token']}").get_data(as_text=True)
    assert "not published" in status and "off topic" in status
    assert "Please send this to the letters desk instead." in status
    assert "Regular off-topic poster" not in status
    item_page = client.get(f"/review/items/{posted['id']}").get_data(as_text=True)
    assert "Regular off-topic poster" in item_page
    assert "told the submitter:</span> Please send this to the letters desk" in item_page


def test_edit_before_approval_keeps_the_original_and_records_who(client, app):
    add_moderator(app)
    item_id = make_item(app, kind="news", title="Cuncil votes", body="The cuncil voted <script>x</script>")
    log_in(client)
    page = client.get(f"/review/items/{item_id}").get_data(as_text=True)
    response = client.post(f"/review/items/{item_id}/edit", data={
        "title": "Council votes", "body": "The council voted <b>yes</b> <script>x</script>",
        "version": version_of(app, item_id), "csrf_token": csrf_from(page)},
        follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "Edit saved" in text and "<h2 class=\"item-title\">Council votes</h2>" in text
    with app.app_context():
        item = db.session.get(Item, item_id)
        assert item.body_raw == "The cuncil voted <script>x</script>"
        assert "<b>yes</b>" in item.body_html and "<script>" not in item.body_html
        edit = db.session.scalar(select(ItemEdit).where(ItemEdit.item_id == item_id))
        assert (edit.actor, edit.title_before, edit.title_after) == ("mod", "Cuncil votes", "Council votes")
        assert edit.body_before == "The cuncil voted <script>x</script>"


def test_bad_or_late_edits_are_refused_and_store_nothing(client, app):
    add_moderator(app)
    comment = make_item(app)
    approved = make_item(app, status="approved")
    log_in(client)
    token = csrf_from(client.get(f"/review/items/{comment}").get_data(as_text=True))
    version = version_of(app, comment)
    cases = ((comment, {"title": "A title", "body": "x", "version": version}, 422, "comments have no title"),
             (comment, {"body": "   ", "version": version}, 422, "body must not be empty"),
             (comment, {"body": "y" * 5001, "version": version}, 422, "body is too long"),
             (comment, {"body": "new text", "version": version - 1}, 409, "changed since you opened it"),
             (approved, {"body": "new text", "version": version_of(app, approved)}, 409,
              "only pending or spam items can be edited"))
    for item_id, data, status, words in cases:
        response = client.post(f"/review/items/{item_id}/edit", data={**data, "csrf_token": token})
        assert response.status_code == status and words in response.get_data(as_text=True), words
    with app.app_context():
        assert db.session.scalars(select(ItemEdit)).all() == []
        assert db.session.get(Item, comment).body_html == "<p>A thoughtful remark.</p>"


def test_a_decision_taken_on_text_edited_since_is_refused(app):
    alice, bob = two_moderators(app)
    item_id = make_item(app)
    version = version_of(app, item_id)
    token_a = csrf_from(alice.get(f"/review/items/{item_id}").get_data(as_text=True))
    token_b = csrf_from(bob.get(f"/review/items/{item_id}").get_data(as_text=True))
    alice.post(f"/review/items/{item_id}/edit", data={"body": "Rewritten", "version": version,
                                                      "csrf_token": token_a})
    response = bob.post(f"/review/items/{item_id}/decide", data={
        "action": "approve", "version": version, "csrf_token": token_b})
    assert response.status_code == 409 and status_of(app, item_id) == "pending"


def test_notes_stay_with_the_item(client, app):
    add_moderator(app)
    item_id = make_item(app)
    log_in(client)
    token = csrf_from(client.get(f"/review/items/{item_id}").get_data(as_text=True))
    page = client.post(f"/review/items/{item_id}/notes", data={
        "note": "Checked with the news desk", "csrf_token": token}, follow_redirects=True)
    assert "mod:</span> Checked with the news desk" in page.get_data(as_text=True)
    empty = client.post(f"/review/items/{item_id}/notes", data={"note": " ", "csrf_token": token})
    assert empty.status_code == 422 and "the note is empty" in empty.get_data(as_text=True)


def test_item_page_shows_thread_and_author_history(client, app):
    add_moderator(app)
    before = make_item(app, thread="a1", body="First in the thread", author_email="zed@example.org")
    item_id = make_item(app, thread="a1", body="The one under review")
    after = make_item(app, thread="a1", body="Later in the thread", author_email="zed@example.org")
    reply = make_item(app, thread="a1", body="A reply to it", parent_id=item_id,
                      author_email="zed@example.org")
    make_item(app, status="rejected", body="An earlier rant", ip_prefix="198.51.100.0/24")
    make_item(app, status="approved", body="An earlier good one", ip_prefix="198.51.100.0/24")
    log_in(client)
    page = client.get(f"/review/items/{item_id}").get_data(as_text=True)
    thread = page[page.index("Thread: Article a1"):page.index("Why this score")]
    assert thread.index("First in the thread") < thread.index("This item") < thread.index("Later in the thread")
    assert "A reply to it" in thread and f"#{before}" in thread and f"#{after}" in thread
    history = page[page.index("Same email: ada@example.org"):page.index("Same network")]
    assert "approved 1" in history and "rejected 1" in history and "An earlier rant" in history
    network = page[page.index("Same network: 192.0.2.0/24"):page.index("<h3>Decisions")]
    assert "pending 3" in network and "A reply to it" in network  # zed shares the network
    assert f"#{reply}" in network


def test_changes_report_other_moderators_decisions_and_counts(app):
    alice, bob = two_moderators(app)
    item_id = make_item(app)
    page = alice.get("/review/").get_data(as_text=True)
    since = int(page.split('data-since="')[1].split('"')[0])
    token = csrf_from(bob.get("/review/").get_data(as_text=True))
    bob.post("/review/decide", data={"action": "spam", "items": f"{item_id}:{version_of(app, item_id)}",
                                     "csrf_token": token})
    changes = alice.get(f"/review/changes?since={since}&ids={item_id}").get_json()
    assert changes["counts"]["pending"] == 0 and changes["counts"]["spam"] == 1
    assert [(d["id"], d["status"], d["by"]) for d in changes["decided"]] == [(item_id, "spam", "bob")]
    assert changes["last"] > since
    again = alice.get(f"/review/changes?since={changes['last']}&ids={item_id}").get_json()
    assert again["decided"] == []
    assert alice.get("/review/changes?since=x").status_code == 400


def test_a_bulk_rejection_without_a_reason_is_refused_whole_and_changes_nothing(app):
    """The queue's reject has no default reason: the JSON answer names the missing
    reason, and none of the items moves, not even the first."""
    from moderation.store import Decision
    alice, _ = two_moderators(app)
    ids = [make_item(app, body=f"Borderline remark {n}") for n in range(2)]
    token = csrf_from(alice.get("/review/").get_data(as_text=True))
    items = ",".join(f"{i}:{version_of(app, i)}" for i in ids)
    for reason in ("", "because"):
        refused = alice.post("/review/decide", data={"action": "reject", "reason": reason,
                                                     "items": items, "csrf_token": token})
        assert refused.status_code == 422
        answer = refused.get_json()
        assert answer["field"] == "reason" and "reason" in answer["error"]
        assert "off_topic" in answer["error"]  # the choices are named
    assert [status_of(app, i) for i in ids] == ["pending", "pending"]
    with app.app_context():
        assert db.session.scalar(select(Decision).where(Decision.moderator_id.is_not(None))) is None


def test_only_a_spam_verdict_from_the_desk_becomes_a_spam_example(app):
    """Rejected for abuse or off topic through the desk's own path: no training example,
    so the spam model never learns that incivility is spam; rejected as spam: one."""
    from moderation.store import TrainingExample
    alice, _ = two_moderators(app)
    reasons = ("abuse", "off_topic", "spam")
    ids = [make_item(app, body=f"A rude remark number {n}") for n in range(3)]
    token = csrf_from(alice.get("/review/").get_data(as_text=True))
    for item_id, reason in zip(ids, reasons):
        answer = alice.post("/review/decide", data={
            "action": "reject", "reason": reason, "csrf_token": token,
            "items": f"{item_id}:{version_of(app, item_id)}"}).get_json()
        assert answer["results"][0]["ok"], answer
    with app.app_context():
        examples = db.session.scalars(select(TrainingExample)).all()
        assert [(e.item_id, e.is_spam) for e in examples] == [(ids[2], True)]


RELEASE = ("The city council will publish the full tram report on Monday, its press "
           "office said in a statement sent to every local paper this morning.")


def test_the_item_page_shows_the_cluster_and_copies_leave_a_regular_alone(app, client):
    """The reported case end to end: a regular's pending comment, then two copies of its
    text from other addresses. The copies go to spam, the regular's comment stays pending;
    its page lists the copies with links, status, time, author and network."""
    from tests.conftest import decide
    first = post_comment(client, body="My street floods every spring; nobody cleans the drains.")
    decide(app, first.get_json()["id"], "approve")
    legit = post_comment(client, body=RELEASE).get_json()["id"]
    copies = [client.post("/api/v1/sites/default/threads/t1/comments", json={
        "body": RELEASE, "author_name": name, "author_email": f"{name.lower()}@example.net"},
        environ_base={"REMOTE_ADDR": f"203.0.113.{n}"}).get_json()["id"]
        for n, name in enumerate(("John", "Lena"), start=1)]
    assert [status_of(app, i) for i in copies] == ["spam", "spam"]
    assert status_of(app, legit) == "pending"
    add_moderator(app)
    log_in(client)
    page = client.get(f"/review/items/{legit}").get_data(as_text=True)
    assert "Same text elsewhere: 2 item(s) from 2 other author(s)" in page
    cluster = page.split('<table class="cluster">')[1].split("</table>")[0]
    for item_id, name in zip(copies, ("john", "lena")):
        assert f'<a href="/review/items/{item_id}">#{item_id}</a> <span class="muted">later</span>' in cluster
        assert f"{name}@example.net" in cluster
    assert cluster.count('status-spam">spam<') == 2 and "exact" in cluster
    assert "its author has approved items" in page  # the campaign mark in the signals
    back = client.get(f"/review/items/{copies[1]}").get_data(as_text=True)
    assert f'<a href="/review/items/{legit}">#{legit}</a> <span class="muted">earlier</span>' in back
