"""Hostile inputs to the reader-facing write endpoints and the exact answer each must get:
a specific 4xx whose error names the problem (and the field, where there is one), and
nothing stored. One table, run against SQLite (tests/functional/test_hostile_input.py)
and PostgreSQL (tests/integration/test_hostile_input_pg.py), which treat NUL bytes and
invalid text differently."""
import json
import re
from dataclasses import dataclass
from html import unescape
from urllib.parse import quote_plus

from sqlalchemy import func, select

from moderation.extensions import db
from moderation.store import Item, Thread

COMMENTS = "/api/v1/sites/default/threads/t1/comments"
SUBMIT_NEWS = "/submit/news?site=default"
COMMENT = {"author_name": "Ada Reader", "author_email": "ada@example.org",
           "body": "A thoughtful remark about the tram line."}
NEWS = {"author_name": "Ada Reader", "author_email": "ada@example.org",
        "title": "Tram line reopens", "body": "The tram line reopens on Monday, say staff."}
MEGABYTE = 1024 * 1024


@dataclass(frozen=True)
class Hostile:
    name: str
    status: int
    field: str | None  # the error's `field`; None when the request as a whole is bad
    words: str  # what the error message must say
    body: bytes = b""
    content_type: str | None = "application/json"
    path: str = COMMENTS
    headers: tuple[tuple[str, str], ...] = ()
    # Sent as the WSGI PATH_INFO as is (latin-1 for bytes): the test client would
    # replace invalid UTF-8 in a URL before the app saw it; a real server does not.
    raw_path: str | None = None
    form_page: bool = False  # an HTML form: the test adds a valid CSRF token first


def as_json(base: dict = COMMENT, **changes) -> bytes:
    return json.dumps({**base, **changes}).encode()


def as_form(base: dict = COMMENT, **changes: str | bytes) -> bytes:
    """URL-encoded fields; a bytes value goes on the wire exactly as given."""
    fields = {**base, **changes}
    return b"&".join(name.encode() + b"=" + (value if isinstance(value, bytes)
                                            else quote_plus(str(value)).encode())
                     for name, value in fields.items())


def _json(name, status, field, words, **changes) -> Hostile:
    return Hostile(name, status, field, words, as_json(**changes))


FORM = "application/x-www-form-urlencoded"
API_ROWS = [
    # Size
    Hostile("body over MAX_CONTENT_LENGTH", 413, None, "too large",
            as_json(body="x" * 300_000)),
    Hostile("1 MB author_name (JSON)", 413, None, "too large",
            as_json(author_name="A" * MEGABYTE)),
    Hostile("1 MB author_name (form)", 413, None, "too large",
            as_form(author_name="A" * MEGABYTE), FORM),
    _json("author_name one over its limit", 422, "author_name", "too long",
          author_name="A" * 81),
    _json("body one over its limit", 422, "body", "too long", body="x" * 5001),
    # Encoding
    Hostile("invalid UTF-8 in JSON", 400, None, "not valid UTF-8",
            b'{"author_name": "\xff\xfe", "author_email": "ada@example.org", "body": "Hi"}'),
    Hostile("JSON in UTF-16", 400, None, "not valid UTF-8",
            json.dumps(COMMENT).encode("utf-16")),
    Hostile("invalid UTF-8 in form data, percent-encoded", 400, "author_name",
            "not valid UTF-8", as_form(author_name=b"Ada%FF"), FORM),
    Hostile("invalid UTF-8 in form data, raw byte", 400, "author_name", "not valid UTF-8",
            as_form(author_name=b"Ada\xff"), FORM),
    Hostile("invalid UTF-8 in the thread key", 400, "path", "not valid UTF-8", as_json(),
            raw_path="/api/v1/sites/default/threads/t\xff/comments"),
    Hostile("invalid UTF-8 in a query parameter", 400, "x", "not valid UTF-8", as_json(),
            path=COMMENTS + "?x=%FF"),
    _json("lone surrogate in author_name", 422, "author_name", "lone surrogate",
          author_name="Ada \ud800"),
    _json("lone surrogate in the honeypot", 422, "website", "control characters",
          website="\udfff"),
    # NUL and other control characters
    _json("NUL in author_name", 422, "author_name", "control characters", author_name="Ada\x00"),
    _json("NUL in body", 422, "body", "control characters", body="Hello\x00world"),
    _json("NUL in the honeypot", 422, "website", "control characters", website="\x00"),
    Hostile("NUL in form data", 422, "author_name", "control characters",
            as_form(author_name=b"Ada%00"), FORM),
    Hostile("NUL in the thread key", 400, "path", "NUL", as_json(),
            path="/api/v1/sites/default/threads/t%00/comments"),
    Hostile("NUL in the site key", 400, "path", "NUL", as_json(),
            path="/api/v1/sites/default%00/threads/t1/comments"),
    Hostile("NUL in a query parameter", 400, "x", "NUL", as_json(), path=COMMENTS + "?x=%00"),
    _json("NEL (C1 control) in author_name", 422, "author_name", "control characters",
          author_name="Ada\x85Bcc: x@example.com"),
    # Header injection
    _json("CR/LF in author_name", 422, "author_name", "single line",
          author_name="Ada\r\nBcc: victim@example.com"),
    _json("LF in author_name", 422, "author_name", "single line", author_name="Ada\nX-Spam: no"),
    _json("U+2028 in author_name", 422, "author_name", "single line",
          author_name="Ada\u2028Bcc: victim@example.com"),
    _json("CR/LF in author_email", 422, "author_email", "single line",
          author_email="ada@example.org\r\nBcc: victim@example.com"),
    _json("CR/LF in thread_title", 422, "thread_title", "single line",
          thread_title="Trams\r\nSet-Cookie: x=1"),
    Hostile("CR/LF in author_name (form)", 422, "author_name", "single line",
            as_form(author_name="Ada\r\nBcc: victim@example.com"), FORM),
    # Not JSON, or not the JSON we take
    Hostile("deeply nested JSON (100k '[')", 400, None, "nested too deeply", b"[" * 100_000),
    Hostile("deeply nested value inside an object", 400, None, "nested too deeply",
            as_json()[:-1] + b', "body": ' + b"[" * 5000 + b"]" * 5000 + b"}"),
    Hostile("top-level array", 400, None, "must be an object", b"[1, 2]"),
    Hostile("top-level string", 400, None, "must be an object", b'"hello"'),
    Hostile("not JSON", 400, None, "not valid JSON", b"{not json"),
    Hostile("empty JSON body", 400, None, "not valid JSON", b""),
    Hostile("NaN", 400, None, "NaN", as_json()[:-1] + b', "parent_id": NaN}'),
    Hostile("a 5,000-digit number", 400, None, "digits",
            as_json()[:-1] + b', "parent_id": ' + b"9" * 5000 + b"}"),
    Hostile("repeated key", 400, "author_name", "more than once",
            b'{"author_name": "Ada", "author_name": "Bob", "author_email": "ada@example.org",'
            b' "body": "Hi"}'),
    Hostile("repeated form field", 400, "author_name", "more than once",
            as_form() + b"&author_name=Bob", FORM),
    # Wrong types
    _json("number as author_name", 422, "author_name", "must be a string", author_name=42),
    _json("list as body", 422, "body", "must be a string", body=["Hello"]),
    _json("object as author_email", 422, "author_email", "must be a string",
          author_email={"to": "x"}),
    _json("null as body", 422, "body", "required", body=None),
    _json("bool as parent_id", 422, "parent_id", "whole number", parent_id=True),
    _json("float as parent_id", 422, "parent_id", "whole number", parent_id=1.5),
    _json("non-ASCII digits as parent_id", 422, "parent_id", "whole number", parent_id="²"),
    _json("list as the honeypot", 422, "website", "must be a string", website=["x"]),
    _json("number as form_token", 422, "form_token", "must be a string", form_token=7),
    # Unknown fields
    _json("unknown field", 422, "is_admin", "unknown field", is_admin=True),
    _json("misspelt field", 422, "author", "unknown field", author="Ada"),
    Hostile("unknown form field", 422, "status", "unknown field",
            as_form(status="approved"), FORM),
    # Values out of range or of the wrong form
    _json("parent_id zero", 422, "parent_id", "out of range", parent_id=0),
    _json("parent_id negative", 422, "parent_id", "out of range", parent_id=-1),
    _json("parent_id past 2**63", 422, "parent_id", "out of range", parent_id=2**63),
    _json("parent_id of 30 digits as text", 422, "parent_id", "out of range",
          parent_id="9" * 30),
    _json("parent_id of no comment", 422, "parent_id", "not a published comment",
          parent_id=999_999),
    _json("invalid email", 422, "author_email", "not a valid email", author_email="ada@"),
    _json("javascript: thread_url", 422, "thread_url", "http or https",
          thread_url="javascript:alert(1)"),
    _json("thread_url with an unclosed IPv6 bracket", 422, "thread_url", "http or https",
          thread_url="http://["),
    _json("missing body", 422, "body", "required", body=""),
    # The request around the body
    Hostile("wrong Content-Type", 415, None, "application/json", as_json(), "text/plain"),
    Hostile("no Content-Type", 415, None, "application/json", as_json(), None),
    Hostile("multipart without a boundary", 400, None, "malformed", b"author_name=Ada",
            "multipart/form-data"),
    Hostile("unknown site", 404, "site", "unknown site", as_json(),
            path="/api/v1/sites/nope/threads/t1/comments"),
    Hostile("thread key with a space", 422, "thread", "thread key", as_json(),
            path="/api/v1/sites/default/threads/a%20b/comments"),
    Hostile("thread key of 201 characters", 422, "thread", "thread key", as_json(),
            path="/api/v1/sites/default/threads/" + "t" * 201 + "/comments"),
    Hostile("Origin not allowed", 403, None, "not allowed", as_json(),
            headers=(("Origin", "https://evil.example"),)),
]

FORM_ROWS = [
    Hostile("form: 1 MB author_name", 413, None, "too large",
            as_form(NEWS, author_name="A" * MEGABYTE), FORM, SUBMIT_NEWS, form_page=True),
    Hostile("form: invalid UTF-8, percent-encoded", 400, "author_name", "not valid UTF-8",
            as_form(NEWS, author_name=b"Ada%FF"), FORM, SUBMIT_NEWS, form_page=True),
    Hostile("form: invalid UTF-8, raw byte", 400, "author_name", "not valid UTF-8",
            as_form(NEWS, author_name=b"Ada\xff"), FORM, SUBMIT_NEWS, form_page=True),
    Hostile("form: encoded lone surrogate", 400, "title", "not valid UTF-8",
            as_form(NEWS, title=b"%ED%A0%80"), FORM, SUBMIT_NEWS, form_page=True),
    Hostile("form: NUL in author_name", 422, "author_name", "control characters",
            as_form(NEWS, author_name=b"Ada%00"), FORM, SUBMIT_NEWS, form_page=True),
    Hostile("form: CR/LF in author_name", 422, "author_name", "single line",
            as_form(NEWS, author_name="Ada\r\nBcc: victim@example.com"), FORM, SUBMIT_NEWS,
            form_page=True),
    Hostile("form: CR/LF in author_email", 422, "author_email", "single line",
            as_form(NEWS, author_email="ada@example.org\r\nBcc: victim@example.com"), FORM,
            SUBMIT_NEWS, form_page=True),
    Hostile("form: title over its limit", 422, "title", "too long",
            as_form(NEWS, title="T" * 201), FORM, SUBMIT_NEWS, form_page=True),
    Hostile("form: unknown site", 404, "site", "unknown site", as_form(NEWS), FORM,
            "/submit/news?site=nope", form_page=True),
    Hostile("form: no CSRF token", 403, None, "did not come from our page",
            as_form(NEWS), FORM, SUBMIT_NEWS),
]

ROWS = API_ROWS + FORM_ROWS


def send(client, row: Hostile):
    """Send the row's request as a client would: with the form's CSRF token for a form page."""
    body = row.body
    if row.form_page:
        page = client.get(SUBMIT_NEWS).get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        body = b"csrf_token=" + token.encode() + b"&" + body
    environ = {"PATH_INFO": row.raw_path} if row.raw_path else None
    return client.post(row.path, data=body, content_type=row.content_type,
                       headers=list(row.headers), environ_overrides=environ)


def assert_refused(response, row: Hostile) -> None:
    """The exact status, and an error that names the problem (and field) in the client's
    language: the JSON error under /api, the page's text for an HTML form."""
    text = response.get_data(as_text=True)
    assert response.status_code == row.status, text[:500]
    if row.form_page or not row.path.startswith("/api/"):
        page = unescape(text)
        assert row.words in page, page[:2000]
        if row.field:
            assert row.field in page
        return
    error = response.get_json()["error"]
    assert error["field"] == row.field, error
    assert row.words in error["message"], error


def stored(app) -> tuple[int, int]:
    """(items, threads) in the database now."""
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(Item)),
                db.session.scalar(select(func.count()).select_from(Thread)))
