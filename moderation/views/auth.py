"""Moderator login and logout."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required, login_user, logout_user

from .. import accounts
from ..extensions import db, login_manager
from ..forms import LoginForm
from ..models import Moderator
from .context import safe_next

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_moderator(user_id: str) -> Moderator | None:
    moderator = db.session.get(Moderator, int(user_id)) if user_id.isdigit() else None
    return moderator if moderator is not None and moderator.is_active else None


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        moderator = accounts.authenticate(db.session, form.username.data or "",
                                          form.password.data or "")
        if moderator is not None:
            db.session.commit()
            login_user(moderator)
            return redirect(safe_next(request.args.get("next")))
        flash("Wrong username or password.", "error")
        status = 401
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    return redirect(url_for("auth.login"))
