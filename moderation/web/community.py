"""Readers' side of the community tools: reporting a comment, verifying an email
address (the API the widget calls, and the page the mailed link opens), and the
one-click unsubscribe from reply notices."""
from flask import Blueprint, current_app, jsonify, render_template, request
from werkzeug.exceptions import Conflict, NotFound

from moderation.community import notices, readers, reports
from moderation.extensions import db
from moderation.fields import EMAIL_MAX, check_field, ip_prefix
from moderation.web import public_api, rate_limits
from moderation.web.context import public_link

bp = Blueprint("community", __name__)
public_api.install(bp)
FLAG_FIELDS = ("reason", "note", "reader", "email")


@bp.post("/api/v1/sites/<site_key>/comments/<int:item_id>/flags")
@rate_limits.limit_intake
def flag(site_key: str, item_id: int):
    """A reader reports a published comment (once per reader)."""
    site = public_api.site_of(site_key)
    public_api.check_origin(site)
    data = public_api.read_body(FLAG_FIELDS)
    reader = check_field("reader", data.get("reader"), 100, kind="line")
    email = check_field("email", data.get("email"), EMAIL_MAX, kind="email")
    who = reports.reporter(reader, email, ip_prefix(request.remote_addr or ""))
    reports.report(db.session, item_id, site.id, data.get("reason") or "",
                   data.get("note") or "", who, site.policy)
    db.session.commit()
    return jsonify(status="received", message="Thank you: the desk will look at this comment."), 202


@bp.post("/api/v1/sites/<site_key>/readers/verification")
@rate_limits.limit_intake
def start_verification(site_key: str):
    """Mail a verification link to the reader's address; the answer's `request` lets the
    widget fetch its reader token once the link is opened."""
    site = public_api.site_of(site_key)
    public_api.check_origin(site)
    data = public_api.read_body(("email",))
    if not current_app.config["MAIL_SERVER"]:
        raise Conflict("this site sends no mail, so an email address cannot be verified")
    request_id = readers.start(db.session, site.id, site.name, data.get("email") or "",
                               current_app.secret_key,
                               lambda token: public_link("community.verify", token=token))
    db.session.commit()
    return jsonify(request=request_id, message="We sent you a link: open it to verify "
                                               "your address, then come back here."), 202


@bp.get("/api/v1/sites/<site_key>/readers/token")
def reader_token(site_key: str):
    """The reader token of a verification request: 202 while its link is unopened."""
    site = public_api.site_of(site_key)
    token = readers.token_for(db.session, current_app.secret_key, site.id,
                              request.args.get("request", ""))
    if token is None:
        raise NotFound("no such verification request, or it has expired")
    response = jsonify(reader_token=token, status="verified") if token else \
        (jsonify(status="waiting"), 202)
    return response


@bp.get("/verify/<token>")
def verify(token: str):
    row = readers.confirm(db.session, current_app.secret_key, token)
    db.session.commit()
    status = 200 if row is not None else 404
    return render_template("community/verified.html", verification=row), status


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """GET asks (a link prefetcher must not unsubscribe anyone); POST, from the page or
    from a mail client's one-click List-Unsubscribe-Post, does it."""
    if request.method == "GET":
        return render_template("community/unsubscribe.html", token=token, done=None)
    covered = notices.unsubscribe(db.session, current_app.secret_key, token)
    db.session.commit()
    return render_template("community/unsubscribe.html", token=token, done=covered), \
        200 if covered is not None else 404
