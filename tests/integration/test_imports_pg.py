"""Imports and the export on PostgreSQL: the real fixtures stored once however often
they are imported, served by the comments API, hostile files storing nothing, and an
export read back into another site of the same install."""
import json
import secrets

from sqlalchemy import func, select

from moderation.extensions import db
from moderation.store import Decision, ImportRecord, Item, Site, Thread, WebhookEvent
from tests import import_files as files
from tests.functional.test_export_roundtrip import comparable
from tests.import_files import DATA


def new_site(app) -> str:
    key = f"import-{secrets.token_hex(4)}"
    with app.app_context():
        db.session.add(Site(key=key, name=key, allowed_origins=[], policy={}))
        db.session.commit()
    return key


def run(app, *args):
    return app.test_cli_runner().invoke(args=[*map(str, args)])


def items_of(app, site: str) -> int:
    with app.app_context():
        site_id = db.session.scalar(select(Site.id).where(Site.key == site))
        try:
            return db.session.scalar(select(func.count()).select_from(Item)
                                     .where(Item.site_id == site_id))
        finally:
            db.session.remove()


def test_the_fixtures_are_stored_once_however_often_they_are_imported(pg_app):
    site = new_site(pg_app)
    for source, name in (("wordpress", "isso-wordpress.xml"), ("disqus", "isso-disqus.xml"),
                         ("isso", "isso-comments.db")):
        first = run(pg_app, "import", source, DATA / name, "--site", site)
        assert first.exit_code == 0, first.output
        again = run(pg_app, "import", source, DATA / name, "--site", site)
        assert "items stored: 0" in again.output, again.output
    assert items_of(pg_app, site) == 8 + 5 + 8
    with pg_app.app_context():
        site_id = db.session.scalar(select(Site.id).where(Site.key == site))
        assert db.session.scalar(select(func.count()).select_from(ImportRecord).where(
            ImportRecord.site_id == site_id)) == 21
        assert db.session.scalar(select(func.count()).select_from(Decision).join(Item).where(
            Item.site_id == site_id, Decision.actor == "import")) == 21 + 1  # + a rejection
        assert db.session.scalar(select(func.count()).select_from(WebhookEvent).join(Item).where(
            Item.site_id == site_id)) == 0
        thread = db.session.scalar(select(Thread).where(Thread.site_id == site_id,
                                                        Thread.key == "2014/test/"))
        assert thread.approved_count == 7 + 7  # WordPress's seven, and Isso's copy of them
        db.session.remove()
    page = pg_app.test_client().get(f"/api/v1/sites/{site}/threads/some-id/comments").get_json()
    assert [c["author_name"] for c in page["comments"]] == ["peter", "user"]
    assert [r["author_name"] for r in page["comments"][0]["replies"]] == ["user"]


def test_hostile_files_store_nothing_on_postgresql(pg_app, tmp_path):
    site = new_site(pg_app)
    for name, content in (("laughs.xml", files.BILLION_LAUGHS), ("xxe.xml", files.EXTERNAL_ENTITY),
                          ("utf8.xml", files.invalid_utf8())):
        result = run(pg_app, "import", "wordpress", files.write(tmp_path, name, content),
                     "--site", site)
        assert result.exit_code == 1 and "Nothing was imported" in result.output
    result = run(pg_app, "import", "wordpress", files.write(tmp_path, "huge.xml", files.HUGE_COMMENT),
                 "--site", site)
    assert "10,485,760 characters" in result.output and "items stored: 2" in result.output
    assert items_of(pg_app, site) == 2


def test_an_export_reads_back_into_another_site_of_the_same_install(pg_app, tmp_path):
    source, copy = new_site(pg_app), f"copy-{secrets.token_hex(4)}"
    run(pg_app, "import", "disqus", DATA / "isso-disqus.xml", "--site", source)
    run(pg_app, "import", "wordpress", DATA / "isso-wordpress.xml", "--site", source)
    exported = run(pg_app, "export", source)
    assert exported.exit_code == 0, exported.output
    path = files.write(tmp_path, "export.json", exported.stdout)
    result = run(pg_app, "import", "json", path, "--site", copy)
    assert result.exit_code == 0 and "items stored: 13" in result.output, result.output
    again = json.loads(run(pg_app, "export", copy).stdout)
    first = json.loads(exported.stdout)
    assert again["site"]["key"] == copy
    assert comparable(again) | {"site": None} == comparable(first) | {"site": None}
