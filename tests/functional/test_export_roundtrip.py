"""`export SITE` then `import json` into a fresh install gives back the same site:
threads, items of every kind in every status, their decisions (with moderators and
messages to the submitter), notes and edits. And a hostile export is checked first."""
import json
from datetime import timedelta

from sqlalchemy import select

from moderation import dossier, review, sanitising
from moderation.extensions import db
from moderation.store import Item, Moderator, Site, Thread, WebhookEvent, utcnow
from tests.conftest import add_moderator, make_app, make_item
from tests.import_files import write


def build_site(app):
    """A site with something of everything an export carries."""
    recent = utcnow() - timedelta(days=1)  # full IPs inside the retention period
    with app.app_context():
        site = Site(key="news", name="The News", allowed_origins=["https://news.example"],
                    policy={"blocked_words": ["viagra"], "suspect_words": [],
                            "blocked_domains": ["spam.example"], "spam_threshold": 0.8,
                            "auto_approve_below": 0.1, "auto_approve": True})
        db.session.add(site)
        db.session.commit()
    add_moderator(app, "ed", role="admin")
    ids = {}
    for n, (kind, status) in enumerate([("comment", "approved"), ("comment", "pending"),
                                        ("comment", "spam"), ("comment", "rejected"),
                                        ("news", "approved"), ("deal", "pending"),
                                        ("column", "rejected"), ("press_release", "approved"),
                                        ("comment", "received")]):
        ids[(kind, status)] = make_item(
            app, kind=kind, status=status, site="news", title="" if kind == "comment" else
            f"Title {n}", thread="front/page" if kind == "comment" else None,
            body=f"Body {n}, with a link https://example.org/{n}", score=n / 10,
            created_at=recent + timedelta(minutes=n), author_email=f"reader{n}@example.org")
    reply = make_item(app, status="approved", site="news", thread="front/page",
                      parent_id=ids[("comment", "approved")], body="A reply.", created_at=recent)
    with app.app_context():
        for item in db.session.scalars(select(Item)):  # as the worker sanitised them
            item.body_html = sanitising.clean(item.body_raw, item.kind)
        moderator = db.session.scalar(select(Moderator).where(Moderator.username == "ed"))
        deal = ids[("deal", "pending")]
        dossier.edit(db.session, deal, moderator, title="Edited title", body="Edited body.",
                     version=None)
        dossier.add_note(db.session, deal, moderator, "Checked with the merchant.")
        review.decide(db.session, deal, "reject", moderator, reason="off_topic",
                      message="Not for this section.")
        db.session.get(Item, reply).fields = {"website": "https://reader.example"}
        db.session.get(Item, ids[("comment", "received")]).body_html = None  # not processed yet
        db.session.add(Thread(site_id=db.session.scalar(select(Site.id).where(Site.key == "news")),
                              key="quiet/story", url="https://news.example/quiet", title="Quiet",
                              is_open=False, created_at=recent))
        db.session.commit()


def export(app) -> dict:
    result = app.test_cli_runner().invoke(args=["export", "news"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def comparable(document: dict) -> dict:
    """The document without what differs by install: the export's time and the items'
    ids, each replaced by what the item is (an import stores replies after the other
    comments of a batch, so ids across threads may come in another order)."""
    key = {item["id"]: (item["kind"], item["thread"] or "", item["created_at"],
                        item["author_email"], item["body_raw"]) for item in document["items"]}
    items = sorted(({**item, "id": key[item["id"]], "parent_id": key.get(item["parent_id"])}
                    for item in document["items"]), key=lambda item: item["id"])
    return {**document, "exported_at": None, "items": items}


def test_export_then_import_json_gives_back_the_same_site(app, tmp_path):
    build_site(app)
    first = export(app)
    assert first["format"] == "moderation-export" and first["version"] == 1
    assert len(first["items"]) == 10 and len(first["threads"]) == 2
    path = write(tmp_path, "news.json", json.dumps(first))

    fresh = make_app(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    add_moderator(fresh, "ed", role="admin")  # decisions name existing moderators
    result = fresh.test_cli_runner().invoke(args=["import", "json", path])
    assert result.exit_code == 0, result.output
    assert "items stored: 10" in result.output
    second = export(fresh)
    assert comparable(second) == comparable(first)
    with fresh.app_context():
        assert db.session.scalar(select(WebhookEvent)) is None
        thread = db.session.scalar(select(Thread).where(Thread.key == "front/page"))
        assert thread.approved_count == 2
    page = fresh.test_client().get("/api/v1/sites/news/threads/front%2Fpage/comments").get_json()
    assert [c["author_name"] for c in page["comments"]] == ["Ada Reader"]
    assert len(page["comments"][0]["replies"]) == 1

    again = fresh.test_cli_runner().invoke(args=["import", "json", path])
    assert "items stored: 0" in again.output and "already stored by an earlier run: 10" in again.output


def test_notes_by_a_moderator_unknown_here_get_a_disabled_account(app, tmp_path):
    build_site(app)
    path = write(tmp_path, "news.json", json.dumps(export(app)))
    fresh = make_app(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    result = fresh.test_cli_runner().invoke(args=["import", "json", path])
    assert "moderator ed: created as a disabled account" in result.output
    with fresh.app_context():
        ed = db.session.scalar(select(Moderator).where(Moderator.username == "ed"))
        assert ed.is_active is False and ed.password_hash == "!"


def test_a_hostile_export_is_checked_item_by_item(app, tmp_path):
    build_site(app)
    document = export(app)
    items = document["items"]
    items[0]["decisions"][0]["to"] = "rejected"  # received -> rejected: not a move we make
    items[1]["body_raw"] = "x" * 70_000
    items[2]["created_at"] = "yesterday"
    items[3]["kind"] = "poem"
    items[4]["body_html"] = "<script>alert(1)</script>"  # never taken: made again from the body
    path = write(tmp_path, "news.json", json.dumps(document))
    fresh = make_app(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    result = fresh.test_cli_runner().invoke(args=["import", "json", path])
    assert result.exit_code == 0, result.output
    for words in ("(received -> rejected) is not a move the state machine allows",
                  "its body_raw is 70,000 characters long", "its created_at 'yesterday' is not a time",
                  "its kind 'poem' is not one of"):
        assert words in result.output
    assert "items stored: 6" in result.output  # 10, less the four refused
    with fresh.app_context():
        shown = db.session.scalars(select(Item.body_html).where(Item.body_html.is_not(None))).all()
        assert shown and not any("<script" in html for html in shown)


def test_a_file_that_is_not_our_export_stores_nothing(app, tmp_path):
    for content in ('{"format": "other", "items": []}', '[1, 2', b'{"format": "\xff"}'):
        result = app.test_cli_runner().invoke(args=["import", "json", write(tmp_path, "x.json", content)])
        assert result.exit_code == 1 and "Nothing was imported" in result.output, result.output
