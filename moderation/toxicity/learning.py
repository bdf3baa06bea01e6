"""The toxicity learning loop, like the spam one (spam/learning.py): a moderator's
verdict becomes a training example (on_event, an outbox consumer); a batch step applies
the waiting examples to a copy of the active version and activates the result (train);
processes score with the active version, loaded once per process (active_detector); an
admin activates an earlier version to roll a bad one back (activate).

What teaches: a rejection for the reason "abuse" says toxic; approving an item the
detector scored at or above its site's hold threshold says not toxic. Other decisions
(spam, off-topic, an ordinary approval) say nothing about incivility."""
import time

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from moderation.store import Item, ToxicityExample, ToxicityModel, utcnow
from moderation.toxicity import default, policy

BATCH = 2000  # examples per version; the rest wait for the next run

# Per process: (database, version id) -> the loaded detector, one tuple swapped whole.
_loaded: list = [(None, None)]
# Per process: database -> (active version id, when it was looked up), for callers that
# accept a slightly old answer (intake's nudge check: no query per post).
_active_ids: dict[str, tuple[int | None, float]] = {}


def verdict(item: Item, to_status: str, reason: str) -> bool | None:
    """What a moderator's move says about toxicity: True (abuse), False (held by the
    detector, approved by a person) or None (nothing)."""
    if to_status == "rejected" and reason == "abuse":
        return True
    if to_status == "approved" and item.toxicity is not None \
            and item.toxicity >= policy.of(item.site.policy)["toxicity_hold_above"]:
        return False
    return None


def on_event(session: Session, event) -> ToxicityExample | None:
    """The outbox consumer: keep a moderator's verdict on an item as a training example
    (not committed), replacing a waiting one of the same item (an undone rejection);
    None for system decisions, other events and moves that say nothing."""
    data = event.data
    if event.type != "item.status_changed" or data.get("moderator_id") is None:
        return None
    item = session.get(Item, event.item_id)
    if item is None:
        return None
    is_toxic = verdict(item, data["to"], data.get("reason", ""))
    if is_toxic is None:
        return None
    session.execute(delete(ToxicityExample).where(ToxicityExample.item_id == item.id,
                                                  ToxicityExample.model_id.is_(None)))
    example = ToxicityExample(item_id=item.id, text=item.body_raw, is_toxic=is_toxic,
                              actor=data.get("actor", ""), created_at=event.created_at)
    session.add(example)
    return example


def active(session: Session) -> ToxicityModel | None:
    return session.scalar(select(ToxicityModel).where(ToxicityModel.is_active)
                          .order_by(ToxicityModel.id.desc()).limit(1))


def _store(session: Session, detector, parent_id: int | None, examples: int,
           note: str) -> ToxicityModel:
    row = ToxicityModel(parent_id=parent_id, data=detector.dumps(), examples=examples,
                        note=note[:200], created_at=utcnow())
    session.add(row)
    session.flush()
    return row


def store_default(session: Session) -> ToxicityModel | None:
    """Store the detector trained from the shipped data as a new active version (not
    committed), so no process needs the cache or a training run; None when a version
    is active already. `flask init-db` calls it."""
    if active(session) is not None:
        return None
    row = _store(session, default.default_detector(), None, 0,
                 "trained from the shipped data (Civil Comments toxic spans)")
    return activate(session, row.id)


def train(session: Session, limit: int = BATCH) -> ToxicityModel | None:
    """Apply the waiting examples, oldest first, to a copy of the active version (the
    default one if none is stored yet) with the detector's gradient steps; store the
    result as a new version and activate it (not committed). None when nothing waits."""
    from moderation.toxicity.detector import Detector
    waiting = session.scalars(select(ToxicityExample).where(ToxicityExample.model_id.is_(None))
                              .order_by(ToxicityExample.id).limit(limit)
                              .with_for_update()).all()
    if not waiting:
        return None
    base_row = active(session) or store_default(session)
    detector = Detector.loads(base_row.data).update([e.text for e in waiting],
                                                    [e.is_toxic for e in waiting])
    toxic = sum(e.is_toxic for e in waiting)
    row = _store(session, detector, base_row.id, len(waiting),
                 f"v{base_row.id} + {toxic} abuse and {len(waiting) - toxic} approved-when-held "
                 "decision(s)")
    for example in waiting:
        example.model_id = row.id
    activate(session, row.id)
    return row


def activate(session: Session, model_id: int) -> ToxicityModel:
    """Make version model_id the one every process scores with (not committed).
    Raises LookupError when it does not exist."""
    row = session.get(ToxicityModel, model_id)
    if row is None:
        raise LookupError(f"no toxicity model version {model_id}")
    session.execute(update(ToxicityModel).values(is_active=ToxicityModel.id == model_id)
                    .execution_options(synchronize_session="fetch"))
    return row


def versions(session: Session, limit: int = 50) -> list[ToxicityModel]:
    return list(session.scalars(select(ToxicityModel).order_by(ToxicityModel.id.desc())
                                .limit(limit)))


def waiting_examples(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ToxicityExample)
                          .where(ToxicityExample.model_id.is_(None))) or 0


def active_detector(session: Session, max_age: float = 0.0, build: bool = True):
    """The detector of the active version, loaded once per process and reloaded when the
    active version changes; the default one while no version is stored. Looks the
    active version up (one indexed query) unless it did less than `max_age` seconds
    ago. With build=False, None rather than training the default (a request must not)."""
    url = str(session.get_bind().url)
    now = time.monotonic()
    cached = _active_ids.get(url)
    if cached is not None and now - cached[1] < max_age:
        model_id = cached[0]
    else:
        model_id = session.scalar(select(ToxicityModel.id).where(ToxicityModel.is_active)
                                  .order_by(ToxicityModel.id.desc()).limit(1))
        if len(_active_ids) > 100:
            _active_ids.clear()
        _active_ids[url] = (model_id, now)
    if model_id is None:
        return default.default_detector(build=build)
    key = (url, model_id)
    loaded_key, detector = _loaded[0]
    if loaded_key != key:
        from moderation.toxicity.detector import Detector
        data = session.scalar(select(ToxicityModel.data).where(ToxicityModel.id == model_id))
        detector = Detector.loads(data)
        detector.version = model_id
        _loaded[0] = (key, detector)
    return detector
