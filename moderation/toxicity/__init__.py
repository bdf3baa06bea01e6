"""Toxicity (incivility): a local detector that scores every item and highlights the
words behind the score (detector.py, features.py; trained by training.py from the
shipped data, built once and cached by default.py), the worker's signal (scoring.py),
per-site policy (policy.py), the reader nudge (nudge.py), the item page's highlighting
(highlight.py) and learning from moderators' decisions (learning.py). No text leaves the
service."""
