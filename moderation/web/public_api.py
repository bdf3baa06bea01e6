"""What every blueprint of the public JSON API (/api/v1) shares: the site of the URL
(from the per-process site cache), its allowed origins, CORS on every answer (errors
included, or the browser hides the error from the widget), CORS preflights, the origin
check for browsers' writes, and strict reading of bodies and numeric arguments."""
from flask import Blueprint, Response, current_app, g, request
from werkzeug.exceptions import Forbidden

from moderation import fields
from moderation.extensions import db
from moderation.fields import IntakeError
from moderation.sites import SiteInfo
from moderation.web import cors, parsing


def install(bp: Blueprint) -> None:
    """The CORS hooks on a public API blueprint."""
    bp.before_request(_preflight)
    bp.after_request(_cors)


def site_of(site_key: str) -> SiteInfo:
    """The URL's site; IntakeError(404) for an unknown one."""
    site = current_app.extensions["site_cache"].get(db.session, site_key)
    if site is None:
        raise IntakeError("site", f"unknown site {site_key!r}", status=404)
    g.site = site
    return site


def allowed_origins(site) -> set[str]:
    return cors.allowed_origins(site, current_app.config["MODERATION_DEFAULT_ORIGINS"],
                                request.host_url.rstrip("/"))


def check_origin(site) -> str | None:
    """The request's Origin when the site allows it; None when there is none (a server
    talking to us). Raises Forbidden for a browser on another origin."""
    origin = request.headers.get("Origin")
    if origin is None:
        return None
    if origin.rstrip("/") not in allowed_origins(site):
        raise Forbidden(f"origin {origin} is not allowed to post to site {site.key!r}")
    return origin


def read_body(allowed: tuple[str, ...]) -> dict:
    """The body's fields (web/parsing.py: 400 for a malformed body, 415 for another
    content type); 422 naming a field that is not `allowed`."""
    data = parsing.posted_fields()
    fields.check_fields(data, allowed)
    return data


def int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:  # int() refuses "²"
        raise IntakeError(name, f"{name} must be a whole number from {low} to {high}", status=400)
    return int(raw)


def _preflight():
    """Answer CORS preflights ourselves: Flask's automatic OPTIONS knows no origins."""
    if request.method == "OPTIONS" and request.view_args and "site_key" in request.view_args:
        return Response(status=204)
    return None


def _cors(response: Response) -> Response:
    origin = request.headers.get("Origin")
    site_key = (request.view_args or {}).get("site_key")
    if site_key:
        response.vary.add("Origin")  # so a shared cache never serves one origin's answer to another
    if not origin or not site_key:
        return response
    try:
        site = g.get("site") or current_app.extensions["site_cache"].get(db.session, site_key)
        allowed = site is not None and origin.rstrip("/") in allowed_origins(site)
    except Exception:  # the database is down: the 503 goes out without CORS
        return response
    if allowed:
        response.headers.update(cors.headers(origin))
    return response
