"""Moderator login and logout: rate-limited per address, locked per username after
repeated failures, and sessions that end PERMANENT_SESSION_LIFETIME after login."""
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

from moderation import accounts
from moderation.extensions import db, limiter, login_manager
from moderation.store import Moderator, utcnow
from moderation.web.context import safe_next
from moderation.web.forms import LoginForm

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_moderator(user_id: str) -> Moderator | None:
    moderator = db.session.get(Moderator, int(user_id)) if user_id.isdigit() else None
    return moderator if moderator is not None and moderator.is_active else None


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
        try:
            accounts.check_lockout(db.session, username)
        except accounts.LockedOut as exc:
            flash(str(exc), "error")
            return render_template("auth/login.html", form=form), 429
        moderator = accounts.authenticate(db.session, username, password)
        if moderator is not None:
            accounts.clear_failures(db.session, username)
            accounts.audit(db.session, moderator, "login")
            db.session.commit()
            login_user(moderator)
            session.permanent = True
            session["login_at"] = time.time()
            return redirect(safe_next(request.args.get("next")))
        config = current_app.config
        throttle = accounts.record_failure(
            db.session, username, config["MODERATION_LOGIN_MAX_FAILURES"],
            timedelta(minutes=config["MODERATION_LOCKOUT_MINUTES"]))
        accounts.audit(db.session, None, "login_failed", name=username.strip()[:80])
        db.session.commit()
        if throttle.locked_until is not None and throttle.locked_until > utcnow():
            flash(str(accounts.LockedOut(throttle.locked_until)), "error")
            return render_template("auth/login.html", form=form), 429
        flash("Wrong username or password.", "error")
        status = 401
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    accounts.audit(db.session, current_user, "logout")
    db.session.commit()
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))
