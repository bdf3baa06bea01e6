"""Each site's spam threshold, and what it would have done on the site's own traffic:
precision, recall and ham false-positive rate over the site's latest moderator verdicts
(as many as MODERATION_THRESHOLD_DECISIONS says; learning.verdict: the same reading of a decision that teaches the model), scored as the
items were when they arrived. A site's threshold lives in its policy ("spam_threshold",
which processing.route applies); none set means the default."""
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation.accounts import audit
from moderation.spam.learning import verdict
from moderation.spam.scorer import SPAM_THRESHOLD
from moderation.store import Decision, Item, Moderator, Site

CANDIDATES = (0.5, 0.6, 0.7, 0.8, 0.9)  # shown beside the site's own


class ThresholdError(ValueError):
    """A threshold that is not a number in (0, 1]."""


@dataclass(frozen=True)
class Figures:
    """At one threshold, over `spam` + `ham` verdicts: None where nothing was counted."""
    threshold: float
    precision: float | None
    recall: float | None
    false_positive_rate: float | None


@dataclass(frozen=True)
class SiteThreshold:
    site: Site
    threshold: float
    is_default: bool
    spam: int  # verdicts of spam in the window
    ham: int
    at: list[Figures]  # the site's threshold and the candidates, ascending

    @property
    def current(self) -> Figures:
        return next(f for f in self.at if f.threshold == self.threshold)


def parse(raw: object, name: str = "spam threshold") -> float:
    """The threshold a form sent, as a number in (0, 1]; ThresholdError naming the
    problem otherwise. The one check of a spam threshold (/admin/policy uses it too)."""
    try:
        value = float(str(raw).strip())
    except ValueError:
        raise ThresholdError(f"{name} must be a number between 0 and 1, such as 0.7; "
                             f"got {str(raw)[:40]!r}") from None
    if not 0 < value <= 1:  # NaN fails this too
        raise ThresholdError(f"{name} must be between 0 and 1 (more than 0, at most 1); "
                             f"got {str(raw)[:40]!r}")
    return value


def threshold_of(site: Site) -> float:
    return float((site.policy or {}).get("spam_threshold", SPAM_THRESHOLD))


def verdicts(session: Session, site_id: int, window: int) -> list[tuple[float, bool]]:
    """(score on arrival, is spam) of the site's latest `window` items that moderators
    judged, each item once, by its latest verdict. Reads at most 4 * window decisions:
    a moderator's approve after a not-spam is two decisions on one item."""
    rows = session.execute(
        select(Decision.item_id, Decision.from_status, Decision.to_status, Decision.reason,
               Item.score)
        .join(Item, Item.id == Decision.item_id)
        .where(Item.site_id == site_id, Decision.moderator_id.is_not(None),
               Item.score.is_not(None))
        .order_by(Decision.id.desc()).limit(4 * window))
    latest: dict[int, tuple[float, bool]] = {}
    for item_id, from_status, to_status, reason, score in rows:
        said = verdict(from_status, to_status, reason)
        if said is not None and item_id not in latest:
            latest[item_id] = (score, said)
            if len(latest) == window:
                break
    return list(latest.values())


def figures(judged: list[tuple[float, bool]], threshold: float) -> Figures:
    """What sending every item scored at or above `threshold` to spam gives."""
    flagged = [is_spam for score, is_spam in judged if score >= threshold]
    spam = sum(is_spam for _, is_spam in judged)
    ham = len(judged) - spam
    caught, wrong = sum(flagged), len(flagged) - sum(flagged)
    return Figures(threshold, caught / len(flagged) if flagged else None,
                   caught / spam if spam else None, wrong / ham if ham else None)


def overview(session: Session, window: int) -> list[SiteThreshold]:
    """Every site's threshold with its figures on the site's latest verdicts."""
    found = []
    for site in session.scalars(select(Site).order_by(Site.key)):
        judged = verdicts(session, site.id, window)
        threshold = threshold_of(site)
        spam = sum(is_spam for _, is_spam in judged)
        at = [figures(judged, t) for t in sorted({threshold, *CANDIDATES})]
        found.append(SiteThreshold(site, threshold, "spam_threshold" not in (site.policy or {}),
                                   spam, len(judged) - spam, at))
    return found


def set_threshold(session: Session, site: Site, raw: object, actor: Moderator) -> float:
    """Set the site's spam threshold from what a form sent, and audit the change (not
    committed). Items are routed by it from the next one processed; those already
    routed stay where they are. Raises ThresholdError, changing nothing."""
    value = parse(raw)
    before = threshold_of(site)
    site.policy = {**(site.policy or {}), "spam_threshold": value}
    audit(session, actor, "spam_threshold_changed", f"{site.key}: {before:g} → {value:g}")
    return value
