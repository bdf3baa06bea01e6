"""Admin pages for moderator accounts and the audit trail (admins only)."""
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from moderation import accounts, audit
from moderation.extensions import db
from moderation.web.guards import admin_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _accounts_page(status: int = 200):
    return render_template("admin/accounts.html", moderators=accounts.moderators(db.session),
                           roles=accounts.ROLES, min_password=accounts.MIN_PASSWORD), status


@bp.get("/accounts")
@admin_required
def accounts_list():
    return _accounts_page()


@bp.post("/accounts")
@admin_required
def create_account():
    form = request.form
    try:
        created = accounts.create_moderator(db.session, form.get("username", ""),
                                            form.get("password", ""),
                                            form.get("role", "moderator"))
    except accounts.AccountError as exc:
        db.session.rollback()
        flash(f"Account not created: {exc}.", "error")
        return _accounts_page(422)
    accounts.audit(db.session, current_user, "account_created",
                   f"{created.username} ({created.role})")
    db.session.commit()
    flash(f"Created {created.role} {created.username}.", "ok")
    return redirect(url_for("admin.accounts_list"), code=303)


@bp.post("/accounts/<int:moderator_id>")
@admin_required
def update_account(moderator_id: int):
    """Change role (field `role`) or enabled state (field `active`: "1" or "0")."""
    active = request.form.get("active")
    if active not in (None, "0", "1"):
        return _refused("active must be 1 or 0")
    try:
        changed = accounts.update_moderator(
            db.session, moderator_id, current_user, role=request.form.get("role"),
            active=None if active is None else active == "1")
    except LookupError:
        abort(404, f"no moderator {moderator_id}")
    except accounts.AccountError as exc:
        return _refused(str(exc))
    db.session.commit()
    state = "enabled" if changed.is_active else "disabled"
    flash(f"{changed.username} is now {changed.role}, {state}.", "ok")
    return redirect(url_for("admin.accounts_list"), code=303)


@bp.post("/accounts/<int:moderator_id>/password")
@admin_required
def reset_password(moderator_id: int):
    """Set another moderator's password (field `password`); their sessions end."""
    try:
        changed = accounts.reset_password(db.session, moderator_id, current_user,
                                          request.form.get("password", ""))
    except LookupError:
        abort(404, f"no moderator {moderator_id}")
    except accounts.AccountError as exc:
        return _refused(str(exc))
    db.session.commit()
    flash(f"New password set for {changed.username}; their sessions have ended.", "ok")
    return redirect(url_for("admin.accounts_list"), code=303)


def _refused(message: str):
    db.session.rollback()
    flash(f"Not changed: {message}.", "error")
    return _accounts_page(422)


@bp.get("/audit")
@admin_required
def audit_page():
    actor = request.args.get("moderator", "").strip()
    days = {}
    for name in ("since", "until"):
        raw = request.args.get(name, "")
        try:
            days[name] = date.fromisoformat(raw) if raw else None
        except ValueError:
            abort(400, f"{name} must be a date like 2026-05-31")
    entries = audit.entries(db.session, actor=actor, **days)
    return render_template("admin/audit.html", entries=entries, actor=actor,
                           moderators=accounts.moderators(db.session), limit=audit.LIMIT,
                           since=request.args.get("since", ""),
                           until=request.args.get("until", ""))
