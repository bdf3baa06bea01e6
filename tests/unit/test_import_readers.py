"""The importers' readers on real exports (Isso's test fixtures, an Isso database made by
Isso's own importer; tests/data/importers/SOURCE.md) and on hostile files: parsing only,
nothing stored."""
import sqlite3
import time
from datetime import datetime

import pytest

from moderation.importers import disqus, isso, wordpress
from moderation.importers.records import Comment, ImportFileError, Skipped, thread_key
from tests import import_files as files
from tests.import_files import DATA, wp_comment, wxr


def comments(records):
    return [r for r in records if isinstance(r, Comment)]


def test_wordpress_fixture_reads_every_comment_with_its_thread_and_nesting():
    records = list(wordpress.read(str(DATA / "isso-wordpress.xml")))
    found = comments(records)
    assert len(found) == len(records) == 8
    first = found[0]
    assert (first.source_id, first.author_name, first.author_email, first.website, first.ip) == \
        ("18/2", "Ohai", "test@example.org", "http://example.tld/", "::ffff:82.119.20.0")
    assert first.body == "Erster!1" and first.status == "approved"
    assert first.created_at == datetime(2014, 1, 14, 17, 32, 12)
    assert (first.thread.key, first.thread.url, first.thread.title) == \
        ("2014/test/", "http://example.tld/2014/test/", "Hello, World…")
    by_id = {c.source_id: c for c in found}
    assert by_id["18/7"].parent_id == "18/6" and by_id["18/8"].parent_id == "18/7"
    assert by_id["18/7"].created_at == datetime(2014, 4, 29, 15, 21, 35)  # only a GMT date
    assert by_id["18/10"].created_at == datetime(2022, 6, 6, 2, 13, 14)  # GMT, not local
    assert "multiple lines:\nWordPress" in by_id["18/10"].body
    # A post without wp:post_id is keyed by its link; its comment 11 is another comment.
    other = found[-1]
    assert other.source_id == "http://example.tld/?p=4/11" and other.thread.key == "?p=4"


@pytest.mark.parametrize("namespace", ["http://wordpress.org/export/1.0/",
                                       "http://wordpress.org/export/1.1/",
                                       "http://wordpress.org/export/1.2/",
                                       "https://wordpress.org/export/1.2/"])
def test_every_version_of_the_wxr_namespace_reads_the_same(tmp_path, namespace):
    path = files.write(tmp_path, "wp.xml", wxr((5, wp_comment(1) + wp_comment(2, parent=1)),
                                               namespace=namespace))
    found = comments(wordpress.read(path))
    assert [(c.source_id, c.parent_id) for c in found] == [("5/1", None), ("5/2", "5/1")]


def test_wordpress_statuses_pings_and_other_comment_types(tmp_path):
    path = files.write(tmp_path, "wp.xml", wxr((1, "".join([
        wp_comment(1, approved="1"), wp_comment(2, approved="0"), wp_comment(3, approved="spam"),
        wp_comment(4, approved="trash"), wp_comment(5, approved="post-trashed"),
        wp_comment(6, kind="pingback"), wp_comment(7, kind="trackback"),
        wp_comment(8, kind="order_note"), wp_comment(9, kind="comment")])),
        comment_status="closed"))
    records = list(wordpress.read(path))
    assert [(r.source_id, r.status) for r in comments(records)] == [
        ("1/1", "approved"), ("1/2", "pending"), ("1/3", "spam"), ("1/4", "rejected"),
        ("1/5", "rejected"), ("1/9", "approved")]
    skipped = [(r.source_id, r.reason) for r in records if isinstance(r, Skipped)]
    assert skipped[:2] == [("1/6", "pingback"), ("1/7", "trackback")]
    assert skipped[2][0] == "1/8" and "'order_note'" in skipped[2][1]
    assert comments(records)[0].thread.is_open is False


def test_disqus_fixture_maps_threads_status_and_skips_a_post_without_thread():
    records = list(disqus.read(str(DATA / "isso-disqus.xml")))
    found = {c.source_id: c for c in comments(records)}
    assert set(found) == {"4", "5", "8", "9", "11"}
    assert found["4"].thread.key == "some-id" and found["4"].thread.title == "Hello, World!"
    assert found["5"].parent_id == "4" and found["5"].body == "<p>Hello, World.</p>"
    assert found["9"].status == "rejected" and found["9"].body == ""  # deleted
    assert found["11"].parent_id == "9"
    assert found["8"].thread.key == "blog/2013/02/12/redacted/index.html"  # no identifier
    assert (found["4"].author_name, found["4"].author_email, found["4"].ip) == \
        ("peter", "foo@bar.com", "127.0.0.1")
    assert found["4"].created_at == datetime(2013, 10, 10, 19, 20, 29)
    [orphan] = [r for r in records if isinstance(r, Skipped)]
    assert orphan.source_id == "6" and "thread 1337 is not in the export" in orphan.reason


def test_isso_database_made_by_isso_itself():
    path = str(DATA / "isso-comments.db")
    found = comments(isso.read(path))
    assert isso.size(path) == len(found) == 8
    assert found[0].thread.key == "2014/test/" and found[0].thread.title == "Hello, World…"
    assert (found[0].author_name, found[0].website, found[0].ip) == \
        ("Ohai", "http://example.tld/", "82.119.20.0")
    assert found[2].parent_id == "2" and all(c.status == "approved" for c in found)
    assert found[0].created_at == datetime(2014, 1, 14, 17, 32, 12)


def test_isso_generic_json():
    found = comments(isso.read(str(DATA / "isso-generic.json")))
    assert [(c.source_id, c.thread.key, c.thread.title, c.author_name) for c in found] == [
        ("/posts/0001/#0", "posts/0001/", "Test+post", "texas holdem"),
        ("/posts/0007/#0", "posts/0007/", "Nat+%26+Miguel", "Richard Crinshaw")]
    assert found[1].created_at == datetime(2005, 5, 8, 6, 50, 26)


def isso_database(path, rows):
    """An Isso database (its threads and comments tables, as Isso lays them out)."""
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE threads (id INTEGER PRIMARY KEY, uri VARCHAR(256) "
                           "UNIQUE, title VARCHAR(256))")
        connection.execute("CREATE TABLE comments (tid REFERENCES threads(id), id INTEGER "
                           "PRIMARY KEY, parent INTEGER, created FLOAT NOT NULL, modified FLOAT, "
                           "mode INTEGER, remote_addr VARCHAR, text VARCHAR NOT NULL, author "
                           "VARCHAR, email VARCHAR, website VARCHAR, likes INTEGER DEFAULT 0, "
                           "dislikes INTEGER DEFAULT 0, voters BLOB NOT NULL, notification "
                           "INTEGER DEFAULT 0)")
        connection.execute("INSERT INTO threads VALUES (1, '/a/', 'A')")
        connection.executemany(
            "INSERT INTO comments (tid, id, parent, created, mode, remote_addr, text, author, "
            "email, website, voters) VALUES (1, ?, ?, 1400000000.5, ?, '192.0.2.0', ?, ?, "
            "NULL, NULL, x'00')", rows)
    return str(path)


def test_isso_modes_and_text_that_is_not_utf8(tmp_path):
    path = isso_database(tmp_path / "comments.db", [
        (1, None, 1, "published", "Ann"), (2, 1, 2, "waiting", None),
        (3, None, 4, "", None), (4, None, 1, b"caf\xff", "Bob")])
    records = list(isso.read(path))
    assert [(c.source_id, c.status, c.author_name) for c in comments(records)] == [
        ("1", "approved", "Ann"), ("2", "pending", ""), ("3", "rejected", "")]
    [bad] = [r for r in records if isinstance(r, Skipped)]
    assert bad.label == "comment 4" and "text is not valid UTF-8" in bad.reason


def test_a_file_that_is_not_an_isso_database(tmp_path):
    with sqlite3.connect(tmp_path / "other.db") as connection:
        connection.execute("CREATE TABLE notes (id INTEGER)")
    with pytest.raises(ImportFileError, match="not an Isso database"):
        list(isso.read(str(tmp_path / "other.db")))


@pytest.mark.parametrize("content, words", [
    (files.BILLION_LAUGHS, ["entity 'lol'", "billion laughs", "refused"]),
    (files.EXTERNAL_ENTITY, ["entity 'xxe'", "file:///etc/passwd", "refused"]),
    (files.invalid_utf8(), ["line 46", "not well-formed", "not UTF-8"]),
    (wxr((1, wp_comment(1))).replace("</channel>", ""), ["not well-formed", "mismatched tag"]),
    ((DATA / "isso-disqus.xml").read_text(), ["root element is <disqus>, not <rss>"]),
], ids=["billion-laughs", "external-entity", "invalid-utf8", "malformed", "wrong-format"])
def test_hostile_wordpress_files_are_refused_whole_with_a_clear_message(tmp_path, content, words):
    path = files.write(tmp_path, "hostile.xml", content)
    with pytest.raises(ImportFileError) as refused:
        list(wordpress.read(path))
    for word in words:
        assert word in str(refused.value)


def test_bad_dates_skip_only_their_record_and_name_it(tmp_path):
    records = list(wordpress.read(files.write(tmp_path, "dates.xml", files.BAD_DATES)))
    assert [c.source_id for c in comments(records)] == ["1/1"]
    reasons = [(r.label, r.reason) for r in records if isinstance(r, Skipped)]
    assert reasons == [("comment 2 of post 1 (line 25)", "its date '2014-13-45 25:61:00' is not a date"),
                       ("comment 3 of post 1 (line 38)", "its date '' is not a date")]


def test_a_ten_megabyte_comment_is_skipped_by_its_length_in_bounded_time(tmp_path):
    path = files.write(tmp_path, "huge.xml", files.HUGE_COMMENT)
    started = time.process_time()
    records = list(wordpress.read(path))
    assert time.process_time() - started < 5  # generous: ~0.1 s here
    assert [c.source_id for c in comments(records)] == ["1/1", "1/3"]
    [huge] = [r for r in records if isinstance(r, Skipped)]
    assert huge.label.startswith("comment 2 of post 1") and "10,485,760 characters" in huge.reason


@pytest.mark.parametrize("url, key", [
    ("https://news.example/2014/story/", "2014/story/"), ("http://example.tld/?p=4", "?p=4"),
    ("https://news.example/", "fallback"), ("not a url at all", "fallback"),
    ("https://news.example/" + "x" * 300, "fallback")])
def test_thread_keys_are_url_paths_the_comments_api_can_serve(url, key):
    assert thread_key(url, "fallback") == key
