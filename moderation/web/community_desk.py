"""The desk's side of the community tools: resolving a reported comment (keep or
remove), an author's standing (from the item page and /admin/authors), and closing or
reopening a thread."""
from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from moderation import lifecycle, review, threads
from moderation.community import reports, standing
from moderation.extensions import db
from moderation.store import Item, Site, Thread
from moderation.store.community import STANDINGS
from moderation.web.context import safe_next
from moderation.web.guards import admin_required

bp = Blueprint("community_desk", __name__)


@bp.post("/review/items/<int:item_id>/reports")
@login_required
def resolve_reports(item_id: int):
    """`action` keep (the reports are dismissed) or remove (rejected with `reason`)."""
    action, reason = request.form.get("action"), request.form.get("reason", "")
    try:
        if action == "keep":
            reports.keep(db.session, item_id, current_user)
        elif action == "remove":
            review.check_reason("reject", reason)
            reports.remove(db.session, item_id, current_user, reason,
                           request.form.get("note", "").strip()[:2000])
        else:
            abort(400, "action must be keep or remove")
    except LookupError:
        abort(404, f"no item {item_id}")
    except lifecycle.TransitionError as exc:
        db.session.rollback()
        flash(f"Not done: {exc}.", "error")
        return redirect(url_for("review.item", item_id=item_id), code=303)
    db.session.commit()
    flash(f"Item {item_id} {'kept: its reports are dismissed' if action == 'keep' else 'removed'}.",
          "ok")
    return redirect(url_for("review.queue", status="reported"), code=303)


@bp.post("/review/items/<int:item_id>/standing")
@login_required
def set_from_item(item_id: int):
    """A standing for the item's author: by email (`by` email), network, or both."""
    item = db.session.get(Item, item_id) or abort(404, f"no item {item_id}")
    by = request.form.get("by", "email")
    email = item.author_email if by in ("email", "both") else ""
    network = item.ip_prefix if by in ("network", "both") else ""
    return _set(email, network, item.site_id, url_for("review.item", item_id=item_id))


@bp.get("/admin/authors")
@admin_required
def authors():
    return render_template("admin/authors.html", standings=standing.listing(db.session),
                           kinds=STANDINGS, sites=db.session.scalars(
                               db.select(Site).order_by(Site.key)).all())


@bp.post("/admin/authors")
@admin_required
def add_standing():
    site = db.session.scalar(db.select(Site).where(Site.key == request.form.get("site", "")))
    return _set(request.form.get("email", ""), request.form.get("network", ""),
                site.id if site else None, url_for("community_desk.authors"))


@bp.post("/review/standings/<int:standing_id>/end")
@login_required
def end_standing(standing_id: int):
    try:
        standing.end(db.session, standing_id, current_user)
    except LookupError:
        abort(404, f"no standing {standing_id}")
    db.session.commit()
    flash("Ended.", "ok")
    return redirect(safe_next(request.form.get("next")), code=303)


@bp.post("/review/threads/<int:thread_id>/open")
@login_required
def set_open(thread_id: int):
    """`open` 1 reopens the thread, 0 closes it to new comments."""
    thread = db.session.get(Thread, thread_id) or abort(404, f"no thread {thread_id}")
    change = threads.reopen if request.form.get("open") == "1" else threads.close
    changed = change(db.session, thread, current_user.username)
    db.session.commit()
    if changed:
        flash(f"Thread {thread.key} is now {'open' if thread.is_open else 'closed'}.", "ok")
    return redirect(safe_next(request.form.get("next")), code=303)


def _set(email: str, network: str, site_id: int | None, back: str):
    form = request.form
    try:
        until = datetime.fromisoformat(form["until"]) if form.get("until") else None
    except ValueError:
        until = None
        flash("Not saved: the end time must be a date and time such as 2026-12-24T18:00.", "error")
        return redirect(back, code=303)
    try:
        standing.set_standing(db.session, current_user, kind=form.get("kind", ""), email=email,
                              network=network, site_id=site_id, until=until,
                              reason=form.get("reason", ""), note=form.get("note", ""))
    except standing.StandingError as exc:
        db.session.rollback()
        flash(f"Not saved: {exc.message}.", "error")
        return redirect(back, code=303)
    db.session.commit()
    flash("Saved: it holds from the author's next post.", "ok")
    return redirect(back, code=303)
