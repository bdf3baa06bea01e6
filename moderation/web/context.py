"""What the views share: the submission context, status tokens, safe redirects."""
from urllib.parse import urlsplit

from flask import current_app, request, url_for

from moderation import intake, tokens
from moderation.community import readers
from moderation.extensions import db
from moderation.store import Item


def reader_context(form_token: object, honeypot: object, site_id: int,
                   reader_token: object = None) -> intake.Context:
    """The context of a reader's post: where from, when the form was served (a signed
    token), the honeypot, and the address a reader token vouches for."""
    secret = current_app.secret_key
    served = tokens.read_form_token(secret, form_token if isinstance(form_token, str) else "")
    return intake.Context(ip=request.remote_addr or "",
                          user_agent=request.headers.get("User-Agent", ""),
                          referrer=request.headers.get("Referer", ""), form_token=served,
                          honeypot=honeypot if isinstance(honeypot, str) else "",
                          verified_email=readers.verified_email(secret, site_id, reader_token))


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


def public_link(endpoint: str, **values) -> str:
    """An absolute link for a message that leaves the service (a mail): this service's
    address as readers reach it (MODERATION_PUBLIC_URL), not this request's host."""
    with current_app.test_request_context():
        path = url_for(endpoint, **values)
    return current_app.config["MODERATION_PUBLIC_URL"] + path
