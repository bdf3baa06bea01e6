"""Reading what a client sent, strictly: URLs, form fields and JSON bodies must be
well-formed UTF-8 text, or the request is refused with a 400 naming the problem before
any view sees it. Werkzeug and the json module are lenient by default (invalid UTF-8
becomes U+FFFD or `%FF`, a malformed form becomes an empty one, a repeated JSON key
silently wins, NaN is accepted); each leniency would let a mangled value be stored as if
a reader had typed it, and a NUL in a URL reaches PostgreSQL, which cannot hold it."""
import json
from urllib.parse import unquote_to_bytes

from flask import Flask, Request, g, request
from werkzeug.exceptions import UnsupportedMediaType
from werkzeug.formparser import FormDataParser

from moderation.intake import IntakeError, client_ip

JSON_NUMBER_DIGITS = 20  # more than any id or amount we take; int() of 5,000 digits fails


def register(app: Flask) -> None:
    app.request_class = StrictRequest
    app.before_request(check_url)
    app.before_request(normalise_client_address)


def normalise_client_address() -> None:
    """The client's address as everything after this reads it (rate limits, the login
    limit, a post's context): an IPv4-mapped IPv6 address is the IPv4 address."""
    raw = request.remote_addr or ""
    address = client_ip(raw)
    if address != raw:
        request.environ["REMOTE_ADDR"] = request.remote_addr = address


def check_url() -> None:
    """Refuse a path or query string that is not UTF-8 or holds a NUL: Werkzeug would
    replace the bad bytes, and a NUL in a key cannot be looked up in PostgreSQL."""
    environ = request.environ
    path, query = environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", "")
    if not (path.isascii() and "\x00" not in path):  # WSGI strings are bytes as latin-1
        _decode(path.encode("latin-1", "replace"), "path", "the URL path")
    if query.isascii() and "%" not in query:  # nothing escaped: nothing to check
        return
    for pair in query.encode("latin-1", "replace").split(b"&"):
        name, _, value = (unquote_to_bytes(part.replace(b"+", b" "))
                          for part in pair.partition(b"="))
        name = _decode(name, None, "a query parameter name")[:80]
        _decode(value, name, f"query parameter {name}")


def posted_fields() -> dict:
    """The body's fields, from a JSON object or a form, read strictly once per request:
    the outcome (the fields or the error) is kept for whoever asks next (the rate limits,
    then the view), since the body can be read only once. IntakeError(400) for a body
    that is not well-formed, UnsupportedMediaType (415) for another content type."""
    if "posted_fields" not in g:
        try:
            g.posted_fields = _read_fields()
        except (IntakeError, UnsupportedMediaType) as exc:
            g.posted_fields = exc
    if isinstance(g.posted_fields, Exception):
        raise g.posted_fields
    return g.posted_fields


def _read_fields() -> dict:
    if request.mimetype == "application/json":
        return read_json(request.get_data(cache=True))
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        repeated = next((name for name, values in request.form.lists() if len(values) > 1), None)
        if repeated is not None:  # as for JSON: which of the two did the sender mean?
            raise IntakeError(repeated[:80], f"the form names {repeated[:80]!r} more than once",
                              status=400)
        return request.form.to_dict()
    raise UnsupportedMediaType(f"send application/json or form fields, not "
                               f"{request.mimetype[:80] or 'a body without a Content-Type'}")


def read_json(raw: bytes) -> dict:
    """The body as a JSON object, read strictly: UTF-8 (RFC 8259), no repeated keys, no
    NaN or Infinity, no absurdly long numbers, not nested past Python's recursion limit."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise IntakeError(None, f"the body is not valid UTF-8 (byte {raw[exc.start]:#04x} "
                                f"at position {exc.start})", status=400) from None
    try:
        data = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant,
                          parse_int=_bounded_int)
    except IntakeError:
        raise
    except RecursionError:
        raise IntakeError(None, "the JSON body is nested too deeply", status=400) from None
    except ValueError as exc:
        raise IntakeError(None, f"the body is not valid JSON: {exc}", status=400) from None
    if not isinstance(data, dict):
        raise IntakeError(None, "the JSON body must be an object", status=400)
    return data


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    data = dict(pairs)
    if len(data) != len(pairs):
        seen = set()
        repeated = next(key for key, _ in pairs if key in seen or seen.add(key))
        raise IntakeError(repeated[:80], f"the JSON body names {repeated[:80]!r} more than once",
                          status=400)
    return data


def _no_constant(name: str):
    raise IntakeError(None, f"the body is not valid JSON: {name} is not a JSON number", status=400)


def _bounded_int(digits: str) -> int:
    if len(digits.lstrip("-")) > JSON_NUMBER_DIGITS:
        raise IntakeError(None, f"the body holds a number of {len(digits)} digits; "
                                f"at most {JSON_NUMBER_DIGITS}", status=400)
    return int(digits)


def _decode(raw: bytes, field: str | None, what: str) -> str:
    """UTF-8 text without NUL, or IntakeError(400) naming `what`."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise IntakeError(field, f"{what} is not valid UTF-8 (byte {raw[exc.start]:#04x})",
                          status=400) from None
    if "\x00" in text:
        raise IntakeError(field, f"{what} contains a NUL character", status=400)
    return text


class StrictFormParser(FormDataParser):
    """Form bodies decoded strictly: a field that is not UTF-8 is named in a 400, and a
    malformed body is a 400 rather than an empty form."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{**kwargs, "silent": False})

    def parse(self, stream, mimetype, content_length, options=None):
        try:
            stream, form, files = super().parse(stream, mimetype, content_length, options)
        except IntakeError:
            raise
        except ValueError as exc:  # no boundary, a truncated multipart body, ...
            raise IntakeError(None, f"the form body is malformed: {exc}", status=400) from None
        if mimetype == "multipart/form-data":
            # Werkzeug decodes multipart fields with errors="replace"; U+FFFD is the trace.
            for name, value in form.items(multi=True):
                if "\ufffd" in value:
                    raise IntakeError(name, f"form field {name} is not valid UTF-8", status=400)
        return stream, form, files

    def _parse_urlencoded(self, stream, mimetype, content_length, options):
        fields = []
        for pair in stream.read().split(b"&"):
            if not pair:
                continue
            raw_name, _, raw_value = pair.partition(b"=")
            name = _form_text(raw_name, None, "a form field name")
            fields.append((name, _form_text(raw_value, name, f"form field {name}")))
        return stream, self.cls(fields), self.cls()


def _form_text(raw: bytes, field: str | None, what: str) -> str:
    try:
        return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        raise IntakeError(field, f"{what} is not valid UTF-8", status=400) from None


class StrictRequest(Request):
    form_data_parser_class = StrictFormParser
