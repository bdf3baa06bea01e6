"""Repeated reads of a comment page, answered from its ready bytes before Flask is
involved: the widget's most frequent request then costs about what a hello-world costs.

Only the plain case is answered here: GET of a page this process already built and may
serve unchecked (page_cache.trusted()), of a site it holds in its site cache, with
`limit` and `after` given plainly or not at all, from no browser or from an allowed
origin. Everything else (a first read, a bad argument, an origin to refuse, Redis away)
goes on to the Flask view, which answers the same request the long way and builds the
page this lane serves next time. The headers come from the same functions the view's
hooks use (security.headers_for, cors.headers)."""
import re
from urllib.parse import parse_qsl

from flask import Flask

from moderation.mainsite import embed
from moderation.web import cors, security
from moderation.web.api import CACHE_CONTROL, LIMIT_DEFAULT

# As the view's route matches it; a doubled slash is left to Flask, which redirects it.
PATH = re.compile(r"/api/v1/sites/([^/]+)/threads/([^/].*)/comments")
DIGITS = re.compile(r"[0-9]{1,19}")


class ReadyPages:
    def __init__(self, app: Flask, wsgi_app):
        self.app, self.wsgi_app = app, wsgi_app
        self.cache = app.extensions["page_cache"]
        self.news = app.extensions["thread_news"]
        self.sites = app.extensions["site_cache"]

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] == "GET":
            answer = self._answer(environ)
            if answer is not None:
                status, headers, body = answer
                start_response(status, headers)
                return [body]
        return self.wsgi_app(environ, start_response)

    def _answer(self, environ):
        keys = comments_path(environ)
        if keys is None or not self.news.trusted():
            return None
        site_key, thread_key = keys
        query = _page_query(environ.get("QUERY_STRING", ""))
        site = self.sites.peek(site_key)
        if query is None or site is None:
            return None
        page = embed.cached_page(self.cache, site_key, thread_key, *query)
        origin = environ.get("HTTP_ORIGIN")
        if page is None or (origin is not None and origin.rstrip("/")
                            not in cors.allowed_origins(site, self.app.config["MODERATION_DEFAULT_ORIGINS"])):
            return None  # the view knows our own origin and refuses the others
        headers = [("ETag", f'"{page.etag}"'), ("Cache-Control", CACHE_CONTROL),
                   ("Vary", "Origin"), *(cors.headers(origin) if origin else ()),
                   *security.headers_for("application/json", environ["PATH_INFO"],
                                         environ.get("wsgi.url_scheme") == "https")]
        tags = _tags(environ.get("HTTP_IF_NONE_MATCH", ""))
        if "*" in tags:
            return None
        if page.etag in tags:
            return "304 NOT MODIFIED", headers, b""
        return "200 OK", [("Content-Type", "application/json"),
                          ("Content-Length", str(len(page.body))), *headers], page.body


def comments_path(environ) -> tuple[str, str] | None:
    """(site key, thread key) of a request for a thread's comments (the lanes' one
    route), None for any other path or one Flask would not route as it is."""
    path = environ.get("PATH_INFO", "")
    match = PATH.fullmatch(path) if "//" not in path else None
    if match is None:
        return None
    try:  # WSGI hands the path over as latin-1; Flask reads it as UTF-8
        site_key, thread_key = (part.encode("latin-1").decode("utf-8") for part in match.groups())
    except UnicodeError:
        return None
    return site_key, thread_key


def _page_query(query: str) -> tuple[int, int] | None:
    """(limit, after) when the query names only those, once each, as plain numbers in
    range; None for anything the view should judge."""
    values = {"limit": LIMIT_DEFAULT, "after": 0}
    seen = set()
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name not in values or name in seen or not DIGITS.fullmatch(value):
            return None
        seen.add(name)
        values[name] = int(value)
    if not 1 <= values["limit"] <= embed.PAGE_MAX or values["after"] > 2**63 - 1:
        return None
    return values["limit"], values["after"]


def _tags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/").strip('"') for tag in header.split(",") if tag.strip()}
