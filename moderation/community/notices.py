"""Telling readers what became of their words by mail, when they asked to be told: a
commenter who ticked "tell me when someone replies" gets a message when a reply to
their comment is published, with a one-click unsubscribe link. An outbox consumer:
it runs in a worker after the decision's commit, and only adds to the mail outbox."""
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, update
from sqlalchemy.orm import Session

from moderation import mail, tokens
from moderation.fields import fold_email
from moderation.store import Event, Item, Site


@dataclass(frozen=True)
class Links:
    """Where the messages' links go, and whether mail is sent at all."""
    secret: str
    enabled: bool
    unsubscribe: Callable[[str], str]  # the unsubscribe page's URL for a token


def on_reply(session: Session, event: Event, links: Links) -> None:
    """Queue the reply notice a published reply earns its parent's author (not
    committed); nothing for other events, or when the author did not ask."""
    if not links.enabled or event.type != "item.status_changed" or event.data.get("to") != "approved":
        return
    reply = session.get(Item, event.item_id)
    parent = session.get(Item, reply.parent_id) if reply is not None and reply.parent_id else None
    if parent is None or not parent.notify_replies or parent.status != "approved" \
            or not parent.author_email or fold_email(parent.author_email) == fold_email(reply.author_email):
        return
    site = session.get(Site, parent.site_id)
    token = tokens.sign(links.secret, "unsubscribe", [site.id, parent.author_email.strip().lower()])
    unsubscribe = links.unsubscribe(token)
    thread = reply.thread
    where = f' under "{thread.title}"' if thread is not None and thread.title else ""
    url = f"\n\nRead it: {thread.url}" if thread is not None and thread.url else ""
    mail.queue(session, parent.author_email, f"{reply.author_name} replied to your comment",
               f"Hello {parent.author_name},\n\n{reply.author_name} replied to your comment"
               f"{where} on {site.name}.{url}\n\nYou asked to be told of replies. To stop these "
               f"messages: {unsubscribe}\n", kind="reply", site_id=site.id,
               headers={"List-Unsubscribe": f"<{unsubscribe}>",
                        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})


def unsubscribe(session: Session, secret: str, token: str) -> int | None:
    """Stop reply notices to the address the token names, on its site (not committed):
    how many comments it covered, None for a forged token."""
    value = tokens.read(secret, "unsubscribe", token, None)
    if not (isinstance(value, list) and len(value) == 2):
        return None
    site_id, email = value
    return session.execute(update(Item).where(
        Item.site_id == site_id, Item.notify_replies.is_(True),
        func.lower(Item.author_email) == email).values(notify_replies=False)
        .execution_options(synchronize_session=False)).rowcount
