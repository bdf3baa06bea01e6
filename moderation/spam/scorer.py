"""One spam score from every detector. All detectors run on every item and each
records its signals; a detector that fails is recorded as not checked and the item is
then held for a moderator (see processing.route)."""
from dataclasses import dataclass

from sqlalchemy.orm import Session

from . import duplicates, form, links, words
from .signals import Sample, Signal

SPAM_THRESHOLD = 0.7  # default policy; a site can set its own "spam_threshold"


@dataclass(frozen=True)
class Score:
    value: float
    signals: list[Signal]

    @property
    def complete(self) -> bool:
        return all(s.checked for s in self.signals)


def combine(signals: list[Signal]) -> float:
    """Noisy-or: each signal is an independent chance that the item is spam."""
    keep = 1.0
    for signal in signals:
        if signal.checked:
            keep *= 1.0 - min(max(signal.weight, 0.0), 0.99)
    return round(1.0 - keep, 4)


def classifier_signal(sample: Sample, classifier) -> list[Signal]:
    if classifier is None:
        from .classifier import default_classifier
        classifier = default_classifier()
    p = classifier.spam_probability(f"{sample.title}\n{sample.text}".strip())
    return [Signal("classifier", round(p, 4), f"text model says {p:.0%} spam")]


def score(sample: Sample, policy: dict, session: Session | None = None,
          classifier=None) -> Score:
    """Run every detector on sample; never raises for a failing detector."""
    checks = [
        ("links", lambda: links.check(sample, frozenset(policy.get("blocked_domains", ())))),
        ("form", lambda: form.check(sample)),
        ("words", lambda: words.check(sample, policy.get("blocked_words", ()),
                                      policy.get("suspect_words", words.DEFAULT_SUSPECT))),
        ("classifier", lambda: classifier_signal(sample, classifier)),
    ]
    if session is not None:
        checks.append(("duplicate", lambda: duplicates.check(sample, session)))
    signals: list[Signal] = []
    for name, run in checks:
        try:
            signals.extend(run())
        except Exception as exc:  # one broken detector must not stop the others
            signals.append(Signal(name, 0.0, f"not checked: {type(exc).__name__}: {exc}",
                                  checked=False))
    return Score(combine(signals), signals)


def score_text(text: str, classifier=None) -> float:
    """Score bare text with neutral context, as offline evaluation needs."""
    return score(Sample(text=text), {}, None, classifier).value
