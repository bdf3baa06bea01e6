"""Response headers that keep our pages from running or framing anything foreign, and
cookies that never travel in clear text once we are reached over TLS."""
from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

# Our own pages load scripts and styles from us only: no inline script, no inline style.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
# The demo article plays the main site, whose page is not ours to lock down as tightly,
# but it still runs no inline script.
DEMO_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'self'")
HSTS = "max-age=31536000"


def register(app: Flask) -> None:
    hops = app.config.get("MODERATION_PROXY_HOPS", 0)
    if hops:
        # Trust that many proxies' X-Forwarded-For/-Proto: the reader's address for intake
        # and rate limits, https for HSTS and Secure cookies.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    app.session_interface = SessionInterface()

    @app.after_request
    def _headers(response):
        for name, value in headers_for(response.mimetype, request.path, request.is_secure):
            response.headers.setdefault(name, value)
        return response


def headers_for(mimetype: str, path: str, is_secure: bool) -> list[tuple[str, str]]:
    """The security headers of every answer."""
    headers = [("X-Content-Type-Options", "nosniff"),
               ("Referrer-Policy", "strict-origin-when-cross-origin")]
    if mimetype == "text/html":
        headers += [("Content-Security-Policy", DEMO_CSP if path == "/demo" else CSP),
                    ("X-Frame-Options", "DENY")]
    if is_secure:
        headers.append(("Strict-Transport-Security", HSTS))
    return headers


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie (our only cookie) is Secure whenever it is set over TLS,
    whatever MODERATION_SECURE_COOKIES says, so an https session never goes over http."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return super().get_cookie_secure(app) or (has_request_context() and request.is_secure)

    def get_signing_serializer(self, app: Flask):
        # Flask builds a new serializer (deriving its key) for every request; the secret
        # does not change while the app runs, so build it once.
        serializer = app.extensions.get("session_serializer")
        if serializer is None:
            serializer = app.extensions["session_serializer"] = super().get_signing_serializer(app)
        return serializer

    def open_session(self, app: Flask, request):
        # The public API is cookieless (readers and the main site): no session to read,
        # sign or write back on its hot paths.
        if request.path.startswith("/api/"):
            return self.make_null_session(app)
        return super().open_session(app, request)
