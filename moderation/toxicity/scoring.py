"""Toxicity as the worker records it: the item's score and highlighted spans, and one
more signal in the item's breakdown.

Incivility is not spam: the signal's weight is 0, so it never moves the spam score
(scorer.combine); routing reads item.toxicity against the site's hold threshold
(processing.route) instead."""
from dataclasses import dataclass

from moderation.spam.signals import Signal
from moderation.toxicity import learning, policy

WORDS_SHOWN = 8


@dataclass(frozen=True)
class Toxicity:
    score: float
    spans: list[list[int]]  # [start, end] offsets into the text, in order
    words: list[tuple[str, float]]  # the highlighted words as written, with their weight


def check(detector, text: str) -> Toxicity:
    score, found = detector.analyse(text)
    return Toxicity(score, [[start, end] for start, end, _ in found],
                    [(text[start:end], weight) for start, end, weight in found])


def signal(found: Toxicity, site_policy: dict) -> Signal:
    """The breakdown's line: the score against the site's thresholds, the words."""
    keys = policy.of(site_policy)
    strongest = sorted(found.words, key=lambda w: -w[1])[:WORDS_SHOWN]
    words = ", ".join(f"\u201c{word[:40]}\u201d {weight:.2f}" for word, weight in strongest)
    marks = [f"holds at {keys['toxicity_hold_above']:.2f}"]
    if policy.likely_reject(found.score, site_policy):
        marks.append("likely reject")
    return Signal("toxicity", 0.0, f"toxicity {found.score:.2f} ({', '.join(marks)}; not part "
                                   f"of the spam score)" + (f": {words}" if words else ""))


def assess(detector, text: str, site_policy: dict) -> tuple[Toxicity | None, Signal]:
    """The item's toxicity and its signal; (None, a "not checked" signal) when the
    detector fails, so that the item is held for a moderator like any other."""
    try:
        found = check(detector, text)
    except Exception as exc:  # one broken detector must not stop the item
        return None, Signal("toxicity", 0.0, f"not checked: {type(exc).__name__}: {exc}",
                            checked=False)
    return found, signal(found, site_policy)


class Unavailable:
    """Stands in for a detector that could not be loaded: assess() then records the
    toxicity signal as not checked."""

    def __init__(self, error: Exception):
        self.error = error

    def analyse(self, text):
        raise RuntimeError(f"toxicity model not loaded: {self.error}")


def detector_for(session):
    """The active detector, or Unavailable when it cannot be loaded."""
    try:
        return learning.active_detector(session)
    except Exception as exc:
        return Unavailable(exc)
