"""What the views share: the submission context, status tokens, safe redirects."""
from urllib.parse import urlsplit

from flask import current_app, request, url_for

from moderation import intake, tokens
from moderation.extensions import db
from moderation.store import Item


def reader_context(form_token: object, honeypot: object) -> intake.Context:
    return make_context(current_app.secret_key, form_token, honeypot,
                        ip=request.remote_addr or "",
                        user_agent=request.headers.get("User-Agent", ""),
                        referrer=request.headers.get("Referer", ""))


def make_context(secret: str, form_token: object, honeypot: object, *, ip: str,
                 user_agent: str, referrer: str) -> intake.Context:
    """The context of a reader's post (quick_posts.py builds it without a request)."""
    served = tokens.read_form_token(secret, form_token if isinstance(form_token, str) else "")
    return intake.Context(ip=ip, user_agent=user_agent, referrer=referrer, form_served_at=served,
                          honeypot=honeypot if isinstance(honeypot, str) else "")


def status_url(token: str) -> str:
    return url_for("submit.status", token=token, _external=True)


def item_for_token(token: str) -> Item:
    """The item a status token names; IntakeError(404) for a bad or expired token."""
    item_id = tokens.read_status_token(current_app.secret_key, token,
                                       current_app.config["MODERATION_STATUS_TOKEN_DAYS"])
    item = db.session.get(Item, item_id) if item_id else None
    if item is None:
        raise intake.IntakeError("token", "this status link is invalid or has expired", status=404)
    return item


def safe_next(target: str | None) -> str:
    """Only a path on this site, so a crafted link cannot send a moderator elsewhere, and
    no control character or space (a CR/LF would split the Location header)."""
    if target and target.startswith("/") and not target.startswith("//") \
            and "\\" not in target and target.isprintable() and " " not in target \
            and not urlsplit(target).netloc:
        return target
    return url_for("review.queue")
