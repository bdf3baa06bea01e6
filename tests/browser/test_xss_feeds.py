"""No payload from the public XSS lists becomes markup in what the main site's CMS reads:
the Atom feed (/feeds/<site>/submissions.atom) and the submissions JSON. Every payload
goes through the real pipeline (intake, processing, approval) into an approved news tip,
deal, column or press release, once in a body and once in a short field (title, author
name, and each kind's own fields: source_url, merchant, link, coupon_code, author_bio,
organisation, media_contact). Then:

- each feed parses as XML (ElementTree and feedparser), holds only the elements and
  attributes the feed itself writes, and gives back every field as the exact text stored;
- the JSON gives back the same values, as JSON;
- Chromium opening each feed, each JSON page and the status pages runs no script, while
  the same harness catches script in a feed whose escaping was undone (positive control).

Feeds show the latest 50 approvals per kind, so the items go in rounds of 50 per kind; a
round is checked, then unpublished (approved -> rejected) so the next fills the feeds."""
import json
import re
from collections import deque
from xml.etree import ElementTree as ET

import feedparser
import pytest
from sqlalchemy import select

from moderation import fields, intake, processing, review, tokens
from moderation.extensions import db
from moderation.mainsite import feeds
from moderation.store import Moderator
from moderation.web.feeds import FEED_SIZE
from tests.browser.xss_harness import Watch, fire_everything
from tests.conftest import add_moderator
from tests.xss_corpus import payloads

KINDS = ("news", "deal", "column", "press_release")
# kind -> its reader-supplied short fields: (name, intake type); price and dates are
# parsed values, so no payload can stay in them.
SHORT_FIELDS = {kind: [("title", "line"), ("author_name", "line")] + [
    (name, type_) for name, (type_, _) in intake.KIND_FIELDS[kind].items()
    if type_ in ("line", "text", "url")] for kind in KINDS}
BODY_CHARS = 2500  # payloads per body: about 35; bodies of a round show on one feed page
URL_PREFIX = "https://news.example/tip?q="
ATOM, FIELDS = f"{{{feeds.ATOM}}}", f"{{{feeds.FIELDS_NS}}}"
# Everything feeds.atom() writes; a payload that became markup would add to this.
TAGS = {ATOM + t for t in ("feed", "id", "title", "updated", "link", "author", "name",
                           "generator", "entry", "published", "category", "content")} | {FIELDS + "field"}
ATTRIBUTES = {"rel", "href", "type", "term", "name"}
LINE_BREAK = re.compile(r"[\r\n\u2028\u2029]")


def capacity(field: str, type_: str) -> int:
    if field == "author_name":
        return fields.NAME_MAX
    if field == "title":
        return intake.TITLE_MAX
    return intake.field_max(type_) - (len(URL_PREFIX) if type_ == "url" else 0)


def fits(payload: str, type_: str) -> bool:
    """Whether intake would keep the payload as it is in a field of this type."""
    text = payload.strip()
    return bool(text) and not fields.CONTROL.search(text) and \
        (type_ == "text" or not LINE_BREAK.search(text))


def take(queue: deque, room: int, accepts, separator: str, lookahead: int = 400) -> list[str]:
    """Payloads from the front of `queue` that `accepts` and that fit in `room` characters
    joined by `separator`; those skipped stay in order for a later field."""
    taken, skipped, used = [], [], 0
    while queue and len(skipped) < lookahead:
        payload = queue.popleft()
        size = len(payload.strip()) + (len(separator) if taken else 0)
        if accepts(payload) and used + size <= room:
            taken.append(payload.strip())
            used += size
        else:
            skipped.append(payload)
        if room - used < 8:
            break
    queue.extendleft(reversed(skipped))
    return taken


def plan_items(corpus: list[str]) -> list[tuple[str, dict]]:
    """(kind, form data) for every submission: kinds in turn, every payload once in a short
    field and once in a body (but those intake refuses anywhere: control characters, or
    longer than any short field)."""
    kept = [p for p in corpus if fits(p, "text")]
    short = deque(p for p in kept if len(p.strip()) <= intake.field_max("text") - (
        0 if LINE_BREAK.search(p.strip()) else len(URL_PREFIX)))
    bodies, planned = deque(kept), []
    while short or bodies:
        kind = KINDS[len(planned) % len(KINDS)]
        n = len(planned)
        data = {"author_email": f"x{n}@example.org"}
        for field, type_ in SHORT_FIELDS[kind]:
            separator = "\n" if type_ == "text" else " "
            got = take(short, capacity(field, type_), lambda p, t=type_: fits(p, t), separator)
            value = separator.join(got) if got else f"plain {field} {n}"
            data[field] = (URL_PREFIX + value if got else f"https://news.example/{n}") \
                if type_ == "url" else value
        room = min(intake.BODY_MAX[kind], max(BODY_CHARS, len(bodies[0].strip()) if bodies else 0))
        got = take(bodies, room, lambda p: True, "\n\n")
        data["body"] = "\n\n".join(got) or f"Plain body {n}."
        planned.append((kind, data))
    return planned


class _Quiet:
    """The payloads are the test here, not the classifier."""

    def spam_probability(self, text):
        return 0.0


def publish(app, planned: list[tuple[str, dict]]) -> dict[int, dict]:
    """Store, process and approve the submissions; what each should show, by item id."""
    shown = {}
    with app.app_context():
        moderator = db.session.scalar(select(Moderator))
        for kind, data in planned:
            item = intake.receive_submission(db.session, "default", kind, data, intake.Context())
            db.session.flush()
            processing.process(db.session, item.id, classifier=_Quiet())
            if item.status == "spam":
                review.decide(db.session, item.id, "not_spam", moderator)
            if item.status != "approved":
                review.decide(db.session, item.id, "approve", moderator)
            db.session.commit()
            shown[item.id] = {"kind": kind, "title": item.title, "author_name": item.author_name,
                              "fields": dict(item.fields), "html": item.body_html}
            assert {f: v for f, v in data.items() if f in item.fields} == item.fields
            assert (item.title, item.author_name) == (data["title"], data["author_name"])
    return shown


def unpublish(app, ids) -> None:
    with app.app_context():
        moderator = db.session.scalar(select(Moderator))
        for item_id in ids:
            review.decide(db.session, item_id, "reject", moderator, reason="other")
        db.session.commit()


def xml_text(value: str) -> str:
    """What an XML parser gives back for element text: line ends normalised to "\n" (XML
    1.0 section 2.11), as the serialiser writes a carriage return as is."""
    return value.replace("\r\n", "\n").replace("\r", "\n")


def check_feed(raw: bytes, shown: dict[int, dict]) -> None:
    """The feed is well-formed, holds only its own markup, and gives back each field as
    the exact text stored."""
    root = ET.fromstring(raw)
    for element in root.iter():
        assert element.tag in TAGS, f"element {element.tag!r} in the feed"
        assert set(element.attrib) <= ATTRIBUTES, f"attributes {element.attrib} in the feed"
    entries = root.findall(ATOM + "entry")
    ids = [int(e.findtext(ATOM + "id").rsplit(":", 1)[1]) for e in entries]
    assert sorted(ids) == sorted(shown), "the feed should hold exactly this round's items"
    for entry, item_id in zip(entries, ids):
        want = shown[item_id]
        assert entry.findtext(ATOM + "title") == want["title"]
        assert entry.findtext(f"{ATOM}author/{ATOM}name") == want["author_name"]
        assert entry.findtext(ATOM + "content") == xml_text(want["html"])
        assert {f.get("name"): f.text for f in entry.iter(FIELDS + "field")} == \
            {name: xml_text(value) for name, value in want["fields"].items()}
        links = [link.get("href") for link in entry.findall(ATOM + "link")]
        assert links == [want["fields"][n] for n in feeds.LINK_FIELDS if n in want["fields"]]
    parsed = feedparser.parse(raw)
    assert not parsed.bozo, f"feedparser: {parsed.get('bozo_exception')}"
    assert len(parsed.entries) == len(shown)
    for entry in parsed.entries:
        want = shown[int(entry.id.rsplit(":", 1)[1])]
        assert entry.title == want["title"] and entry.author == want["author_name"]


def check_json(client, shown: dict[int, dict]) -> list[str]:
    """Every page of the submissions JSON: JSON by type, and the values stored. Returns
    the pages' paths."""
    seen, pages, path = {}, [], "/api/v1/sites/default/submissions?limit=100"
    while path:
        response = client.get(path)
        assert response.status_code == 200 and response.mimetype == "application/json"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        doc = json.loads(response.get_data())
        seen.update({s["id"]: s for s in doc["submissions"]})
        pages.append(path)
        path = doc["next"] and f"/api/v1/sites/default/submissions?limit=100&cursor={doc['next']}"
    assert sorted(seen) == sorted(shown)
    for item_id, want in shown.items():
        got = seen[item_id]
        assert {k: got[k] for k in want} == want
    return pages


@pytest.fixture
def desk(live, browser):
    add_moderator(live.app)
    # Without our headers' protection where a browser would use it: this checks the
    # escaping alone.
    context = browser.new_context(bypass_csp=True)
    context.set_default_timeout(20000)
    watch = Watch(context)
    page = context.new_page()
    yield live, page, watch
    context.close()


def runs_script(page, watch, url: str) -> bool:
    before = len(watch.hits)
    page.goto(url)
    fire_everything(page, 200)
    return len(watch.hits) > before


def test_feed_positive_control_script_in_a_feed_does_run(desk):
    """Chromium opens an Atom document and runs an XHTML script in it: a feed whose
    escaping was undone is caught, so the silence below means something."""
    live, page, watch = desk
    shown = publish(live.app, plan_items(["a plain tip about the harbour"]))
    real = live.app.test_client().get("/feeds/default/submissions.atom").get_data()
    check_feed(real, shown)
    assert b"<title>a plain tip about the harbour</title>" in real
    broken = real.replace(b"<title>a plain tip about the harbour</title>",
                          b'<title><img xmlns="http://www.w3.org/1999/xhtml" src="x" '
                          b'onerror="alert(1)"/></title>')
    with pytest.raises(AssertionError, match="element"):
        check_feed(broken, shown)
    page.route(f"{live.url}/control.atom", lambda route: route.fulfill(
        status=200, body=broken, content_type="application/atom+xml"))
    assert runs_script(page, watch, f"{live.url}/control.atom")
    assert not runs_script(page, watch, f"{live.url}/feeds/default/submissions.atom")


def test_feeds_and_submissions_json_keep_every_payload_text(desk):
    live, page, watch = desk
    planned = plan_items(list(payloads()))
    round_size = FEED_SIZE * len(KINDS)
    assert len(planned) > round_size  # more than one round: unpublished items leave the feeds
    client, bad = live.app.test_client(), []
    for start in range(0, len(planned), round_size):
        shown = publish(live.app, planned[start:start + round_size])
        urls = []
        for kind in KINDS:
            path = f"/feeds/default/submissions.atom?kind={kind}"
            response = client.get(path)
            assert response.status_code == 200 and response.mimetype == "application/atom+xml"
            check_feed(response.get_data(), {i: s for i, s in shown.items() if s["kind"] == kind})
            urls.append(path)
        urls += check_json(client, shown)
        firsts = {s["kind"]: i for i, s in reversed(shown.items())}  # one status page a kind
        urls += [f"/status/{tokens.status_token(live.app.secret_key, i)}" for i in firsts.values()]
        bad += [url for url in urls if runs_script(page, watch, live.url + url)]
        unpublish(live.app, shown)
    assert bad == [], f"script ran on {bad}"
