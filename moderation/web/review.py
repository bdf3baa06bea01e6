"""The review queue, the item page and moderators' actions (moderators only)."""
import math

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from moderation import dossier, intake, lifecycle, review
from moderation.community import reports, standing
from moderation.extensions import db
from moderation.store import KINDS, Site, utcnow
from moderation.store.community import STANDINGS
from moderation.web.context import safe_next

bp = Blueprint("review", __name__, url_prefix="/review")
JSON_PATHS = ("review.decide_many", "review.changes")
BULK_MAX = 200
LABELS = {"approve": "Approve", "reject": "Reject…", "spam": "Spam", "not_spam": "Not spam"}
KEYS = {"approve": "a", "reject": "r", "spam": "s", "not_spam": "n"}
# The query arguments the queue's own links carry on. Only these: anything else in a
# crafted link would reach url_for() as a keyword (endpoint, _method, _external...).
FILTER_ARGS = ("status", "site", "kind", "thread", "min_score", "max_score", "min_toxicity",
               "max_toxicity", "q", "sort")


@bp.before_request
def _moderators_only():
    if current_user.is_authenticated:
        return None
    if request.endpoint in JSON_PATHS:
        return jsonify(error="log in first; your session may have expired"), 401
    return current_app.login_manager.unauthorized()


def _filters() -> review.Filters:
    """The queue's filters from the query string; 400 naming the first bad one."""
    args = request.args
    status = args.get("status", "pending")
    if status not in review.QUEUES:
        abort(400, f"unknown status {status!r}; use one of {', '.join(review.QUEUES)}")
    kind = args.get("kind") or None
    if kind is not None and kind not in KINDS:
        abort(400, f"unknown kind {kind!r}")
    sort = args.get("sort", "")
    if sort and sort not in review.SORTS:
        abort(400, f"unknown sort {sort!r}; use one of {', '.join(review.SORTS)}")
    thread = args.get("thread", "").strip()
    if len(thread) > 200:
        abort(400, "the thread to look for is too long (at most 200 characters)")
    text = args.get("q", "").strip()
    if len(text) > 200:
        abort(400, "the search text is too long (at most 200 characters)")
    return review.Filters(status=status, kind=kind, site=args.get("site") or None,
                          thread=thread,
                          min_score=_score("min_score"), max_score=_score("max_score"),
                          min_toxicity=_score("min_toxicity"),
                          max_toxicity=_score("max_toxicity"), text=text, sort=sort)


def _score(name: str) -> float | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not 0 <= value <= 1:
        abort(400, f"{name} must be a number from 0 to 1")
    return value


@bp.get("/")
def queue():
    filters = _filters()
    try:
        page = review.queue(db.session, filters, limit=review.PAGE_SIZE,
                            after=request.args.get("after") or None)
    except ValueError as exc:
        abort(400, str(exc))
    args = {k: request.args[k] for k in FILTER_ARGS if request.args.get(k)}
    return render_template(
        "review/queue.html", page=page, filters=filters, args=args,
        counts=review.counts(db.session), count_cap=review.COUNT_CAP, kinds=KINDS,
        sites=db.session.scalars(select(Site.key).order_by(Site.key)).all(),
        queues=review.QUEUES, sorts=review.SORTS, reasons=lifecycle.REASONS,
        allowed=[a for a, to in review.ACTIONS.items()
                 if to in lifecycle.TRANSITIONS[review.status_of(filters.status)]],
        labels=LABELS, action_keys=KEYS, now=utcnow(),
        since=review.latest_decision_id(db.session),
        undo_seconds=current_app.config["MODERATION_UNDO_SECONDS"],
        poll_seconds=current_app.config["MODERATION_POLL_SECONDS"])


@bp.get("/changes")
def changes():
    """Counts and what changed since Decision id `since`, for the queue's polling."""
    since = request.args.get("since", "0")
    ids = request.args.get("ids", "")
    if not since.isdigit() or any(not i.isdigit() for i in ids.split(",") if i):
        return jsonify(error="since must be a number and ids comma-separated numbers"), 400
    found = review.changes(db.session, int(since), [int(i) for i in ids.split(",") if i])
    response = jsonify(counts=review.counts(db.session), me=current_user.id, **found)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/items/<int:item_id>")
def item(item_id: int):
    return _item_page(item_id)


def _item_page(item_id: int, status: int = 200):
    """The item with its context. Opening it claims it for a few minutes."""
    found = review.claim(db.session, item_id, current_user,
                         current_app.config["MODERATION_CLAIM_MINUTES"])
    if found is None:
        abort(404, f"no item {item_id}")
    db.session.commit()
    title, body = dossier.current_text(db.session, found)
    return render_template(
        "review/item.html", item=found, holder=review.claim_holder(found),
        actions=[a for a, to in review.ACTIONS.items() if to in lifecycle.allowed(found)],
        reasons=lifecycle.REASONS, thread=dossier.thread_around(db.session, found),
        histories=dossier.author_history(db.session, found),
        cluster=dossier.cluster(db.session, found),
        notes=dossier.notes(db.session, item_id), edits=dossier.edits(db.session, item_id),
        messages=dossier.messages(db.session, item_id), editable=found.status in dossier.EDITABLE,
        edit_title=title, edit_body=body, labels=LABELS, action_keys=KEYS,
        reports=reports.of_item(db.session, item_id),
        standings=standing.in_force(db.session, found.site_id, found.author_email,
                                    found.ip_prefix),
        standing_kinds=STANDINGS,
        undo_seconds=current_app.config["MODERATION_UNDO_SECONDS"]), status


def _refused(item_id: int, message: str, status: int):
    """The item page again, with why the action was refused, and nothing stored."""
    db.session.rollback()
    flash(message, "error")
    return _item_page(item_id, status)


def _version() -> int | None:
    version = request.form.get("version", "")
    return int(version) if version.isdigit() else None


@bp.post("/items/<int:item_id>/decide")
def decide(item_id: int):
    try:
        item = review.decide(db.session, item_id, request.form.get("action", ""), current_user,
                             version=_version(), reason=request.form.get("reason", ""),
                             note=request.form.get("note", ""),
                             message=request.form.get("message", ""))
    except LookupError:
        abort(404, f"no item {item_id}")
    except review.ReasonError as exc:
        return _refused(item_id, f"Not done: {exc}.", 422)
    except lifecycle.TransitionError as exc:
        return _refused(item_id, str(exc), 409)
    db.session.commit()
    flash(f"Item {item.id} is now {item.status}.", "ok")
    return redirect(safe_next(request.form.get("next")), code=303)


@bp.post("/decide")
def decide_many():
    """One action on several items: form fields action, reason, message, note, and
    items = "id:version,id:version". Each item is decided and committed on its own, so
    one stale item does not hold back the others; the answer says how each went."""
    pairs = [p.split(":") for p in request.form.get("items", "").split(",") if p]
    if not pairs or len(pairs) > BULK_MAX or any(
            len(p) != 2 or not p[0].isdigit() or not p[1].isdigit() for p in pairs):
        return jsonify(error=f"items must be 1 to {BULK_MAX} id:version pairs"), 422
    form = request.form
    if form.get("action") not in review.ACTIONS:
        return jsonify(error=f"unknown action {form.get('action')!r}"), 422
    try:  # refused for all the items at once, before any of them changes
        review.check_reason(form["action"], form.get("reason", ""))
    except review.ReasonError as exc:
        return jsonify(error=str(exc), field="reason"), 422
    results = []
    for item_id, version in pairs:
        try:
            item = review.decide(db.session, int(item_id), form["action"], current_user,
                                 version=int(version), reason=form.get("reason", ""),
                                 note=form.get("note", ""), message=form.get("message", ""))
        except (LookupError, lifecycle.TransitionError) as exc:
            db.session.rollback()
            results.append({"id": int(item_id), "ok": False, "error": str(exc)})
            continue
        db.session.commit()
        results.append({"id": item.id, "ok": True, "status": item.status,
                        "version": item.version})
    return jsonify(results=results)


@bp.post("/items/<int:item_id>/edit")
def edit(item_id: int):
    try:
        dossier.edit(db.session, item_id, current_user, title=request.form.get("title", ""),
                     body=request.form.get("body", ""), version=_version())
    except LookupError:
        abort(404, f"no item {item_id}")
    except intake.IntakeError as exc:
        return _refused(item_id, f"Edit not saved: {exc.message}.", exc.status)
    db.session.commit()
    flash("Edit saved; the original stays on record.", "ok")
    return redirect(url_for("review.item", item_id=item_id), code=303)


@bp.post("/items/<int:item_id>/notes")
def add_note(item_id: int):
    try:
        dossier.add_note(db.session, item_id, current_user, request.form.get("note", ""))
    except LookupError:
        abort(404, f"no item {item_id}")
    except intake.IntakeError as exc:
        return _refused(item_id, f"Note not saved: {exc.message}.", exc.status)
    db.session.commit()
    return redirect(url_for("review.item", item_id=item_id, _anchor="notes"), code=303)
