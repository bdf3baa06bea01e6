"""Operations and the widgets: /healthz, the demo article, the embeddable scripts."""
from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    send_from_directory,
    url_for,
)

from moderation.extensions import db
from moderation.store.database import ping

bp = Blueprint("ops", __name__)
WIDGETS = ("embed.js", "count.js", "recent.js")


@bp.get("/healthz")
def healthz():
    checks = {"database": _check(lambda: ping(db.session)), "broker": _check(_ping_broker)}
    healthy = all(v == "ok" for v in checks.values())
    return jsonify(status="ok" if healthy else "unavailable", **checks), 200 if healthy else 503


def _check(probe) -> str:
    try:
        probe()
        return "ok"
    except Exception as exc:  # any failure means "not reachable": say which
        db.session.rollback()
        return f"error: {type(exc).__name__}"


def _ping_broker() -> None:
    with current_app.extensions["celery"].connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=2)


@bp.get("/<any(embed.js, count.js, recent.js):name>")
def widget(name: str):
    response = send_from_directory(current_app.static_folder, name, max_age=300)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/demo")
def demo():
    """A stand-in article page of the main site, embedding the thread as they would."""
    return render_template("embed/demo.html")


@bp.get("/")
def index():
    return redirect(url_for("ops.demo"))
