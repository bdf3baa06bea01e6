"""An item's own columns and history from our export (json_format.py), put back on the
item storing.py adds: the columns (fill), its decisions replayed through lifecycle.move
(replay), then what hangs off it once it has an id: messages to the submitter, notes
and edits (attach).

Replaying keeps lifecycle the only code that sets a status; each Decision is then given
the time, actor and moderator the export recorded. The shown HTML is made again by the
sanitiser from the body (or the last edit's), never taken from the file: the embed
serves that HTML, and a file is input like any other."""
from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation import lifecycle, sanitising
from moderation.store import Item, ItemEdit, Moderator, Note, SubmitterMessage


def fill(item: Item, details: dict) -> None:
    """Set the columns an export carries beyond a plain comment's."""
    for name in ("title", "user_agent", "referrer", "honeypot", "form_served_at", "score",
                 "signals", "ip", "ip_prefix"):
        setattr(item, name, details[name])
    edits = details["edits"]
    shown = edits[-1]["body_after"] if edits else item.body_raw
    if details["status"] != "received":  # what people see, made again by the sanitiser
        item.show(sanitising.clean(shown, item.kind))


def replay(session: Session, run, item: Item, details: dict, actor: str) -> None:
    """Move the item through its recorded decisions as `actor` (json_format checked that
    the state machine allows each), then give each Decision the actor and time the export
    recorded, and restore the item's version and decision time."""
    details["_messages"] = []
    for step in details["decisions"]:
        decision = lifecycle.move(session, item, step["to"], actor=actor,
                                  reason=step["reason"], note=step["note"])
        decision.actor, decision.created_at = step["actor"], step["created_at"]
        decision.moderator_id = moderator_id(session, run, step["actor"], create=False)
        if step["message"]:
            details["_messages"].append((decision, step["message"]))
    item.version, item.decided_at = details["version"], details["decided_at"]


def attach(session: Session, run, item: Item, details: dict) -> None:
    """Add the item's messages, notes and edits (the item has its id now)."""
    for decision, body in details.pop("_messages", ()):
        session.add(SubmitterMessage(item_id=item.id, decision=decision, body=body,
                                     created_at=decision.created_at))
    for note in details["notes"]:
        session.add(Note(item_id=item.id, moderator_id=moderator_id(session, run, note["actor"]),
                         actor=note["actor"], body=note["body"], created_at=note["created_at"]))
    for edit in details["edits"]:
        session.add(ItemEdit(item_id=item.id,
                             moderator_id=moderator_id(session, run, edit["actor"]),
                             **{k: edit[k] for k in ("actor", "title_before", "title_after",
                                                     "body_before", "body_after",
                                                     "created_at")}))


def moderator_id(session: Session, run, username: str, create: bool = True) -> int | None:
    """The id of the moderator named `username`. Notes and edits need one: when there is
    none, a disabled account of that name is created (it cannot log in: no password
    matches "!"; an admin can enable it and set one) and named in the summary."""
    if run.moderators.get(username) is None:
        found = session.scalar(select(Moderator.id).where(Moderator.username == username))
        if found is None and create:
            moderator = Moderator(username=username, password_hash="!", role="moderator",
                                  is_active=False)
            session.add(moderator)
            session.flush()
            found = moderator.id
            run.summary.problem(f"moderator {username}", "created as a disabled account for "
                                "the notes and edits it wrote; enable it at /admin/accounts")
        run.moderators[username] = found
    return run.moderators[username]
