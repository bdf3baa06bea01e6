"""The learning loop. A moderator's verdict becomes a training example (on_event, an
outbox consumer); a batch step turns the waiting examples into a new model version and
activates it (train); workers score with the active version, loaded once per process and reloaded
when another version becomes active (active_classifier); an admin can activate an
earlier version to roll a bad one back (activate)."""
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from moderation.store import Item, SpamModel, TrainingExample, utcnow

# The classifier (scikit-learn, scipy) is imported where a model is needed, not here:
# web processes import this module and never score.

BATCH = 2000  # examples per version; the rest wait for the next run

# Per process: (database, version id) -> the loaded classifier. Keyed by database as
# well, so test apps with their own databases never share a model.
# One tuple, swapped whole, so a thread never pairs one version's key with another's model.
_loaded: list = [(None, None)]


def verdict(from_status: str, to_status: str, reason: str = "") -> bool | None:
    """What a moderator's status change says about spam: approving, or taking an item out
    of the spam queue, says "not spam"; marking it spam, or rejecting it for the reason
    "spam", says "spam". Anything else (an abusive or off-topic comment rejected) says
    nothing: teaching the model so would blur it."""
    if to_status == "approved" or (from_status, to_status) == ("spam", "pending"):
        return False
    if to_status == "spam" or (to_status == "rejected" and reason == "spam"):
        return True
    return None


def on_event(session: Session, event) -> TrainingExample | None:
    """The outbox consumer: keep a moderator's verdict on an item as a training example
    (not committed); None for system decisions, other events and changes that say
    nothing about spam."""
    data = event.data
    if event.type != "item.status_changed" or data.get("moderator_id") is None:
        return None
    is_spam = verdict(data["from"], data["to"], data.get("reason", ""))
    item = session.get(Item, event.item_id) if is_spam is not None else None
    if item is None:
        return None
    return example(session, item, is_spam, data.get("actor", ""), event.created_at)


def example(session: Session, item: Item, is_spam: bool, actor: str,
            at=None) -> TrainingExample:
    """Keep a verdict on the item's text (title and body as submitted, so a later edit
    does not change what is learnt) as a training example (not committed)."""
    row = TrainingExample(item_id=item.id, text=f"{item.title}\n{item.body_raw}".strip(),
                          is_spam=is_spam, actor=actor, created_at=at or utcnow())
    session.add(row)
    return row


def active(session: Session) -> SpamModel | None:
    return session.scalar(select(SpamModel).where(SpamModel.is_active)
                          .order_by(SpamModel.id.desc()).limit(1))


def _store(session: Session, model, parent_id: int | None, examples: int,
           note: str) -> SpamModel:
    row = SpamModel(parent_id=parent_id, data=model.dumps(), threshold=model.threshold,
                    examples=examples, note=note[:200], created_at=utcnow())
    session.add(row)
    session.flush()
    return row


def train(session: Session, limit: int = BATCH) -> SpamModel | None:
    """Apply the waiting examples, oldest first, to a copy of the active model (the one
    from the shipped corpora if none is stored yet), store it as a new version and make
    it active (not committed). Returns the new version, or None when nothing waits.

    The decision threshold is inherited: learn() takes small steps that keep the
    scale of the logits, and a fresh threshold would need held-out data we lack."""
    waiting = session.scalars(select(TrainingExample).where(TrainingExample.model_id.is_(None))
                              .order_by(TrainingExample.id).limit(limit)
                              .with_for_update()).all()
    if not waiting:
        return None
    from moderation.spam.classifier import Classifier
    base_row = active(session) or store_default(session)
    base = Classifier.loads(base_row.data)
    model = base.copy().learn([e.text for e in waiting], [e.is_spam for e in waiting])
    spam = sum(e.is_spam for e in waiting)
    row = _store(session, model, base_row.id, len(waiting),
                 f"v{base_row.id} + {spam} spam and {len(waiting) - spam} ham decision(s)")
    for example in waiting:
        example.model_id = row.id
    activate(session, row.id)
    return row


def store_default(session: Session) -> SpamModel | None:
    """Store the model trained from the shipped corpora as a new version and make it
    active (not committed), so that no worker trains it on its first item; None when a
    version is active already. `flask init-db` calls it, so a fresh install gets it as
    version 1."""
    if active(session) is not None:
        return None
    from moderation.spam.classifier import default_classifier
    row = _store(session, default_classifier(), None, 0, "trained from the shipped corpora")
    return activate(session, row.id)


def activate(session: Session, model_id: int) -> SpamModel:
    """Make version model_id the one every worker scores with (not committed).
    Raises LookupError when it does not exist."""
    row = session.get(SpamModel, model_id)
    if row is None:
        raise LookupError(f"no spam model version {model_id}")
    session.execute(update(SpamModel).values(is_active=SpamModel.id == model_id)
                    .execution_options(synchronize_session="fetch"))
    return row


def versions(session: Session, limit: int = 50) -> list[SpamModel]:
    return list(session.scalars(select(SpamModel).order_by(SpamModel.id.desc()).limit(limit)))


def waiting_examples(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(TrainingExample)
                          .where(TrainingExample.model_id.is_(None))) or 0


def active_classifier(session: Session):
    """The classifier of the active version, loaded once per process and reloaded when
    the active version changes (one indexed query per call); the model trained from the
    shipped corpora while no version is stored."""
    from moderation.spam.classifier import Classifier, default_classifier
    model_id = session.scalar(select(SpamModel.id).where(SpamModel.is_active)
                              .order_by(SpamModel.id.desc()).limit(1))
    if model_id is None:
        return default_classifier()
    key = (str(session.get_bind().url), model_id)
    loaded_key, model = _loaded[0]
    if loaded_key != key:
        model = Classifier.loads(session.scalar(select(SpamModel.data).where(SpamModel.id == model_id)))
        model.version = model_id
        _loaded[0] = (key, model)
    return model
