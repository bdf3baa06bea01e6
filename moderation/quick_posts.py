"""Readers' comment posts, taken before Flask is involved when nothing about them needs
more than the intake functions: the busiest write then costs little more than its one
INSERT and its push to the inbox.

Only the plain case is taken here: a JSON POST of a comment without a query string, in
production mode (a worker processes it), within the size limit, to a site in this
process's site cache, from no browser or from one of the site's allowed origins, that
passes every check (intake.check_fields, check_comment) and goes into an existing open
thread in one statement (intake.store_comment). Everything else (a form post, a first
comment on a thread, any error to explain, the database away, the embedded mode) goes
on to the Flask view with the body put back, and the view answers it the long way. The
rate limits are counted here once, and the view is told so (rate_limits.COUNTED) instead of
counting again. The answer is the view's: the same JSON, status URL and headers
(views.context, cors, security)."""
import io

from flask import Flask

from moderation import intake, tokens
from moderation.ready_pages import comments_path
from moderation.web import cors, parsing, rate_limits, security
from moderation.web.context import make_context
from workers.tasks import enqueue


class QuickPosts:
    def __init__(self, app: Flask, wsgi_app):
        self.app, self.wsgi_app = app, wsgi_app
        self.sites = app.extensions["site_cache"]
        self.limits: rate_limits.IntakeLimits = app.extensions["intake_limits"]
        self.engine = app.extensions["autocommit"]

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] == "POST" and not self.app.config["CELERY"]["task_always_eager"]:
            keys = comments_path(environ)
            if keys is not None:
                answer = self._take(environ, *keys)
                if answer is not None:
                    status, headers, body = answer
                    start_response(status, headers)
                    return [body]
        return self.wsgi_app(environ, start_response)

    def _take(self, environ, site_key: str, thread_key: str):
        """The view's answer for a post taken here, or None (the body put back) to let
        the view answer it."""
        if environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower() != "application/json" \
                or environ.get("QUERY_STRING"):  # a post has none: parsing.check_url judges it
            return None
        try:
            length = int(environ.get("CONTENT_LENGTH") or "")
        except ValueError:
            return None
        if self.app.config["TRUSTED_HOSTS"] is not None or self.app.subdomain_matching \
                or self.app.url_map.host_matching:
            return None  # Flask checks the host first
        site = self.sites.peek(site_key)
        limit = self.app.config["MAX_CONTENT_LENGTH"]
        if site is None or length < 0 or (limit is not None and length > limit):
            return None
        origin = environ.get("HTTP_ORIGIN")
        if origin is not None and origin.rstrip("/") not in cors.allowed_origins(
                site, self.app.config["MODERATION_DEFAULT_ORIGINS"]):
            return None  # the view knows our own origin and refuses the others
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)  # for the view, if it answers after all
        try:
            data = parsing.read_json(body)
        except intake.IntakeError:
            return None
        ip = environ.get("REMOTE_ADDR") or ""
        if self.limits.enabled:
            email = data.get("author_email")
            exceeded = self.limits.hit(ip, email if isinstance(email, str) else "")
            environ[rate_limits.COUNTED] = exceeded
            if exceeded is not None:
                return None
        try:
            intake.check_fields(data, intake.COMMENT_FIELDS)
            comment = intake.check_comment(thread_key, data)
        except intake.IntakeError:
            return None
        context = make_context(self.app.secret_key, data.get("form_token"), data.get("website"),
                               ip=ip, user_agent=environ.get("HTTP_USER_AGENT", ""),
                               referrer=environ.get("HTTP_REFERER", ""))
        try:
            item_id = intake.store_comment(self.engine, site.id, comment, context)
        except Exception:  # the database is away: the view answers as it does then (503)
            return None
        if item_id is None:
            return None
        return self._accepted(environ, item_id, origin)

    def _accepted(self, environ, item_id: int, origin: str | None):
        enqueue(item_id, self.app)
        token = tokens.status_token(self.app.secret_key, item_id)
        urls = self.app.url_map.bind_to_environ(  # as Flask binds them for url_for
            environ, server_name=self.app.config["SERVER_NAME"],
            subdomain=self.app.url_map.default_subdomain or "")
        body = self.app.json.response(
            id=item_id, status="received", status_token=token,
            status_url=urls.build("submit.status", {"token": token}, force_external=True)).get_data()
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                   ("Vary", "Origin"), *(cors.headers(origin) if origin is not None else ()),
                   *security.headers_for("application/json", environ["PATH_INFO"],
                                         environ.get("wsgi.url_scheme") == "https")]
        return "202 ACCEPTED", headers, body
