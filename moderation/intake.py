"""Building a `received` item from what a reader sent. Every field is checked here,
and an IntakeError names the first bad one; nothing is added to the session until all
fields are good, so a rejected request stores nothing."""
import ipaddress
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from moderation.sites import SiteInfo
from moderation.spam.signals import body_hash
from moderation.store import SUBMISSION_KINDS, Item, Site, Thread, utcnow

NAME_MAX, EMAIL_MAX, TITLE_MAX, URL_MAX, SHORT_MAX = 80, 254, 200, 2000, 200
BODY_MAX = {"comment": 5000, "news": 20000, "deal": 5000, "column": 40000,
            "press_release": 40000}
THREAD_KEY = re.compile(r"[^\x00-\x20\x7f]{1,200}")
# C0 and C1 controls but tab and newlines: never typed, and some (NEL) split mail headers.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
LINE_BREAK = re.compile(r"[\r\n\u2028\u2029]")
# A lone surrogate (JSON allows "\ud800") is not text: no database can store it.
SURROGATE = re.compile(r"[\ud800-\udfff]")
# Every field POST .../comments takes (openapi.py's NewComment lists the same): the
# comment's own, then the anti-spam pair the embed sends (GET .../form-token names the
# honeypot, `website`), and `nudged` ("1": the reader was asked to reconsider it and
# sends it anyway, toxicity/nudge.py). Anything else is refused, so a misspelt field is
# not lost quietly.
ANTI_SPAM_FIELDS = ("form_token", "website")
NUDGED = "nudged"
COMMENT_FIELDS = ("author_name", "author_email", "body", "parent_id", "thread_url",
                  "thread_title", *ANTI_SPAM_FIELDS, NUDGED)

# kind -> {field: (type, required)}; types are checked by _field() below.
KIND_FIELDS: dict[str, dict[str, tuple[str, bool]]] = {
    "news": {"source_url": ("url", False)},
    "deal": {"merchant": ("line", True), "link": ("url", True), "price": ("price", False),
             "coupon_code": ("line", False), "expires_on": ("date", False)},
    "column": {"author_bio": ("text", False)},
    "press_release": {"organisation": ("line", True), "media_contact": ("line", True),
                      "release_date": ("date", False), "embargo_until": ("datetime", False)},
}


class IntakeError(ValueError):
    """Bad input; `field` names the first bad field (None for the request as a whole)
    and `errors` maps every bad field to its message."""

    def __init__(self, field: str | None, message: str, status: int = 422,
                 errors: dict[str, str] | None = None):
        super().__init__(message)
        self.field, self.message, self.status = field, message, status
        self.errors = errors if errors is not None else ({field: message} if field else {})


class _Checker:
    """Checks fields one by one, collecting every error so a form can show them all."""

    def __init__(self, data: Mapping[str, object]):
        self.data, self.errors = data, {}

    def text(self, field: str, max_length: int, **options) -> str:
        try:
            return _text(self.data, field, max_length, **options)
        except IntakeError as exc:
            self.errors.setdefault(field, exc.message)
            return ""

    def author(self) -> dict:
        name = self.text("author_name", NAME_MAX, required=True, kind="line")
        email = self.text("author_email", EMAIL_MAX, required=True, kind="email")
        return {"author_name": name, "author_email": email}

    def raise_any(self) -> None:
        if self.errors:
            field, message = next(iter(self.errors.items()))
            raise IntakeError(field, message, errors=self.errors)


@dataclass(frozen=True)
class Context:
    ip: str = ""
    user_agent: str = ""
    referrer: str = ""
    form_served_at: datetime | None = None
    honeypot: str = ""


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


def check_comment(thread_key: str, data: Mapping[str, object]) -> CheckedComment:
    """Check every field of a comment (no database needed); raises IntakeError."""
    if not THREAD_KEY.fullmatch(thread_key):
        raise IntakeError("thread", "thread key must be 1-200 visible characters")
    check = _Checker(data)
    author = check.author()
    body = check.text("body", BODY_MAX["comment"], required=True)
    thread_url = check.text("thread_url", URL_MAX, kind="url")
    thread_title = check.text("thread_title", TITLE_MAX, kind="line")
    check.raise_any()
    return CheckedComment(thread_key, thread_url, thread_title, _parent_id(data), body, **author)


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
    parent_id = comment.parent_id
    thread = session.scalar(select(Thread).where(Thread.site_id == site.id,
                                                 Thread.key == comment.thread_key))
    if thread is not None and not thread.is_open:
        raise IntakeError("thread", "this thread is closed to new comments", status=409)
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
                **_context(context))
    session.add(item)
    return item


def receive_submission(session: Session, site_key: str | Site, kind: str,
                       data: Mapping[str, object], context: Context) -> Item:
    """Add a received news tip, deal, column or press release; raises IntakeError."""
    if kind not in SUBMISSION_KINDS:
        raise IntakeError("kind", f"unknown kind {kind!r}; use one of {', '.join(SUBMISSION_KINDS)}",
                          status=404)
    site = find_site(session, site_key)
    check = _Checker(data)
    author = check.author()
    title = check.text("title", TITLE_MAX, required=True, kind="line")
    body = check.text("body", BODY_MAX[kind], required=True)
    fields = {}
    for name, (type_, required) in KIND_FIELDS[kind].items():
        value = check.text(name, field_max(type_), required=required, kind=type_)
        if value:
            fields[name] = value
    check.raise_any()
    item = Item(site_id=site.id, kind=kind, title=title, body_raw=body, fields=fields,
                body_hash=body_hash(body), **author, **_context(context))
    session.add(item)
    return item


def field_max(type_: str) -> int:
    return {"line": SHORT_MAX, "text": SHORT_MAX * 10}.get(type_, URL_MAX)


@lru_cache(maxsize=8192)
def client_ip(raw: str) -> str:
    """The client's address as we key and store it: an IPv4 client seen through an IPv6
    socket (`::ffff:192.0.2.7`) is that IPv4 address, so it gets the rate-limit bucket,
    network and history of any other IPv4 client, not one shared by all of them."""
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw
    if address.version == 6 and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return raw


@lru_cache(maxsize=8192)  # a reader posts from the same address again and again
def ip_prefix(ip: str) -> str:
    """The /24 of an IPv4 address or the /48 of an IPv6 one; "" when it is not an IP."""
    try:
        address = ipaddress.ip_address(client_ip(ip))
    except ValueError:
        return ""
    bits = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{bits}", strict=False))


def _context(context: Context) -> dict:
    return {"ip": _storable(client_ip(context.ip))[:45], "ip_prefix": ip_prefix(context.ip),
            "user_agent": _storable(context.user_agent)[:500],
            "referrer": _storable(context.referrer)[:2000],
            "form_served_at": context.form_served_at,
            "honeypot": _storable(context.honeypot)[:500], "created_at": utcnow()}


def _storable(value: str) -> str:
    """Context as evidence, kept whatever a bot sent, less what no database can hold
    (PostgreSQL refuses NUL in text; nothing encodes a lone surrogate)."""
    if "\x00" in value or SURROGATE.search(value):
        return SURROGATE.sub("\ufffd", value.replace("\x00", "\ufffd"))
    return value


def check_fields(data: Mapping[str, object], allowed: tuple[str, ...]) -> None:
    """Raise IntakeError(422) naming the first field that is not in `allowed`, or an
    anti-spam field that is not plain text (a honeypot sent as a list must not pass as
    empty; the other fields get the same checks from _text when they are read)."""
    for name, value in data.items():
        if name not in allowed:
            shown = name[:80]
            raise IntakeError(shown, f"unknown field {shown!r}; the fields taken here are "
                                     f"{', '.join(allowed)}")
        if name == NUDGED and value not in (None, "", "0", "1"):
            raise IntakeError(name, 'nudged must be "1" (the reader was asked to reconsider) '
                                    'or left out')
        if name in ANTI_SPAM_FIELDS and value is not None:
            if not isinstance(value, str):
                raise IntakeError(name, f"{name} must be a string")
            if CONTROL.search(value) or SURROGATE.search(value):
                raise IntakeError(name, f"{name} contains control characters")


def check_field(field: str, value: object, max_length: int, *, kind: str = "text",
                required: bool = False) -> str:
    """One value checked as a reader's field of that kind ("line", "url", "email"...) is:
    stripped text, or IntakeError naming the field."""
    return _text({field: value}, field, max_length, required=required, kind=kind)


def _text(data: Mapping[str, object], field: str, max_length: int, *, required: bool = False,
          kind: str = "text") -> str:
    """The field as stripped text, checked for type, length and format."""
    value = data.get(field)
    if value is None or value == "":
        if required:
            raise IntakeError(field, f"{field} is required")
        return ""
    if not isinstance(value, str):
        raise IntakeError(field, f"{field} must be a string")
    if CONTROL.search(value):
        raise IntakeError(field, f"{field} contains control characters")
    if SURROGATE.search(value):
        raise IntakeError(field, f"{field} is not valid Unicode (a lone surrogate)")
    value = value.strip()
    if not value and required:
        raise IntakeError(field, f"{field} must not be empty")
    if len(value) > max_length:
        raise IntakeError(field, f"{field} is too long ({len(value)} characters; at most {max_length})")
    if kind != "text" and LINE_BREAK.search(value):
        raise IntakeError(field, f"{field} must be a single line")
    if value and kind in CHECKS:
        value = CHECKS[kind](field, value)
    return value


@lru_cache(maxsize=4096)  # readers come back: their address was checked before
def _email(field: str, value: str) -> str:
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise IntakeError(field, f"{field} is not a valid email address: {exc}") from None


def _url(field: str, value: str) -> str:
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. "http://[" (an unclosed IPv6 address)
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise IntakeError(field, f"{field} must be an http or https URL")
    return value


def _price(field: str, value: str) -> str:
    try:
        amount = Decimal(value.lstrip("$€£ ").replace(",", ""))
    except InvalidOperation:
        raise IntakeError(field, f"{field} must be an amount such as 19.99") from None
    if not amount.is_finite() or amount < 0 or amount > 10_000_000:
        raise IntakeError(field, f"{field} must be between 0 and 10,000,000")
    return value


def _date(field: str, value: str) -> str:
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise IntakeError(field, f"{field} must be a date as YYYY-MM-DD") from None


def _datetime(field: str, value: str) -> str:
    try:
        return datetime.fromisoformat(value).isoformat(timespec="minutes")
    except ValueError:
        raise IntakeError(field, f"{field} must be a date and time as YYYY-MM-DDTHH:MM") from None


CHECKS = {"email": _email, "url": _url, "price": _price, "date": _date, "datetime": _datetime}


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
