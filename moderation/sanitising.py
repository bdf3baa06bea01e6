"""Reader text to safe HTML: the only module that imports bleach or nh3.

bleach cleans and linkifies in one pass (its Cleaner with LinkifyFilter; two passes
mis-link some inputs). bleach 6.4 is its last release, so its output then goes through
nh3 (ammonia, maintained) with the same allow-list as a safety net.
"""
import re
from functools import cache, partial
from html import escape as html_escape
from urllib.parse import urlsplit

import bleach
import nh3
from bleach.linkifier import LinkifyFilter

LINK_REL = "nofollow ugc noopener"
PROTOCOLS = frozenset({"http", "https", "mailto"})

# Comments are conversation: emphasis, quotes, code and links; no headings or images.
INLINE = frozenset({"a", "b", "strong", "i", "em", "code", "blockquote", "br", "p"})
# Submissions are articles in waiting: paragraphs, lists and headings a CMS can keep.
BLOCK = INLINE | {"h2", "h3", "h4", "ul", "ol", "li", "pre", "hr"}
ALLOWED_TAGS = {"comment": INLINE, "news": BLOCK, "deal": INLINE, "column": BLOCK,
                "press_release": BLOCK}

# Browsers drop tabs and newlines inside URLs, so they only ever hide what a URL is.
_HIDDEN_IN_URL = re.compile(r"[\x00-\x20\x7f]")


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    """Only a link's href, and only absolute http(s)/mailto: no title/style/class that
    could carry script or break layout, and no relative link that would point into the
    page embedding the comment."""
    if tag != "a" or name != "href" or _HIDDEN_IN_URL.search(value.strip()):
        return False
    try:
        return urlsplit(value.strip()).scheme.lower() in PROTOCOLS
    except ValueError:
        return False


def _set_rel(attrs, new=False):
    attrs[(None, "rel")] = LINK_REL
    return attrs


@cache
def _cleaner(kind: str) -> bleach.Cleaner:
    return bleach.Cleaner(
        tags=ALLOWED_TAGS[kind], attributes=_allowed_attribute, protocols=PROTOCOLS, strip=True,
        filters=[partial(LinkifyFilter, callbacks=[_set_rel], skip_tags={"pre", "code"})])


def clean(text: str, kind: str) -> str:
    """Return safe HTML for `text` under `kind`'s allow-list; plain line breaks are kept."""
    html = _cleaner(kind).clean(_paragraphs(text))
    return nh3.clean(html, tags=set(ALLOWED_TAGS[kind]), attributes={"a": {"href", "rel"}},
                     url_schemes=set(PROTOCOLS), link_rel=None, strip_comments=True)


def escaped(text: str) -> str:
    """Text shown as it is, every character escaped, in one paragraph (for an item the
    allow-lists could not clean)."""
    return f"<p>{html_escape(text)}</p>"


_BLOCK_TAG = re.compile(r"<(p|ul|ol|h[1-6]|blockquote|pre|div)\b", re.IGNORECASE)


def _paragraphs(text: str) -> str:
    """Readers mostly type plain text: blank lines become paragraphs, single newlines
    <br>. Text that already has block markup is left to the allow-list."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if _BLOCK_TAG.search(text):
        return text
    blocks = [b.strip().replace("\n", "<br>\n") for b in text.split("\n\n") if b.strip()]
    return "".join(f"<p>{b}</p>" for b in blocks)
