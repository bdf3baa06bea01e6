"""The review queue and the item page (moderators only)."""
from sqlalchemy import select
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import lifecycle, review
from ..extensions import db
from ..models import KINDS, Item, Site
from .context import safe_next

bp = Blueprint("review", __name__, url_prefix="/review")


@bp.before_request
@login_required
def _moderators_only():
    return None


@bp.get("/")
def queue():
    status = request.args.get("status", "pending")
    if status not in lifecycle.STATUSES:
        abort(400, f"unknown status {status!r}")
    kind = request.args.get("kind") or None
    if kind is not None and kind not in KINDS:
        abort(400, f"unknown kind {kind!r}")
    after = request.args.get("after", "")
    filters = review.Filters(status=status, kind=kind, site=request.args.get("site") or None)
    items = review.queue(db.session, filters, after=int(after) if after.isdigit() else None)
    return render_template(
        "review/queue.html", items=items, filters=filters, counts=review.counts(db.session),
        kinds=KINDS, sites=db.session.scalars(select(Site.key).order_by(Site.key)).all(),
        statuses=lifecycle.STATUSES, page_size=review.PAGE_SIZE)


@bp.get("/items/<int:item_id>")
def item(item_id: int):
    found = db.session.get(Item, item_id)
    if found is None:
        abort(404, f"no item {item_id}")
    actions = [a for a, to in review.ACTIONS.items() if to in lifecycle.allowed(found)]
    parent = db.session.get(Item, found.parent_id) if found.parent_id else None
    return render_template("review/item.html", item=found, actions=actions, parent=parent,
                           reasons=lifecycle.REASONS)


@bp.post("/items/<int:item_id>/decide")
def decide(item_id: int):
    action = request.form.get("action", "")
    version = request.form.get("version", "")
    try:
        item = review.decide(db.session, item_id, action, current_user,
                             version=int(version) if version.isdigit() else None,
                             reason=request.form.get("reason", ""),
                             note=request.form.get("note", ""))
    except LookupError:
        abort(404, f"no item {item_id}")
    except lifecycle.TransitionError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("review.item", item_id=item_id), code=303)
    db.session.commit()
    flash(f"Item {item.id} is now {item.status}.", "ok")
    return redirect(safe_next(request.form.get("next")), code=303)
