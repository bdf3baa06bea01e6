"""The JSON API for the embed and the main site, under /api/v1."""

from flask import Blueprint, Response, current_app, g, jsonify, request
from werkzeug.exceptions import Forbidden, UnsupportedMediaType

from moderation import intake, tokens
from moderation.extensions import db
from moderation.mainsite import embed, submissions
from moderation.sites import SiteInfo
from moderation.store import Item
from moderation.web import cors, openapi, parsing, rate_limits
from moderation.web.context import item_for_token, reader_context, status_url
from workers.tasks import enqueue

bp = Blueprint("api", __name__, url_prefix="/api/v1")
LIMIT_DEFAULT = 50
CACHE_CONTROL = "public, no-cache"  # revalidate every time: a decision shows at once


def _allowed_origins(site) -> set[str]:
    return cors.allowed_origins(site, current_app.config["MODERATION_DEFAULT_ORIGINS"],
                                request.host_url.rstrip("/"))


def _check_origin(site) -> str | None:
    """The request's Origin when the site allows it; None when there is none (a server
    talking to us). Raises Forbidden for a browser on another origin."""
    origin = request.headers.get("Origin")
    if origin is None:
        return None
    if origin.rstrip("/") not in _allowed_origins(site):
        raise Forbidden(f"origin {origin} is not allowed to post to site {site.key!r}")
    return origin


@bp.after_request
def _cors(response: Response) -> Response:
    """CORS headers for a site's allowed origins, on every answer, errors included (or
    the browser hides the error from the widget)."""
    origin = request.headers.get("Origin")
    site_key = (request.view_args or {}).get("site_key")
    if site_key:
        response.vary.add("Origin")  # so a shared cache never serves one origin's answer to another
    if not origin or not site_key:
        return response
    try:
        site = g.get("site") or current_app.extensions["site_cache"].get(db.session, site_key)
        allowed = site is not None and origin.rstrip("/") in _allowed_origins(site)
    except Exception:  # the database is down: the 503 goes out without CORS
        return response
    if allowed:
        response.headers.update(cors.headers(origin))
    return response


def _site(site_key: str) -> SiteInfo:
    site = current_app.extensions["site_cache"].get(db.session, site_key)
    if site is None:
        raise intake.IntakeError("site", f"unknown site {site_key!r}", status=404)
    g.site = site
    return site


def _read_body(allowed: tuple[str, ...] = intake.COMMENT_FIELDS) -> dict:
    """The body's fields, from a JSON object or a form, read strictly (parsing.py: 400
    for invalid UTF-8, bad JSON, a repeated key); 415 for any other content type; 422
    naming a field that is not `allowed`."""
    if request.mimetype == "application/json":
        data = parsing.read_json(request.get_data(cache=False))
    elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        repeated = next((name for name, values in request.form.lists() if len(values) > 1), None)
        if repeated is not None:  # as for JSON: which of the two did the sender mean?
            raise intake.IntakeError(repeated[:80], f"the form names {repeated[:80]!r} more "
                                                    "than once", status=400)
        data = request.form.to_dict()
    else:
        raise UnsupportedMediaType(f"send application/json or form fields, not "
                                   f"{request.mimetype[:80] or 'a body without a Content-Type'}")
    intake.check_fields(data, allowed)
    return data


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:  # int() refuses "²"
        raise intake.IntakeError(name, f"{name} must be a whole number from {low} to {high}",
                                 status=400)
    return int(raw)


@bp.before_request
def preflight():
    """Answer CORS preflights ourselves: Flask's automatic OPTIONS knows no origins."""
    if request.method == "OPTIONS" and request.view_args and "site_key" in request.view_args:
        return Response(status=204)
    return None


@bp.get("/sites/<site_key>/threads/<path:thread_key>/comments")
def comments(site_key: str, thread_key: str):
    limit = _int_arg("limit", LIMIT_DEFAULT, 1, embed.PAGE_MAX)
    after = _int_arg("after", 0, 0, 2**63 - 1)
    site = _site(site_key)  # also keeps the site cache fresh for ready_pages.py
    cache = current_app.extensions["page_cache"]
    if current_app.extensions["thread_news"].trusted():
        page = embed.cached_page(cache, site_key, thread_key, limit, after)
        if page is not None:
            return _comments_response(page.body, page.etag)
    generation = cache.generation
    engine = current_app.extensions["autocommit"]
    thread = embed.thread_state(engine, site.id, thread_key)
    page = embed.comments_page(engine, cache, generation, site_key, thread_key, thread,
                               limit, after)
    return _comments_response(page.body, page.etag)


def _comments_response(body: bytes, tag: str) -> Response:
    if request.if_none_match.contains(tag):
        response = Response(status=304)
    else:
        response = Response(body, mimetype="application/json")
    response.set_etag(tag)
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


@bp.post("/sites/<site_key>/threads/<path:thread_key>/comments")
@rate_limits.limit_intake
def post_comment(site_key: str, thread_key: str):
    site = _site(site_key)
    _check_origin(site)
    data = _read_body()
    comment = intake.check_comment(thread_key, data)
    context = reader_context(data.get("form_token"), data.get("website"))
    item_id = intake.store_comment(current_app.extensions["autocommit"], site.id, comment, context)
    if item_id is None:  # a new thread, or something to explain: the careful path
        item = intake.receive_comment(db.session, site, thread_key, comment, context)
        db.session.flush()
        item_id = item.id
        db.session.commit()
    enqueue(item_id)
    status = "received"
    if current_app.config["CELERY"]["task_always_eager"]:
        # In-process mode has already processed it; a worker has not yet, so a reload
        # would only cost a query on the hot path.
        status = db.session.get(Item, item_id).status
    token = tokens.status_token(current_app.secret_key, item_id)
    body = {"id": item_id, "status": status, "status_token": token,
            "status_url": status_url(token)}
    return jsonify(body), 202


@bp.get("/sites/<site_key>/form-token")
def form_token(site_key: str):
    _site(site_key)
    response = jsonify(token=tokens.form_token(current_app.secret_key), honeypot="website")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/status/<token>")
def status(token: str):
    item = item_for_token(token)
    response = jsonify(id=item.id, kind=item.kind, status=item.status,
                       reason=_public_reason(item))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Access-Control-Allow-Origin"] = "*"  # the token is the credential
    return response


@bp.get("/sites/<site_key>/counts")
def counts(site_key: str):
    site = _site(site_key)
    keys = list(dict.fromkeys(request.args.getlist("thread")))
    if not keys or len(keys) > 100:
        raise intake.IntakeError("thread", "name 1 to 100 threads as ?thread=a&thread=b", status=400)
    response = jsonify(counts=embed.counts(db.session, site, keys))
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/sites/<site_key>/comments/recent")
def recent(site_key: str):
    site = _site(site_key)
    limit = _int_arg("limit", 10, 1, 50)
    response = jsonify(comments=embed.recent(db.session, site, limit))
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/sites/<site_key>/submissions")
def submissions_list(site_key: str):
    site = _site(site_key)
    limit = _int_arg("limit", LIMIT_DEFAULT, 1, submissions.PAGE_MAX)
    try:
        kind = submissions.parse_kind(request.args.get("kind"))
        since = submissions.parse_since(request.args.get("since"))
        cursor = request.args.get("cursor")
        after = submissions.Cursor.decode(cursor) if cursor else None
    except submissions.QueryError as exc:
        raise intake.IntakeError(exc.field, exc.message, status=400) from None
    items, more = submissions.approved(db.session, site, kind, since, after, limit)
    response = jsonify(submissions=[submissions.public(i) for i in items],
                       next=more.encode() if more else None)
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/openapi.json")
def openapi_document():
    response = jsonify(openapi.document(request.host_url.rstrip("/")))
    response.headers["Access-Control-Allow-Origin"] = "*"  # a description, nothing private
    return response


def _public_reason(item: Item) -> str | None:
    if item.status != "rejected" or not item.decisions:
        return None
    return item.decisions[-1].reason or None
