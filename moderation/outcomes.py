"""What a reader is told of their own item (the status page, the widget's own comments,
the API's status answer): its status in their words, the reason of a rejection and the
editors' message with the latest decision, and nothing of the desk's internals."""
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation.store import Item, SubmitterMessage

WORDS = {"received": "received, being checked", "pending": "waiting for an editor",
         "spam": "waiting for an editor", "approved": "approved and published",
         "rejected": "not published"}
REASONS = {"spam": "it looks like spam or advertising", "abuse": "it breaks our rules on abuse",
           "off_topic": "it is off topic", "duplicate": "it repeats an earlier submission",
           "legal": "we cannot publish it for legal reasons", "other": "other"}


@dataclass(frozen=True)
class Outcome:
    status: str
    words: str
    reason: str | None  # a rejection's reason code
    explained: str | None  # ... in words
    message: str | None  # what the editors wrote to the reader with the latest decision


def of(session: Session, item: Item) -> Outcome:
    latest = item.decisions[-1] if item.decisions else None
    # Only the latest decision's message: an older one may explain a state since undone.
    message = latest and session.scalar(
        select(SubmitterMessage.body).where(SubmitterMessage.decision_id == latest.id))
    reason = latest.reason or None if latest is not None and item.status == "rejected" else None
    explained = REASONS.get(reason) if reason and reason != "other" else None
    return Outcome(item.status, WORDS[item.status], reason, explained, message or None)
