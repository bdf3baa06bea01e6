"""What a worker does with received items: claim them from the queue, which is the item
table itself, then sanitise, score and route each. Safe to run twice: only a `received`
item is touched, under a row lock."""
from datetime import timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from moderation import lifecycle, sanitising
from moderation.community import policy as community_policy
from moderation.community import standing
from moderation.intake import KIND_FIELDS
from moderation.spam import campaigns, duplicates, learning, scorer
from moderation.spam.signals import Sample
from moderation.store import Item, utcnow
from moderation.toxicity import policy as toxicity_policy
from moderation.toxicity import scoring as toxicity

DEFAULT_POLICY = {
    "spam_threshold": scorer.SPAM_THRESHOLD,
    # Pre-moderation unless the site opts in; then only trusted authors (a standing) and
    # verified readers with trusted_after approved items and none rejected lately.
    "auto_approve": False,
    "auto_approve_below": 0.2,
    **community_policy.DEFAULTS,
    **toxicity_policy.DEFAULTS,
}
REGULAR_DAYS = 90


def policy_of(item: Item) -> dict:
    return {**DEFAULT_POLICY, **(item.site.policy or {})}


def sample_of(item: Item) -> Sample:
    own = KIND_FIELDS.get(item.kind, {})  # a comment's thread_url is the site's page
    return Sample(text=item.body_raw, kind=item.kind, title=item.title,
                  fields=tuple((k, str(v)) for k, v in (item.fields or {}).items() if k in own),
                  author_name=item.author_name, author_email=item.author_email, ip=item.ip,
                  ip_prefix=item.ip_prefix, honeypot=item.honeypot,
                  form_served_at=item.form_served_at, received_at=item.created_at,
                  site_id=item.site_id, item_id=item.id)


class Unavailable:
    """Stands in for a model that could not be loaded: the classifier detector then
    fails, is recorded as not checked, and the item is held for a moderator."""

    def __init__(self, error: Exception):
        self.error = error

    def spam_probability(self, text):
        raise RuntimeError(f"model not loaded: {self.error}")


def claim(session: Session, limit: int) -> list[int]:
    """Ids of up to `limit` received items, oldest first, locked until this transaction
    ends; rows another worker holds are skipped (FOR UPDATE SKIP LOCKED on PostgreSQL,
    where a killed worker's rows unlock with its connection; SQLite has a single writer
    and ignores it)."""
    return list(session.scalars(
        select(Item.id).where(Item.status == "received").order_by(Item.id).limit(limit)
        .with_for_update(skip_locked=True)))


def process(session: Session, item_id: int, classifier=None, detector=None) -> Item | None:
    """Sanitise, score and route item `item_id` if it is still received (not committed).
    Returns the item, or None when it does not exist. `classifier` and `detector`
    (toxicity) default to the active model versions."""
    item = session.get(Item, item_id, with_for_update=True, populate_existing=True)
    if item is None or item.status != "received":
        return item
    _process_locked(session, item, classifier_for(session) if classifier is None else classifier,
                    toxicity.detector_for(session) if detector is None else detector)
    return item


def process_many(session: Session, ids: list[int], classifier=None,
                 detector=None) -> list[Item]:
    """process() for several items in one transaction (not committed): the received ones
    are locked in one statement, in id order (so two workers never wait on each other
    in a cycle), and handled in that order, each seeing what the ones before it stored.
    Returns the items processed."""
    items = list(session.scalars(
        select(Item).where(Item.id.in_(ids), Item.status == "received").order_by(Item.id)
        .with_for_update().execution_options(populate_existing=True)))
    if items:
        classifier = classifier_for(session) if classifier is None else classifier
        detector = toxicity.detector_for(session) if detector is None else detector
        for item in items:
            _process_locked(session, item, classifier, detector)
    return items


def classifier_for(session: Session):
    """The active model version, or Unavailable when it cannot be loaded."""
    try:
        return learning.active_classifier(session)
    except Exception as exc:
        return Unavailable(exc)


def _process_locked(session: Session, item: Item, classifier, detector) -> None:
    # Reads first, then the item's changes: they reach the database in one flush.
    body_html = sanitising.clean(item.body_raw, item.kind)
    policy = policy_of(item)
    sample = sample_of(item)
    result = scorer.score(sample, policy, session, classifier)
    toxic, signal = toxicity.assess(detector, item.body_raw, policy)
    result = scorer.Score(result.value, [*result.signals, signal])  # weight 0: spam unchanged
    item.toxicity, item.toxic_spans = (toxic.score, toxic.spans) if toxic else (None, None)
    duplicates.remember(session, item.id, item.body_raw, item.created_at)
    to, note = route(session, item, result, policy)
    item.show(body_html)
    item.score = result.value
    item.signals = [s.as_dict() for s in result.signals]
    lifecycle.move(session, item, to, note=note)
    if to == "spam" and duplicates.is_campaign(result.signals):
        campaigns.gather(session, item, sample)


def hold(session: Session, item_id: int, error: Exception) -> Item | None:
    """Hold a received item that processing fails on for a moderator (not committed):
    pending, its text shown escaped, the error in the decision's note, so that it is
    neither lost nor tried again forever. None when it is no longer received."""
    item = session.get(Item, item_id, with_for_update=True, populate_existing=True)
    if item is None or item.status != "received":
        return None
    item.show(sanitising.escaped(item.body_raw))
    lifecycle.move(session, item, "pending",
                   note=f"held for a moderator: processing failed ({type(error).__name__}: {error})"[:2000])
    return item


def route(session: Session, item: Item, result: scorer.Score, policy: dict) -> tuple[str, str]:
    """Where a scored item goes, and the note saying why."""
    if not result.complete:
        return "pending", "held for a moderator: a detector could not run"
    if result.value >= policy["spam_threshold"]:
        return "spam", f"score {result.value:.2f} >= {policy['spam_threshold']}"
    if item.toxicity is not None and item.toxicity >= policy["toxicity_hold_above"]:
        return "pending", (f"score {result.value:.2f}; held: toxicity {item.toxicity:.2f} >= "
                           f"{policy['toxicity_hold_above']}")
    if policy["auto_approve"] and result.value < policy["auto_approve_below"]:
        standings = standing.in_force(session, item.site_id, item.author_email, item.ip_prefix)
        if any(s.kind == "premoderate" for s in standings):
            return "pending", f"score {result.value:.2f}; the author is always pre-moderated"
        if standing.trusts(standings, item.verified_reader):
            return "approved", f"score {result.value:.2f}, a trusted author"
        if item.verified_reader and _regular(session, item, policy):
            return "approved", f"score {result.value:.2f}, a verified regular"
    return "pending", f"score {result.value:.2f}"


def _regular(session: Session, item: Item, policy: dict) -> bool:
    """A regular: at least policy["trusted_after"] approved items on this site with this
    address, and none rejected or marked spam in the last REGULAR_DAYS."""
    mine = (Item.author_email == item.author_email, Item.site_id == item.site_id,
            Item.id != item.id)
    since = utcnow() - timedelta(days=REGULAR_DAYS)
    if session.scalar(select(exists().where(*mine, Item.status.in_(("rejected", "spam")),
                                            Item.decided_at >= since))):
        return False
    approved = select(Item.id).where(*mine, Item.status == "approved") \
        .limit(policy["trusted_after"]).subquery()
    return session.scalar(select(func.count()).select_from(approved)) >= policy["trusted_after"]
