"""Every failure a client can cause or meet becomes a clear 4xx/503 naming the problem:
JSON under /api, an HTML page elsewhere; never a stack trace."""
import logging

from flask import Flask, current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from moderation.extensions import db
from moderation.intake import IntakeError

log = logging.getLogger(__name__)


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def error_response(status: int, message: str, field: str | None = None, code: str = ""):
    if wants_json():
        body = {"error": {"code": code or str(status), "field": field, "message": message}}
        return jsonify(body), status
    return render_template("error.html", status=status, message=message), status


def register(app: Flask) -> None:
    @app.errorhandler(IntakeError)
    def _intake(exc: IntakeError):
        db.session.rollback()
        return error_response(exc.status, exc.message, exc.field, "invalid_field")

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        return error_response(403, "this form has expired or did not come from our page "
                                   f"({exc.description}); reload the page and send it again",
                              field="csrf_token", code="csrf")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        db.session.rollback()
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        messages = {413: f"the request is too large (at most {limit} bytes)" if limit
                    else "the request is too large",
                    429: "too many requests; slow down and try again"}
        message = messages.get(exc.code, exc.description or exc.name)
        response = error_response(exc.code or 500, message, code=exc.name.lower().replace(" ", "_"))
        if exc.code == 429 and getattr(exc, "retry_after", None):
            response[0].headers["Retry-After"] = str(exc.retry_after)
        if exc.code == 401 and wants_json():  # the main site's machine calls: an API key
            response[0].headers["WWW-Authenticate"] = 'Bearer realm="moderation"'
        return response

    @app.errorhandler(DataError)
    def _data(exc: DataError):
        # The last line of defence: a value the database refused (a NUL byte or an
        # out-of-range number PostgreSQL will not store) is the client's, so a 400.
        # parsing.py and intake.py should have refused it first: log it to find out why.
        log.warning("database refused a value: %.200s", exc.orig)
        db.session.rollback()
        return error_response(400, "the request holds a value that cannot be stored",
                              code="unstorable_value")

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database(exc: Exception):
        log.warning("database unavailable: %s", exc.__class__.__name__)
        try:
            db.session.rollback()
        except Exception:  # the connection may be gone with the server
            pass
        return error_response(503, "the database is unavailable; please try again shortly",
                              code="database_unavailable")

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error")
        db.session.rollback()
        return error_response(500, "something went wrong on our side", code="internal_error")
