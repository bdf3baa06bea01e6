"""The JSON API for the embed and the main site, under /api/v1."""

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import Unauthorized

from moderation import idempotency, intake, outcomes, threads, tokens
from moderation.extensions import db
from moderation.fields import BODY_MAX, EMAIL_MAX, NAME_MAX
from moderation.mainsite import embed, submissions
from moderation.sites import SiteInfo
from moderation.store import Site
from moderation.toxicity import learning as toxicity_learning
from moderation.toxicity import nudge
from moderation.web import openapi, public_api, rate_limits
from moderation.web.context import item_for_token, reader_context, status_url
from workers import wake

bp = Blueprint("api", __name__, url_prefix="/api/v1")
LIMIT_DEFAULT = 50
# Browsers revalidate every time (a 304 when nothing changed); a CDN or reverse proxy may
# keep a read this many seconds (deploy/nginx.conf), so a decision reaches readers
# behind one within that time.
SHARED_CACHE_SECONDS = 5
CACHE_CONTROL = f"public, max-age=0, s-maxage={SHARED_CACHE_SECONDS}"


public_api.install(bp)


@bp.get("/sites/<site_key>/threads/<path:thread_key>/comments")
def comments(site_key: str, thread_key: str):
    limit = public_api.int_arg("limit", LIMIT_DEFAULT, 1, embed.PAGE_MAX)
    after = public_api.int_arg("after", 0, 0, 2**63 - 1)
    site = public_api.site_of(site_key)
    cache = current_app.extensions["page_cache"]
    page = None
    if current_app.extensions["announcements"].trusted():
        page = embed.cached_page(cache, site_key, thread_key, limit, after)
    if page is None:
        generation = cache.generation
        thread = embed.thread_state(db.session, site.id, thread_key)
        page = embed.comments_page(db.session, cache, generation, site_key, thread_key,
                                   thread, limit, after)
    response = Response(page.body, mimetype="application/json")
    response.set_etag(page.etag)
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response.make_conditional(request)


@bp.post("/sites/<site_key>/threads/<path:thread_key>/comments")
@rate_limits.limit_intake
def post_comment(site_key: str, thread_key: str):
    site = public_api.site_of(site_key)
    public_api.check_origin(site)
    key = idempotency.check_key(request.headers.get(idempotency.HEADER))
    data = public_api.read_body(intake.COMMENT_FIELDS)
    digest = idempotency.fingerprint(thread_key, data)
    if key is not None and (first := idempotency.replay(db.session, site.id, key, digest)):
        return jsonify(first.body), first.status_code
    comment = intake.check_comment(thread_key, data)
    context = reader_context(data.get("form_token"), data.get("website"), site.id,
                             data.get("reader_token"))
    # Received first, so that a banned author or a closed thread is refused before any
    # nudge; a nudged comment is then rolled back and nothing of it is stored.
    item = intake.receive_comment(db.session, site, thread_key, comment, context,
                                  public_api.allowed_origins(site))
    db.session.flush()
    reader = nudge.reader_key(current_app.secret_key, site.id, "thread:" + thread_key,
                              comment.author_email)
    if data.get(intake.NUDGED) == "1":
        nudge.resolve(db.session, reader, comment.body, item.id)
    elif (asked := _nudge(site, reader, comment.body, data)) is not None:
        return asked
    token = tokens.status_token(current_app.secret_key, item.id)
    answer = idempotency.Answer(202, {"id": item.id, "status": item.status,
                                      "status_token": token, "status_url": status_url(token)})
    if key is not None:
        idempotency.remember(db.session, site.id, key, digest, item.id, answer)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        first = idempotency.replay(db.session, site.id, key, digest) if key else None
        if first is None:
            raise
        return jsonify(first.body), first.status_code  # a concurrent retry stored it first
    wake(current_app)
    return jsonify(answer.body), answer.status_code


def _nudge(site: SiteInfo, reader: str, text: str, data: dict):
    """The 422 "nudge" answer when the comment scores at or above the site's nudge
    threshold and the reader was not asked yet: the received comment is rolled back, so
    nothing of it is stored, and the nudge is counted. None to go on. Uses a stored or
    cached model only: a process that has none does not nudge rather than make the
    reader wait for a training run."""
    detector = toxicity_learning.active_detector(db.session, max_age=10, build=False)
    asked = nudge.ask(detector, site.policy, text, data.get(intake.NUDGED) == "1")
    if asked is None:
        return None
    db.session.rollback()
    nudge.record(db.session, site.id, reader, text, asked)
    db.session.commit()
    sent = data.get("body") or ""
    shift = len(sent) - len(sent.lstrip())
    return jsonify(error={"code": "nudge", "field": "body", "message": nudge.MESSAGE,
                          "words": nudge.words(text, asked, shift)}), 422


@bp.put("/sites/<site_key>/threads/<path:thread_key>")
def register_thread(site_key: str, thread_key: str):
    """The main site names an article: its URL and title, shown beside its comments."""
    site = _main_site(site_key)
    data = public_api.read_body(("url", "title"))
    thread = threads.register(db.session, db.session.get(Site, site.id), thread_key,
                              data.get("url") or "", data.get("title") or "",
                              public_api.allowed_origins(site))
    db.session.commit()
    return jsonify(key=thread.key, url=thread.url, title=thread.title, open=thread.is_open)


def _main_site(site_key: str) -> SiteInfo:
    """The site of a machine call: 401 without its API key in `Authorization: Bearer`."""
    site = public_api.site_of(site_key)
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not site.accepts_key(key.strip()):
        raise Unauthorized(f"send site {site.key!r}'s API key (see /admin/sites) as "
                           "Authorization: Bearer <key>")
    return site


@bp.get("/sites/<site_key>/form-token")
def form_token(site_key: str):
    """What the widget's form needs at load: the anti-spam pair, whether this page may
    post at all (so a reader is told before typing, not after), whether mail goes out
    (verification and reply notices) and the fields' limits. Any origin may read it: a
    page that may not post must be able to learn so."""
    site = public_api.site_of(site_key)
    origin = request.headers.get("Origin")
    allowed = origin is None or origin.rstrip("/") in public_api.allowed_origins(site)
    refusal = None if allowed else (f"Comments cannot be posted from this page: {origin} is "
                                    f"not one of the sites allowed to post to {site.name}.")
    response = jsonify(token=tokens.form_token(current_app.secret_key), honeypot="website",
                       may_post=allowed, refusal=refusal,
                       mail=bool(current_app.config["MAIL_SERVER"]),
                       limits={"body": BODY_MAX["comment"], "author_name": NAME_MAX,
                               "author_email": EMAIL_MAX})
    response.headers["Cache-Control"] = "no-store"
    if not allowed:
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/status/<token>")
def status(token: str):
    item = item_for_token(token)
    outcome = outcomes.of(db.session, item)
    response = jsonify(id=item.id, kind=item.kind, status=item.status, reason=outcome.reason,
                       reason_text=outcome.explained, message=outcome.message)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Access-Control-Allow-Origin"] = "*"  # the token is the credential
    return response


@bp.get("/sites/<site_key>/counts")
def counts(site_key: str):
    site = public_api.site_of(site_key)
    keys = list(dict.fromkeys(request.args.getlist("thread")))
    if not keys or len(keys) > 100:
        raise intake.IntakeError("thread", "name 1 to 100 threads as ?thread=a&thread=b", status=400)
    response = jsonify(counts=embed.counts(db.session, site, keys))
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/sites/<site_key>/comments/recent")
def recent(site_key: str):
    site = public_api.site_of(site_key)
    limit = public_api.int_arg("limit", 10, 1, 50)
    response = jsonify(comments=embed.recent(db.session, site, limit))
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/sites/<site_key>/submissions")
def submissions_list(site_key: str):
    site = public_api.site_of(site_key)
    limit = public_api.int_arg("limit", LIMIT_DEFAULT, 1, submissions.PAGE_MAX)
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
