"""Readers' HTML forms for news tips, deals, columns and press releases, and the
submitter's status page."""
from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from markupsafe import Markup

from moderation import intake, outcomes, tokens
from moderation.extensions import db
from moderation.store import SUBMISSION_KINDS
from moderation.toxicity import highlight, nudge
from moderation.toxicity import learning as toxicity_learning
from moderation.web import rate_limits
from moderation.web.context import item_for_token, reader_context, status_url
from moderation.web.forms import KIND_FIELDS, KIND_LABELS, form_class
from workers import wake

bp = Blueprint("submit", __name__)


@bp.get("/submit")
def choose():
    return render_template("submit/choose.html", kinds=KIND_LABELS,
                           site=request.args.get("site", "default"))


@bp.route("/submit/<kind>", methods=["GET", "POST"])
@rate_limits.limit_intake
def form(kind: str):
    if kind not in SUBMISSION_KINDS:
        abort(404, f"there is no {kind!r} form; choose one at /submit")
    site_key = request.args.get("site", "default")
    site = intake.find_site(db.session, site_key)
    form = form_class(kind)()
    status, marked = 200, None
    if form.validate_on_submit():  # CSRF; every field rule is intake's
        data = {name: field.data for name, field in form._fields.items()}
        try:
            item = intake.receive_submission(
                db.session, site, kind, data, reader_context(form.form_token.data,
                                                                 form.website.data, site.id))
        except intake.IntakeError as exc:
            db.session.rollback()
            for name, message in exc.errors.items():
                if name in form:
                    form[name].errors = [*form[name].errors, message]
            status = exc.status
        else:
            marked = _nudge(site, kind, item, form.nudged.data == "1")
            if marked is None:
                db.session.commit()
                wake(current_app)
                token = tokens.status_token(current_app.secret_key, item.id)
                return redirect(url_for("submit.thanks", token=token), code=303)
            status, form.nudged.data = 422, "1"  # asked once: the next send goes through
    form.form_token.data = tokens.form_token(current_app.secret_key)
    return render_template("submit/form.html", form=form, kind=kind, label=KIND_LABELS[kind],
                           extra_fields=list(KIND_FIELDS[kind]), site=site_key, nudge=marked,
                           nudge_message=nudge.MESSAGE), status


def _nudge(site, kind: str, item, nudged: bool) -> Markup | None:
    """The reader's text with the words behind its score marked, when the submission
    is to be nudged: then it is not stored and the nudge is counted (committed). None
    to go on; a submission sent after a nudge resolves that nudge."""
    reader = nudge.reader_key(current_app.secret_key, site.id, "submit:" + kind,
                              item.author_email)
    if nudged:
        db.session.flush()
        nudge.resolve(db.session, reader, item.body_raw, item.id)
        return None
    detector = toxicity_learning.active_detector(db.session, max_age=10, build=False)
    asked = nudge.ask(detector, site.policy, item.body_raw, nudged)
    if asked is None:
        return None
    text = item.body_raw
    db.session.rollback()
    nudge.record(db.session, site.id, reader, text, asked)
    db.session.commit()
    return highlight.marked(text, asked.spans)


@bp.get("/submit/thanks/<token>")
def thanks(token: str):
    item = item_for_token(token)
    return render_template("submit/thanks.html", item=item, status_link=status_url(token))


@bp.get("/status/<token>")
def status(token: str):
    item = item_for_token(token)
    return render_template("submit/status.html", item=item,
                           outcome=outcomes.of(db.session, item))
