"""Role checks for views: every review page needs a login, admin pages the admin role."""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def admin_required(view):
    """login_required, then 403 for a logged-in moderator who is not an admin."""
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.role != "admin":
            abort(403, "this page is for admins")
        return view(*args, **kwargs)
    return wrapped
