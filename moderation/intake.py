"""Building a `received` item from what a reader sent. Every field is checked (with
moderation/fields.py), and an IntakeError names the first bad one; nothing is added to
the session until all fields are good, so a rejected request stores nothing."""
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from moderation.community import standing
from moderation.fields import (
    ANTI_SPAM_FIELDS,
    BODY_MAX,
    THREAD_KEY,
    TITLE_MAX,
    URL_MAX,
    Checker,
    IntakeError,
    client_ip,
    field_max,
    fold_email,
    ip_prefix,
    storable,
)
from moderation.sites import SiteInfo
from moderation.spam.signals import body_hash
from moderation.store import SUBMISSION_KINDS, Item, Site, SpentFormToken, Thread, utcnow
from moderation.tokens import FormToken

# Every field POST .../comments takes (openapi.py's NewComment lists the same): the
# comment's own, then the anti-spam pair, and `nudged` ("1": the reader was asked to
# reconsider it and sends it anyway, toxicity/nudge.py). Anything else is refused, so a
# misspelt field is not lost quietly.
NUDGED = "nudged"
COMMENT_FIELDS = ("author_name", "author_email", "body", "parent_id", "thread_url",
                  "thread_title", "notify_replies", "reader_token", *ANTI_SPAM_FIELDS, NUDGED)
YES = ("1", "true", "on", "yes", True)

# kind -> {field: (type, required)}; types are checked by _field() below.
KIND_FIELDS: dict[str, dict[str, tuple[str, bool]]] = {
    "news": {"source_url": ("url", False)},
    "deal": {"merchant": ("line", True), "link": ("url", True), "price": ("price", False),
             "coupon_code": ("line", False), "expires_on": ("date", False)},
    "column": {"author_bio": ("text", False)},
    "press_release": {"organisation": ("line", True), "media_contact": ("line", True),
                      "release_date": ("date", False), "embargo_until": ("datetime", False)},
}


@dataclass(frozen=True)
class Context:
    ip: str = ""
    user_agent: str = ""
    referrer: str = ""
    form_token: FormToken | None = None  # valid and signed; intake accepts it once
    honeypot: str = ""
    # The folded address a valid reader token vouched for (community/readers.py), or "".
    verified_email: str = ""


def find_site(session: Session, key: "str | Site | SiteInfo") -> "Site | SiteInfo":
    """The site with this key (a site the caller already loaded is returned as is)."""
    if not isinstance(key, str):
        return key
    site = session.scalar(select(Site).where(Site.key == key))
    if site is None:
        raise IntakeError("site", f"unknown site {key!r}", status=404)
    return site


@dataclass(frozen=True)
class CheckedComment:
    """A comment whose every field passed its checks, ready to store."""
    thread_key: str
    thread_url: str
    thread_title: str
    parent_id: int | None
    body: str
    author_name: str
    author_email: str
    notify_replies: bool = False


def check_comment(thread_key: str, data: Mapping[str, object]) -> CheckedComment:
    """Check every field of a comment (no database needed); raises IntakeError."""
    if not THREAD_KEY.fullmatch(thread_key):
        raise IntakeError("thread", "thread key must be 1-200 visible characters")
    check = Checker(data)
    author = check.author()
    body = check.text("body", BODY_MAX["comment"], required=True, label="Your comment")
    thread_url = check.text("thread_url", URL_MAX, kind="url")
    thread_title = check.text("thread_title", TITLE_MAX, kind="line")
    notify = data.get("notify_replies") in YES
    if data.get(NUDGED) not in (None, "", "0", "1"):
        check.errors[NUDGED] = 'nudged must be "1" (the reader was asked to reconsider) or left out'
    check.raise_any()
    return CheckedComment(thread_key, thread_url, thread_title, _parent_id(data), body,
                          notify_replies=notify, **author)


def check_thread_url(url: str, origins: Collection[str]) -> None:
    """Raise IntakeError unless the URL is a page on one of `origins` (a thread's URL is
    shown beside its comments and sent to the CMS: it must be the site's own page)."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    if origin not in {o.rstrip("/") for o in origins}:
        raise IntakeError("thread_url", f"thread_url must be a page of this site; {origin} is "
                                        "not one of its allowed origins (see /admin/sites)")


def receive_comment(session: Session, site_key: str | Site, thread_key: str,
                    data: Mapping[str, object] | CheckedComment, context: Context,
                    origins: Collection[str] = ()) -> Item:
    """Add a received comment (and its thread on first comment); raises IntakeError. The
    thread URL and title it proposes are kept with the item, and given to the thread
    only when a comment of it is approved (threads.adopt); the URL must be on the site's
    allowed origins or `origins` (the install's defaults and our own)."""
    site = find_site(session, site_key)
    comment = data if isinstance(data, CheckedComment) else check_comment(thread_key, data)
    if comment.thread_url:
        check_thread_url(comment.thread_url, [*site.allowed_origins, *origins])
    standing.check(session, site.id, comment.author_email, ip_prefix(context.ip))
    parent_id = comment.parent_id
    thread = session.scalar(select(Thread).where(Thread.site_id == site.id,
                                                 Thread.key == comment.thread_key))
    if thread is not None and not thread.is_open:
        raise IntakeError("thread", "comments on this article are closed", status=409)
    if parent_id is not None:
        parent = session.get(Item, parent_id)
        if parent is None or thread is None or parent.thread_id != thread.id \
                or parent.status != "approved":
            raise IntakeError("parent_id", "parent_id is not a published comment of this thread")
    if thread is None:
        thread = create_thread(session, site.id, comment.thread_key)
    proposed = {name: value for name, value in (("thread_url", comment.thread_url),
                                                ("thread_title", comment.thread_title)) if value}
    item = Item(site_id=site.id, kind="comment", thread=thread, parent_id=parent_id,
                fields=proposed, body_raw=comment.body, body_hash=body_hash(comment.body),
                author_name=comment.author_name, author_email=comment.author_email,
                notify_replies=comment.notify_replies, **_context(session, context, comment.author_email))
    thread.first_comment_at = thread.first_comment_at or item.created_at
    session.add(item)
    return item


def receive_submission(session: Session, site_key: str | Site, kind: str,
                       data: Mapping[str, object], context: Context) -> Item:
    """Add a received news tip, deal, column or press release; raises IntakeError."""
    if kind not in SUBMISSION_KINDS:
        raise IntakeError("kind", f"unknown kind {kind!r}; use one of {', '.join(SUBMISSION_KINDS)}",
                          status=404)
    site = find_site(session, site_key)
    check = Checker(data)
    author = check.author()
    title = check.text("title", TITLE_MAX, required=True, kind="line")
    body = check.text("body", BODY_MAX[kind], required=True)
    fields = {}
    for name, (type_, required) in KIND_FIELDS[kind].items():
        value = check.text(name, field_max(type_), required=required, kind=type_)
        if value:
            fields[name] = value
    check.raise_any()
    standing.check(session, site.id, author["author_email"], ip_prefix(context.ip))
    item = Item(site_id=site.id, kind=kind, title=title, body_raw=body, fields=fields,
                body_hash=body_hash(body), **author, **_context(session, context, author["author_email"]))
    session.add(item)
    return item


def _form_time(session: Session, token: FormToken | None) -> datetime | None:
    """When the form of this post was served, if its token was not used before; the
    token is then spent, in the post's own transaction (so a post that fails spends
    nothing). A reused token counts as none: one fetched token cannot time a flood.
    A concurrent post with the same token waits on the row and finds it spent."""
    if token is None:
        return None
    try:
        with session.begin_nested():
            session.add(SpentFormToken(nonce=token.nonce, spent_at=utcnow()))
    except IntegrityError:
        return None
    return token.served_at


def _context(session: Session, context: Context, email: str) -> dict:
    return {"ip": storable(client_ip(context.ip))[:45], "ip_prefix": ip_prefix(context.ip),
            "user_agent": storable(context.user_agent)[:500],
            "referrer": storable(context.referrer)[:2000],
            "form_served_at": _form_time(session, context.form_token),
            "honeypot": storable(context.honeypot)[:500], "created_at": utcnow(),
            # Trust rests on a reader token for this very address, never on the address.
            "verified_reader": bool(email and context.verified_email
                                    and fold_email(email) == context.verified_email)}


def _parent_id(data: Mapping[str, object]) -> int | None:
    value = data.get("parent_id")
    if value in (None, ""):
        return None
    if isinstance(value, str) and re.fullmatch(r"[0-9]+", value.strip()):
        # Form fields arrive as strings. ASCII digits only (str.isdigit() takes "²", which
        # int() refuses), and no int() of thousands of digits, which Python refuses too.
        value = int(value) if len(value.strip()) <= 20 else 2**63
    if isinstance(value, bool) or not isinstance(value, int):
        raise IntakeError("parent_id", "parent_id must be a whole number")
    parent_id = value
    if not 0 < parent_id < 2**63:
        raise IntakeError("parent_id", "parent_id is out of range")
    return parent_id


def create_thread(session: Session, site_id: int, key: str) -> Thread:
    """Create the thread (no URL or title yet), or take the one a concurrent first
    comment just created."""
    try:
        with session.begin_nested():
            thread = Thread(site_id=site_id, key=key, url="", title="")
            session.add(thread)
        return thread
    except IntegrityError:
        return session.scalars(select(Thread).where(Thread.site_id == site_id,
                                                    Thread.key == key)).one()
