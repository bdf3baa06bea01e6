"""What a moderator reads and writes about one item besides its status: the thread
around it, the author's history, the other items with the same text (a campaign's
cluster), internal notes, and edits made before approval."""
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from moderation.intake import BODY_MAX, TITLE_MAX, IntakeError
from moderation.processing import sample_of
from moderation.review import NOTE_MAX
from moderation.sanitising import clean
from moderation.spam import duplicates
from moderation.store import Item, ItemEdit, Moderator, Note, SubmitterMessage, outbox, utcnow

NEIGHBOURS = 3
HISTORY_LATEST = 5
CLUSTER_SHOWN = 30
EDITABLE = ("pending", "spam")  # before approval only: the published text is what was approved


@dataclass
class Thread:
    parent: Item | None = None
    before: list[Item] = field(default_factory=list)
    after: list[Item] = field(default_factory=list)
    replies: list[Item] = field(default_factory=list)


@dataclass
class History:
    """An author's other items, grouped by one key (email or IP prefix)."""
    label: str
    key: str
    counts: dict[str, int]
    latest: list[Item]


def thread_around(session: Session, item: Item) -> Thread:
    """The comment's parent, its direct replies, and the comments just before and after
    it in the same thread (any status, so a moderator sees the conversation it joins)."""
    if item.thread_id is None:
        return Thread()
    same = select(Item).where(Item.thread_id == item.thread_id, Item.id != item.id)
    before = session.scalars(same.where(Item.id < item.id).order_by(Item.id.desc())
                             .limit(NEIGHBOURS)).all()
    after = session.scalars(same.where(Item.id > item.id).order_by(Item.id)
                            .limit(NEIGHBOURS)).all()
    replies = session.scalars(select(Item).where(Item.parent_id == item.id)
                              .order_by(Item.id).limit(20)).all()
    parent = session.get(Item, item.parent_id) if item.parent_id else None
    return Thread(parent, list(reversed(before)), list(after), list(replies))


def author_history(session: Session, item: Item) -> list[History]:
    """Counts per status and the latest items of the same email and of the same IP
    prefix, this item left out."""
    found = []
    for label, column, key in (("Same email", Item.author_email, item.author_email),
                               ("Same network", Item.ip_prefix, item.ip_prefix)):
        if not key:
            continue
        others = (column == key, Item.id != item.id)
        counts = dict(session.execute(select(Item.status, func.count()).where(*others)
                                      .group_by(Item.status)).all())
        latest = session.scalars(select(Item).where(*others).order_by(Item.id.desc())
                                 .limit(HISTORY_LATEST)).all()
        found.append(History(label, key, counts, list(latest)))
    return found


@dataclass
class Cluster:
    """The other items with the same or nearly the same text (a campaign, or a press
    release sent by many), oldest first, each with its similarity (1.0: the same text)."""
    copies: list[tuple[Item, float]] = field(default_factory=list)
    more: int = 0  # found but not shown
    other_authors: int = 0


def cluster(session: Session, item: Item) -> Cluster:
    """The item's near-duplicate cluster as the duplicate detector finds it now
    (earlier and later items, any status, from the stored fingerprint), at most
    CLUSTER_SHOWN of them."""
    found = duplicates.find_stored(sample_of(item), session)
    similarity = {**{i: 1.0 for i in found.exact}, **dict(found.near)}
    shown = sorted(similarity)[:CLUSTER_SHOWN]
    items = session.scalars(select(Item).where(Item.id.in_(shown)).order_by(Item.id)).all()
    return Cluster([(other, similarity[other.id]) for other in items],
                   len(similarity) - len(shown), found.other_authors)


def current_text(session: Session, item: Item) -> tuple[str, str]:
    """The title and body as they stand: the latest edit's, else what the reader sent."""
    edit = session.scalar(select(ItemEdit).where(ItemEdit.item_id == item.id)
                          .order_by(ItemEdit.id.desc()).limit(1))
    return (edit.title_after, edit.body_after) if edit else (item.title, item.body_raw)


def edit(session: Session, item_id: int, moderator: Moderator, *, title: str, body: str,
         version: int | None) -> ItemEdit:
    """Replace the item's shown title and body (re-sanitised into body_html), record the
    edit and its outbox event and bump the version, so a decision taken on the old text
    is refused (not committed). body_raw is never touched. Raises LookupError for a missing item and
    IntakeError naming the field for a bad edit, a stale version or a decided item."""
    item = session.get(Item, item_id, with_for_update=True, populate_existing=True)
    if item is None:
        raise LookupError(f"no item {item_id}")
    if version is not None and version != item.version:
        raise IntakeError("version", f"item {item.id} changed since you opened it "
                                     f"(now {item.status}); reload it and edit again", status=409)
    if item.status not in EDITABLE:
        raise IntakeError(None, f"item {item.id} is {item.status}; only pending or spam "
                                "items can be edited", status=409)
    title, body = title.strip(), body.strip()
    if item.kind == "comment" and title:
        raise IntakeError("title", "comments have no title", status=422)
    if item.kind != "comment" and not title:
        raise IntakeError("title", "title must not be empty", status=422)
    if len(title) > TITLE_MAX:
        raise IntakeError("title", f"title is too long (at most {TITLE_MAX} characters)")
    if not body:
        raise IntakeError("body", "body must not be empty", status=422)
    if len(body) > BODY_MAX[item.kind]:
        raise IntakeError("body", f"body is too long (at most {BODY_MAX[item.kind]} characters)")
    title_before, body_before = current_text(session, item)
    if (title, body) == (title_before, body_before):
        raise IntakeError("body", "nothing changed", status=422)
    change = ItemEdit(item_id=item.id, moderator_id=moderator.id, actor=moderator.username,
                      title_before=title_before, title_after=title, body_before=body_before,
                      body_after=body, created_at=utcnow())
    session.add(change)
    item.title = title
    item.show(clean(body, item.kind))
    item.version += 1
    session.flush()
    outbox.record(session, "item.edited", site_id=item.site_id, item_id=item.id,
                  thread_id=item.thread_id, at=change.created_at, edit_id=change.id,
                  actor=moderator.username)
    return change


def edits(session: Session, item_id: int) -> list[ItemEdit]:
    return list(session.scalars(select(ItemEdit).where(ItemEdit.item_id == item_id)
                                .order_by(ItemEdit.id)))


def add_note(session: Session, item_id: int, moderator: Moderator, body: str) -> Note:
    """An internal note on the item (not committed); IntakeError for an empty or long one."""
    body = body.strip()
    if not body:
        raise IntakeError("note", "the note is empty")
    if len(body) > NOTE_MAX:
        raise IntakeError("note", f"the note is too long (at most {NOTE_MAX} characters)")
    if session.get(Item, item_id) is None:
        raise LookupError(f"no item {item_id}")
    note = Note(item_id=item_id, moderator_id=moderator.id, actor=moderator.username,
                body=body, created_at=utcnow())
    session.add(note)
    return note


def notes(session: Session, item_id: int) -> list[Note]:
    return list(session.scalars(select(Note).where(Note.item_id == item_id).order_by(Note.id)))


def messages(session: Session, item_id: int) -> dict[int, str]:
    """Decision id -> the message sent to the submitter with it."""
    rows = session.execute(select(SubmitterMessage.decision_id, SubmitterMessage.body)
                           .where(SubmitterMessage.item_id == item_id))
    return dict(rows.all())
