"""Every public XSS payload, through the sanitiser of each allow-list: the output has only
allowed tags, no event handler or style attribute, and links only to http(s)/mailto."""
from html.parser import HTMLParser

from moderation.sanitising import ALLOWED_TAGS, clean
from tests.xss_corpus import payloads


class Audit(HTMLParser):
    def __init__(self, allowed):
        super().__init__(convert_charrefs=True)
        self.allowed, self.problems = allowed, []

    def handle_starttag(self, tag, attrs):
        if tag not in self.allowed:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            if tag == "a" and name == "href":
                scheme = (value or "").split(":", 1)[0].lower() if ":" in (value or "") else ""
                if scheme not in ("http", "https", "mailto"):
                    self.problems.append(f"href {value!r}")
            elif not (tag == "a" and name == "rel"):
                self.problems.append(f"attribute {name}")

    def handle_comment(self, data):
        self.problems.append("comment")


def test_corpus_is_large():
    assert len(payloads()) > 7000


def test_every_payload_comes_out_clean():
    failures = []
    for kind in ("comment", "press_release"):
        for payload in payloads():
            audit = Audit(ALLOWED_TAGS[kind])
            audit.feed(clean(payload, kind))
            audit.close()
            if audit.problems:
                failures.append((kind, payload, audit.problems))
    assert failures == []
