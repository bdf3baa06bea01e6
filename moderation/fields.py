"""Checking what a reader sent, one field at a time: text, lines, emails, URLs, prices,
dates. An IntakeError names the first bad field (and collects every one, so a form can
show them all); nothing here touches the database."""
import ipaddress
import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email

NAME_MAX, EMAIL_MAX, TITLE_MAX, URL_MAX, SHORT_MAX = 80, 254, 200, 2000, 200
BODY_MAX = {"comment": 5000, "news": 20000, "deal": 5000, "column": 40000,
            "press_release": 40000}
THREAD_KEY = re.compile(r"[^\x00-\x20\x7f]{1,200}")
# C0 and C1 controls but tab and newlines: never typed, and some (NEL) split mail headers.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
LINE_BREAK = re.compile(r"[\r\n\u2028\u2029]")
# A lone surrogate (JSON allows "\ud800") is not text: no database can store it.
SURROGATE = re.compile(r"[\ud800-\udfff]")
# The anti-spam pair the embed sends with a comment (GET .../form-token names the honeypot).
ANTI_SPAM_FIELDS = ("form_token", "website")


class IntakeError(ValueError):
    """Bad input; `field` names the first bad field (None for the request as a whole)
    and `errors` maps every bad field to its message."""

    def __init__(self, field: str | None, message: str, status: int = 422,
                 errors: dict[str, str] | None = None):
        super().__init__(message)
        self.field, self.message, self.status = field, message, status
        self.errors = errors if errors is not None else ({field: message} if field else {})


class Checker:
    """Checks fields one by one, collecting every error so a form can show them all."""

    def __init__(self, data: Mapping[str, object]):
        self.data, self.errors = data, {}

    def text(self, field: str, max_length: int, **options) -> str:
        """The field checked (options: required, kind, label), or "" with its error kept."""
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


def field_max(type_: str) -> int:
    return {"line": SHORT_MAX, "text": SHORT_MAX * 10}.get(type_, URL_MAX)


def fold_email(email: str) -> str:
    """An address as one reader's: case and surrounding space folded, a +tag dropped
    (one mailbox, many addresses)."""
    local, _, domain = email.strip().lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}" if local else domain


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


def storable(value: str) -> str:
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


# How a reader knows the fields they fill in: the words of the errors they read.
LABELS = {"body": "Your text", "author_name": "Your name", "author_email": "Your email address",
          "title": "The title", "note": "The note"}


def _text(data: Mapping[str, object], field: str, max_length: int, *, required: bool = False,
          kind: str = "text", label: str = "") -> str:
    """The field as stripped text, checked for type, length and format."""
    label = label or LABELS.get(field, field)
    value = data.get(field)
    if value is None or value == "":
        if required:
            raise IntakeError(field, f"{label} is required")
        return ""
    if not isinstance(value, str):
        raise IntakeError(field, f"{field} must be a string")
    if CONTROL.search(value):
        raise IntakeError(field, f"{field} contains control characters")
    if SURROGATE.search(value):
        raise IntakeError(field, f"{field} is not valid Unicode (a lone surrogate)")
    value = value.strip()
    if not value and required:
        raise IntakeError(field, f"{label} must not be empty")
    if len(value) > max_length:
        raise IntakeError(field, f"{label} is too long: {len(value):,} characters; the limit "
                                 f"is {max_length:,}")
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


