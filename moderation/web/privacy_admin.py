"""Admins' privacy page: export or erase everything submitted with one email address
(a reader's access or erasure request). Both are written to the audit log."""
import json
from collections import Counter

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from moderation import accounts, privacy
from moderation.extensions import db
from moderation.fields import EMAIL_MAX
from moderation.store import utcnow
from moderation.web.guards import admin_required

bp = Blueprint("privacy_admin", __name__, url_prefix="/admin")


def _page(email: str = "", status: int = 200):
    return render_template("admin/privacy.html", email=email), status


def _email() -> str | None:
    """The posted address, or None (with a message) when it cannot be one."""
    email = request.form.get("email", "").strip()
    if "@" not in email or len(email) > EMAIL_MAX:
        flash("Enter the email address the reader submitted with.", "error")
        return None
    return email


@bp.get("/privacy")
@admin_required
def privacy_page():
    return _page()


@bp.post("/privacy/export")
@admin_required
def export():
    email = _email()
    if email is None:
        return _page(request.form.get("email", ""), 422)
    now = utcnow()
    document = privacy.export(db.session, email, now)
    accounts.audit(db.session, current_user, "privacy_export",
                   f"{privacy.mask(email)}: {document['count']} item(s)")
    db.session.commit()
    response = Response(json.dumps(document, ensure_ascii=False, indent=1),
                        mimetype="application/json")
    response.headers["Content-Disposition"] = \
        f'attachment; filename="reader-data-{now:%Y%m%d-%H%M%S}.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/privacy/erase")
@admin_required
def erase():
    """Without confirm=yes, show what would go; with it, erase and say what went."""
    email = _email()
    if email is None:
        return _page(request.form.get("email", ""), 422)
    if request.form.get("confirm") != "yes":
        items = privacy.items_of(db.session, email)
        summary = Counter((item.kind, item.status) for item in items)
        return render_template("admin/privacy_confirm.html", email=email, items=items,
                               summary=sorted(summary.items()))
    erased = privacy.erase(db.session, email)
    ids = ", ".join(map(str, erased.item_ids[:50])) + (" ..." if len(erased.item_ids) > 50 else "")
    accounts.audit(db.session, current_user, "privacy_erase",
                   f"{privacy.mask(email)}: {len(erased.item_ids)} item(s) erased"
                   + (f" (ids {ids})" if ids else "")
                   + f", {erased.moved_replies} repl(ies) by others moved up")
    db.session.commit()
    flash(f"Erased {len(erased.item_ids)} item(s) submitted with {email}; "
          f"{erased.moved_replies} repl(ies) by others kept.", "ok")
    return redirect(url_for("privacy_admin.privacy_page"), code=303)
