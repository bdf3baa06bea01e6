"""`flask --app moderation import ...` on SQLite: what comes across, idempotency and
resuming, statuses through lifecycle without webhooks or learning, and hostile files
(nothing stored, or the bad record named and the rest stored)."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from moderation import privacy
from moderation.extensions import db
from moderation.importers import storing, wordpress
from moderation.importers.summary import Summary
from moderation.mainsite import webhooks
from moderation.store import (
    Decision,
    ImportRecord,
    Item,
    Site,
    Thread,
    TrainingExample,
    WebhookEvent,
    utcnow,
)
from tests import import_files as files
from tests.import_files import DATA, wp_comment, wxr


def run(runner, *args):
    result = runner.invoke(args=["import", *map(str, args)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def items(app):
    """(source id, status, parent's source id, body) of every imported item, by item id."""
    with app.app_context():
        source_of = dict(db.session.execute(select(ImportRecord.item_id, ImportRecord.source_id)).all())
        return [(source_of[i.id], i.status, source_of.get(i.parent_id), i.body_raw)
                for i in db.session.scalars(select(Item).order_by(Item.id))]


def test_wordpress_fixture_comes_across_and_shows_in_the_embed_at_once(app, runner, client):
    result = run(runner, "wordpress", DATA / "isso-wordpress.xml")
    assert result.exit_code == 0, result.output
    assert "threads created: 2" in result.output and "items stored: 8 (approved 8)" in result.output
    stored = items(app)
    assert len(stored) == 8 and {status for _, status, _, _ in stored} == {"approved"}
    parents = {source: parent for source, _, parent, _ in stored}
    assert parents["18/7"] == "18/6" and parents["18/8"] == parents["18/9"] == "18/7"
    with app.app_context():
        thread = db.session.scalar(select(Thread).where(Thread.key == "2014/test/"))
        assert (thread.url, thread.title, thread.approved_count) == \
            ("http://example.tld/2014/test/", "Hello, World…", 7)
        first = db.session.scalar(select(Item).order_by(Item.id))
        assert first.fields == {"website": "http://example.tld/"}
        assert first.ip_prefix == "82.119.20.0/24"  # ::ffff:82.119.20.0, unmapped
        assert [(d.from_status, d.to_status, d.actor, d.note) for d in first.decisions] == \
            [("received", "approved", "import", "imported from wordpress")]
    page = client.get("/api/v1/sites/default/threads/2014%2Ftest%2F/comments").get_json()
    assert page["count"] == 7
    tops = [c["author_name"] for c in page["comments"]]
    assert tops == ["Ohai", "Tester", "Multiline Author", "Letzter :/"]
    reply = page["comments"][1]["replies"][0]
    assert reply["html"] == "<p>Drölfter!</p>" and len(reply["replies"]) == 2
    assert "email" not in str(page) and "82.119" not in str(page)


def test_a_second_run_stores_nothing_twice(app, runner):
    run(runner, "wordpress", DATA / "isso-wordpress.xml")
    again = run(runner, "wordpress", DATA / "isso-wordpress.xml")
    assert again.exit_code == 0
    assert "items stored: 0" in again.output and "already stored by an earlier run: 8" in again.output
    assert count(app, Item) == 8 and count(app, Thread) == 2 and count(app, Decision) == 8


def many(tmp_path, posts=3, per_post=10) -> str:
    """posts x per_post comments, each after the first of a post replying to the one before."""
    return files.write(tmp_path, "many.xml", wxr(*[
        (post, "".join(wp_comment(n, f"Comment {n} on {post}.", parent=n - 1 if n > 1 else 0)
                       for n in range(1, per_post + 1))) for post in range(1, posts + 1)]))


def test_a_run_that_stopped_resumes_where_it_stopped(app, runner, tmp_path):
    path = many(tmp_path)
    with app.app_context():  # what a run killed after its first committed batch leaves
        site = db.session.scalar(select(Site).where(Site.key == "default"))
        stopped = storing.Run(site.id, "wordpress", Summary("wordpress", "default"))
        storing.store(db.session, stopped, list(wordpress.read(path))[:12])
        db.session.commit()
    assert count(app, Item) == 12
    result = run(runner, "wordpress", path, "--batch", "7")
    assert "items stored: 18" in result.output and "already stored by an earlier run: 12" in result.output
    assert "batches committed: 5" in result.output
    stored = items(app)
    assert len(stored) == 30 and len({source for source, *_ in stored}) == 30
    assert all(parent == f"{source.split('/')[0]}/{int(source.split('/')[1]) - 1}"
               for source, _, parent, _ in stored if not source.endswith("/1"))


def test_a_run_the_database_stops_keeps_whole_batches_and_resumes(app, runner, tmp_path):
    path = many(tmp_path)
    with app.app_context():  # a database that refuses writes after 12 items, like a full disk
        db.session.execute(text("CREATE TRIGGER full BEFORE INSERT ON item WHEN "
                                "(SELECT count(*) FROM item) >= 12 BEGIN "
                                "SELECT RAISE(ABORT, 'database or disk is full'); END"))
        db.session.commit()
    stopped = run(runner, "wordpress", path, "--batch", "7")
    assert stopped.exit_code == 1
    assert "stopped in batch 2" in stopped.output and "database or disk is full" in stopped.output
    assert "The 1 batch(es) committed before are kept" in stopped.output
    assert count(app, Item) == count(app, ImportRecord) == 7  # the first batch, whole
    with app.app_context():
        db.session.execute(text("DROP TRIGGER full"))
        db.session.commit()
    resumed = run(runner, "wordpress", path, "--batch", "7")
    assert "items stored: 23" in resumed.output and "already stored by an earlier run: 7" in resumed.output
    assert count(app, Item) == 30 and count(app, Decision) == 30


def test_statuses_go_through_lifecycle_without_webhooks_or_learning(app, runner, tmp_path):
    path = files.write(tmp_path, "statuses.xml", wxr((1, "".join([
        wp_comment(1, approved="1"), wp_comment(2, approved="0"), wp_comment(3, approved="spam"),
        wp_comment(4, approved="trash"), wp_comment(5, kind="pingback"),
        wp_comment(6, kind="trackback")]))))
    with app.app_context():
        site = db.session.scalar(select(Site).where(Site.key == "default"))
        webhooks.add_endpoint(db.session, site, "https://cms.example/hook",
                              ["item.received", "item.approved", "item.rejected"])
        db.session.commit()
    result = run(runner, "wordpress", path)
    assert "approved 1, pending 1, rejected 1, spam 1" in result.output
    assert "skipped: 1 pingback, 1 trackback" in result.output
    with app.app_context():
        rejected = db.session.scalar(select(Item).where(Item.status == "rejected"))
        assert [(d.from_status, d.to_status, d.reason) for d in rejected.decisions] == \
            [("received", "pending", ""), ("pending", "rejected", "other")]
    assert count(app, WebhookEvent) == 0
    assert count(app, TrainingExample) == 0


def test_learn_teaches_the_spam_model_from_spam_and_approved_comments(app, runner, tmp_path):
    path = files.write(tmp_path, "learn.xml", wxr((1, "".join([
        wp_comment(1, approved="1"), wp_comment(2, approved="0"),
        wp_comment(3, "Cheap pills here", approved="spam"), wp_comment(4, approved="trash")]))))
    result = run(runner, "wordpress", path, "--learn")
    assert "training examples for the spam model: 2" in result.output
    with app.app_context():
        examples = db.session.scalars(select(TrainingExample).order_by(TrainingExample.id)).all()
        assert [(e.text, e.is_spam, e.actor) for e in examples] == [
            ("A thoughtful remark.", False, "import"), ("Cheap pills here", True, "import")]


@pytest.mark.parametrize("content, words", [
    (files.BILLION_LAUGHS, ["entity 'lol'", "Nothing was imported"]),
    (files.EXTERNAL_ENTITY, ["entity 'xxe'", "Nothing was imported"]),
    (files.invalid_utf8(), ["line 46", "not UTF-8", "Nothing was imported"]),
], ids=["billion-laughs", "external-entity", "invalid-utf8"])
def test_a_file_refused_as_a_whole_stores_nothing(app, runner, tmp_path, content, words):
    result = run(runner, "wordpress", files.write(tmp_path, "hostile.xml", content))
    assert result.exit_code == 1
    for word in words:
        assert word in result.output
    assert count(app, Item) == count(app, Thread) == count(app, ImportRecord) == 0


def test_bad_records_are_named_and_the_rest_is_stored(app, runner, tmp_path):
    for name in ("BAD_DATES", "MISSING_PARENT", "HUGE_COMMENT"):
        result = run(runner, "wordpress", files.write(tmp_path, f"{name}.xml", getattr(files, name)))
        assert result.exit_code == 0, result.output
        if name == "BAD_DATES":
            assert "comment 2 of post 1 (line 25): its date '2014-13-45 25:61:00' is not a " \
                   "date; skipped" in result.output
        if name == "MISSING_PARENT":
            assert "comment 2 of post 1 (line 25): its parent 1/99 is not in the file; stored " \
                   "as a top-level comment" in result.output
            assert "replies stored at the top level (parent missing): 1" in result.output
        if name == "HUGE_COMMENT":
            assert "is 10,485,760 characters long; an import takes at most 65,535; skipped" \
                in result.output
    # Every file's comment 1 is the same record (post 1, comment 1): stored once.
    assert [(source, parent) for source, _, parent, _ in items(app)] == \
        [("1/1", None), ("1/2", None), ("1/3", None)]


def test_a_reply_before_its_parent_waits_for_it(app, runner, tmp_path):
    path = files.write(tmp_path, "order.xml", wxr((1, wp_comment(2, "The reply.", parent=1)
                                                   + wp_comment(1, "The first word."))))
    run(runner, "wordpress", path)
    assert [(source, parent) for source, _, parent, _ in items(app)] == \
        [("1/1", None), ("1/2", "1/1")]  # the reply's id is above its parent's


def test_a_long_historic_body_is_stored_as_written(app, runner, tmp_path):
    body = "Long, considered letter. " * 400  # 10,000 characters: intake takes 5,000
    run(runner, "wordpress", files.write(tmp_path, "long.xml", wxr((1, wp_comment(1, body)))))
    assert items(app)[0][3] == body.strip()


def test_full_addresses_past_the_retention_period_keep_only_their_network(app, runner, tmp_path):
    recent = (utcnow() - timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
    path = files.write(tmp_path, "ips.xml", wxr((1, wp_comment(1, ip="192.0.2.7")
                                                 + wp_comment(2, ip="192.0.2.8", date=recent)
                                                 + wp_comment(3, ip="unknown"))))
    run(runner, "wordpress", path)
    with app.app_context():
        assert [(i.ip, i.ip_prefix) for i in db.session.scalars(select(Item).order_by(Item.id))] \
            == [("192.0.2.0/24", "192.0.2.0/24"), ("192.0.2.8", "192.0.2.0/24"), ("", "")]


def test_an_erased_reader_is_not_brought_back_by_a_second_run(app, runner):
    run(runner, "wordpress", DATA / "isso-wordpress.xml")
    with app.app_context():
        privacy.erase(db.session, "test@example.org")
        db.session.commit()
    assert count(app, Item) == 7
    again = run(runner, "wordpress", DATA / "isso-wordpress.xml")
    assert "items stored: 0" in again.output and count(app, Item) == 7
    assert count(app, ImportRecord, ImportRecord.item_id.is_(None)) == 1


def test_disqus_and_isso_files_come_across(app, runner):
    result = run(runner, "disqus", DATA / "isso-disqus.xml")
    assert "items stored: 5 (approved 4, rejected 1)" in result.output
    assert "post 6 (line 66): its thread 1337 is not in the export; skipped" in result.output
    assert [(s, status, parent) for s, status, parent, _ in items(app)] == [
        ("4", "approved", None), ("8", "approved", None), ("9", "rejected", None),
        ("5", "approved", "4"), ("11", "approved", "9")]
    result = run(runner, "isso", DATA / "isso-comments.db", "--site", "default")
    assert "items stored: 8 (approved 8)" in result.output
    result = run(runner, "isso", DATA / "isso-generic.json")
    assert "threads created: 2" in result.output and "items stored: 2" in result.output


def test_an_unknown_site_is_refused(app, runner):
    result = run(runner, "wordpress", DATA / "isso-wordpress.xml", "--site", "nope")
    assert result.exit_code == 1 and "there is no site 'nope'" in result.output
    assert count(app, Item) == 0
