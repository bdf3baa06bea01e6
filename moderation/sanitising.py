"""Reader text to safe HTML: the only module that imports bleach or nh3.

bleach cleans and linkifies in one pass (its Cleaner with LinkifyFilter; two passes
mis-link some inputs). bleach 6.4 is its last release, so its output then goes through
nh3 (ammonia, maintained) with the same allow-list as a safety net.
"""
import html
import re
from functools import cache, partial
from html import escape as html_escape
from urllib.parse import urlsplit

import bleach
import nh3
from bleach.html5lib_shim import allowed_protocols as LINKIFY_PROTOCOLS
from bleach.linkifier import TLDS, LinkifyFilter

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

# Deeper than this, an allowed tag is dropped (its text stays): html5lib checks the open
# elements for every start tag, so 10,000 nested <ul> cost seconds; no article needs 20.
MAX_DEPTH = 20
VOID = frozenset({"br", "hr"})
# bleach spends 10-25 us on every tag, entity, stray "<", line break and link, however
# shallow. Past this many, the text is shown as plain text (escaped, with its paragraphs
# and line breaks, no links), which costs microseconds: 40,000 characters of "<" or of
# one-letter lines would otherwise cost a worker half a second. Links are counted by
# their dots ("x.com"), which prose rarely has.
MARKUP_MAX = 1000
_MARKUP = re.compile(r"[<&\n]|\.\w")


def _alternatives(words) -> str:
    """Words as a regex alternation grouped by first letter, longest first in each group,
    so a failed top-level domain costs a few comparisons, not one per domain."""
    groups: dict[str, list[str]] = {}
    for word in sorted(set(words), key=len, reverse=True):
        groups.setdefault(word[0], []).append(re.escape(word[1:]))
    return "|".join(f"{re.escape(first)}(?:{'|'.join(rests)})" for first, rests in groups.items())


# bleach's own link pattern, made linear: a domain starts only where a chain of labels
# starts (bleach's tries every word boundary, so "a-a-a-..." is rescanned from each), and
# a run of "(" is tried once, from its first. Otherwise the same: scheme, user, labels,
# its top-level domains (longest first, so .com is not taken as .co), port, path.
URL_RE = re.compile(
    r"""(?<!\()\(*\b(?<![@.])(?:(?:{0}):/{{0,3}}(?:(?:\w+:)?\w+@)?)?
    (?<![\w-])([\w-]+\.)+(?:{1})(?:\:[0-9]+)?(?!\.\w)\b
    (?:[/?][^\s\{{\}}\|\\\^`<>"]*)?""".format(
        "|".join(sorted(LINKIFY_PROTOCOLS)), _alternatives(TLDS)),
    re.IGNORECASE | re.VERBOSE | re.UNICODE)

# What html5lib reads as one unit, in order, so a "</ul>" inside a comment or an
# attribute value is not taken for an end tag: a comment, a bogus comment (<!..>, <?..>,
# </ followed by a non-letter), or a tag with its attributes up to the ">" outside quotes.
# Every alternative ends at ">" or at the end of the text, so none can fail after a
# scan and be retried from a later "<": one pass over the text.
_HTML_UNIT = re.compile(r"""<!--(?:-?>|.*?(?:--!?>|\Z))
    |<[!?][^>]*(?:>|\Z)
    |</(?![A-Za-z])[^>]*(?:>|\Z)
    |<(/?)([A-Za-z][^\s/>]*)(?:[^>"'=]|=\s*(?:"[^"]*(?:"|\Z)|'[^']*(?:'|\Z))|[="'])*(?:>|\Z)""",
                     re.S | re.X)


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
        filters=[partial(LinkifyFilter, callbacks=[_set_rel], skip_tags={"pre", "code"},
                         url_re=URL_RE)])


def clean(text: str, kind: str) -> str:
    """Return safe HTML for `text` under `kind`'s allow-list; plain line breaks are kept.
    Allowed tags nested deeper than MAX_DEPTH are dropped (their text is kept); text with
    more than MARKUP_MAX tags, entities and line breaks is shown as escaped plain text."""
    prepared = _paragraphs(text)
    if len(_MARKUP.findall(prepared)) > MARKUP_MAX:
        # Escaped text inside our own <p> and <br> holds no markup of the reader's, so
        # there is nothing left for nh3 to catch (which would take 15-30 ms here).
        return _paragraphs(html.escape(text, quote=False))
    safe = _cleaner(kind).clean(_bounded(prepared, ALLOWED_TAGS[kind] - VOID))
    return nh3.clean(safe, tags=set(ALLOWED_TAGS[kind]), attributes={"a": {"href", "rel"}},
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


def _bounded(text: str, nesting: frozenset[str]) -> str:
    """`text` without the tags of `nesting` that would open deeper than MAX_DEPTH, nor
    their end tags. Linear: one regex pass, and a stack whose entries are each popped
    once (per name, where its latest open element is)."""
    stack: list[tuple[str, bool]] = []  # (name, kept), outermost first
    where: dict[str, list[int]] = {}  # name -> its indexes in stack
    kept = 0
    drop: list[tuple[int, int]] = []
    for match in _HTML_UNIT.finditer(text):
        name = (match.group(2) or "").lower()
        if name not in nesting:
            continue
        if not match.group(1):  # a start tag
            keep = kept < MAX_DEPTH
            where.setdefault(name, []).append(len(stack))
            stack.append((name, keep))
            kept += keep
        elif where.get(name):  # an end tag closes its latest element and those inside
            target = where[name][-1]
            keep = stack[target][1]
            while len(stack) > target:
                inner, inner_kept = stack.pop()
                where[inner].pop()
                kept -= inner_kept
        else:
            continue
        if not keep:
            drop.append(match.span())
    if not drop:
        return text
    pieces, at = [], 0
    for start, end in drop:
        pieces.append(text[at:start])
        at = end
    pieces.append(text[at:])
    return "".join(pieces)
