"""/feeds/<site>/submissions.atom: approved submissions for CMSs that read Atom."""
from flask import Blueprint, Response, request

from moderation import intake
from moderation.extensions import db
from moderation.mainsite import feeds, submissions
from moderation.store import utcnow

bp = Blueprint("feeds", __name__, url_prefix="/feeds")
FEED_SIZE = 50


@bp.get("/<site_key>/submissions.atom")
def submissions_atom(site_key: str):
    site = intake.find_site(db.session, site_key)
    try:
        kind = submissions.parse_kind(request.args.get("kind"))
    except submissions.QueryError as exc:
        raise intake.IntakeError(exc.field, exc.message, status=400) from None
    items = submissions.latest(db.session, site, kind, FEED_SIZE)
    body = feeds.atom(site, items, request.url, kind, utcnow())
    response = Response(body, mimetype="application/atom+xml")
    response.headers["Cache-Control"] = "public, no-cache"  # revalidate: ETag answers 304
    response.add_etag()
    return response.make_conditional(request)
