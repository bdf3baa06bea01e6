"""One spam score from every detector. All detectors run on every item and each
records its signals; a detector that fails is recorded as not checked and the item is
then held for a moderator (see processing.route).

How signals combine: noisy-or, as if each signal were an independent chance that the
item is spam. It is monotone (evidence only adds), one strong signal is enough on its
own, several weak ones add up, and each weight reads as "this alone makes it that
likely spam", which is what a moderator sees in the breakdown.

The classifier's probability is not such a weight: it is uncalibrated and its scale
changes with the training data. So it enters through its own threshold, chosen on
held-out data for a 1 % ham false-positive rate (classifier.calibrate): its log-odds
are shifted so that exactly that threshold maps to SPAM_THRESHOLD. Alone at the default
policy the classifier then decides as calibrated, on any data and after any retraining,
and the other detectors can only push a borderline text over, never pull spam back.
"""
import functools
import math
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from moderation.spam import duplicates, emails, flood, form, history, links, textstats, words
from moderation.spam.footprint import footprint
from moderation.spam.signals import Sample, Signal

SPAM_THRESHOLD = 0.7  # default policy; a site can set its own "spam_threshold"


@dataclass(frozen=True)
class Score:
    value: float
    signals: list[Signal]

    @property
    def complete(self) -> bool:
        return all(s.checked for s in self.signals)


def combine(signals: list[Signal]) -> float:
    """Noisy-or of the checked signals' weights."""
    keep = 1.0
    for signal in signals:
        if signal.checked:
            keep *= 1.0 - min(max(signal.weight, 0.0), 0.99)
    return round(1.0 - keep, 4)


def logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))


def calibrated(probability: float, threshold: float) -> float:
    """The classifier's weight: its probability with log-odds shifted so `threshold`
    lands on SPAM_THRESHOLD."""
    shifted = logit(probability) - logit(threshold) + logit(SPAM_THRESHOLD)
    return round(1.0 / (1.0 + math.exp(-shifted)), 4)


def classifier_signal(sample: Sample, classifier) -> list[Signal]:
    if classifier is None:
        from moderation.spam.classifier import default_classifier
        classifier = default_classifier()
    p = classifier.spam_probability(f"{sample.title}\n{sample.text}".strip())
    # Stand-ins without a calibrated threshold (tests) are read as probabilities.
    threshold = getattr(classifier, "threshold", SPAM_THRESHOLD)
    weight = calibrated(p, threshold)
    version = getattr(classifier, "version", None)
    model = f"model v{version}" if version else "text model"
    return [Signal("classifier", weight,
                   f"{model}: {p:.0%} spam (its 1%-false-positive line is {threshold:.0%})")]


def score(sample: Sample, policy: dict, session: Session | None = None,
          classifier=None) -> Score:
    """Run every detector on sample; never raises for a failing detector. Detectors
    that need stored items (duplicates, flood, history) run only with a session."""
    signals, _ = run([
        ("links", lambda: links.check(sample, frozenset(policy.get("blocked_domains", ())))),
        ("form", lambda: form.check(sample)),
        ("words", lambda: words.check(sample, policy.get("blocked_words", ()),
                                      policy.get("suspect_words", words.DEFAULT_SUSPECT))),
        ("email", lambda: emails.check(sample)),
        ("text", lambda: textstats.check(sample)),
        ("classifier", lambda: classifier_signal(sample, classifier)),
    ])
    if session is not None:
        signals += stored_signals(sample, session)
    return Score(combine(signals), signals)


def run(checks) -> tuple[list[Signal], list[Exception]]:
    """Every check's signals, a "not checked" signal for each that raised; and the errors."""
    signals: list[Signal] = []
    errors = []
    for name, check in checks:
        try:
            signals.extend(check())
        except Exception as exc:  # one broken detector must not stop the others
            errors.append(exc)
            signals.append(Signal(name, 0.0, f"not checked: {type(exc).__name__}: {exc}",
                                  checked=False))
    return signals, errors


def stored_signals(sample: Sample, session: Session) -> list[Signal]:
    """The detectors that read stored items. Flood and history share one query
    (footprint). On PostgreSQL a failed query aborts the whole transaction, so they run
    in a savepoint, and a broken detector cannot take the item's processing down."""
    shared = functools.cache(footprint)
    checks = [
        ("duplicate", lambda: duplicates.check(sample, session)),
        ("flood", lambda: flood.check(sample, session, shared)),
        ("history", lambda: history.check(sample, session, shared)),
    ]
    savepoint = session.begin_nested()
    signals, errors = run(checks)
    if any(isinstance(error, SQLAlchemyError) for error in errors):
        savepoint.rollback()
    else:
        savepoint.commit()
    return signals


def score_text(text: str, classifier=None) -> float:
    """Score bare text with neutral context, as offline evaluation needs."""
    return score(Sample(text=text), {}, None, classifier).value
