"""Moderator login, logout and password change: rate-limited per address, locked per
username and network after repeated failures, and sessions that end
PERMANENT_SESSION_LIFETIME after login or, server-side, at logout or any change to the
account (the user id in the session carries the moderator's session epoch)."""
import time
from datetime import timedelta

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from moderation import accounts, lockout
from moderation.extensions import db, limiter, login_manager
from moderation.store import Moderator
from moderation.web.context import safe_next
from moderation.web.forms import LoginForm, PasswordForm

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_moderator(user_id: str) -> Moderator | None:
    """The active moderator of a session whose epoch is still current ("id:epoch")."""
    moderator_id, _, epoch = user_id.partition(":")
    if not moderator_id.isdigit() or not epoch.isdigit():
        return None
    moderator = db.session.get(Moderator, int(moderator_id))
    if moderator is None or not moderator.is_active or moderator.session_epoch != int(epoch):
        return None
    return moderator


@bp.before_app_request
def _expire_session():
    """End a session PERMANENT_SESSION_LIFETIME after its login, however active it was
    (the cookie's own expiry slides with every request)."""
    login_at = session.get("login_at")
    if login_at is None:
        return
    lifetime: timedelta = current_app.config["PERMANENT_SESSION_LIFETIME"]
    if time.time() - login_at > lifetime.total_seconds():
        logout_user()
        session.clear()


def _login_rate() -> str:
    return current_app.config["MODERATION_LOGIN_RATE"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_rate, methods=["POST"])
def login():
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        username, password = form.username.data or "", form.password.data or ""
        config = current_app.config
        limit, lock = (config["MODERATION_LOGIN_MAX_FAILURES"],
                       timedelta(minutes=config["MODERATION_LOCKOUT_MINUTES"]))
        key = lockout.key(username, request.remote_addr or "")
        try:
            lockout.begin(db.session, key, limit, lock)
        except lockout.LockedOut as exc:
            db.session.commit()
            flash(str(exc), "error")
            return render_template("auth/login.html", form=form), 429
        db.session.commit()  # counted before the password is checked
        moderator = accounts.authenticate(db.session, username, password)
        if moderator is not None:
            lockout.succeeded(db.session, key)
            accounts.audit(db.session, moderator, "login")
            db.session.commit()
            _log_in(moderator)
            return redirect(safe_next(request.args.get("next")))
        locked_until = lockout.failed(db.session, key, limit, lock)
        accounts.audit(db.session, None, "login_failed", name=key.username)
        db.session.commit()
        if locked_until is not None:
            flash(str(lockout.LockedOut(locked_until)), "error")
            return render_template("auth/login.html", form=form), 429
        flash("Wrong username or password.", "error")
        status = 401
    return render_template("auth/login.html", form=form), status


def _log_in(moderator: Moderator) -> None:
    login_user(moderator)
    session.permanent = True
    session["login_at"] = time.time()


@bp.post("/logout")
@login_required
def logout():
    """End this moderator's sessions everywhere: a copied cookie stops working too."""
    accounts.end_sessions(current_user)
    accounts.audit(db.session, current_user, "logout")
    db.session.commit()
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """A moderator's own password, with the current one. Other sessions end; this one
    goes on under the new epoch."""
    form = PasswordForm()
    status = 200
    if form.validate_on_submit():
        if form.new_password.data != form.confirm.data:
            flash("The new password and its confirmation differ.", "error")
            return render_template("auth/password.html", form=form, **_policy()), 422
        try:
            accounts.change_password(db.session, current_user, form.current_password.data or "",
                                     form.new_password.data or "")
        except accounts.AccountError as exc:
            db.session.rollback()
            flash(f"Password not changed: {exc}.", "error")
            status = 422
        else:
            moderator = current_user._get_current_object()
            db.session.commit()
            _log_in(moderator)
            flash("Password changed; your other sessions have ended.", "ok")
            return redirect(url_for("review.queue"), code=303)
    return render_template("auth/password.html", form=form, **_policy()), status


def _policy() -> dict:
    return {"min_password": accounts.MIN_PASSWORD}
