"""Fitting the detector's arrays from labelled comments (scikit-learn's liblinear), and
the shipped training data (data/SOURCE.md).

Training data: the Civil Comments toxic-spans set, de-duplicated, its "ok" rows weighted
OK_WEIGHT (they were pre-selected as likely toxic and raters split on many), plus one
more negative per toxic comment with its marked words deleted ("span-deleted
negatives": the same topic and tone without the insult), which teaches the models that
the insult, not the subject, is what is toxic."""
import csv
import hashlib
import json
import re
import time
from pathlib import Path

import numpy as np

from moderation.toxicity.detector import FEATURES_VERSION, MAX_CHARS, MAX_WORDS, Detector
from moderation.toxicity.features import CONTEXT, Words, tokenize

DATA = Path(__file__).parent / "data" / "civil-toxic-spans.csv"
SETTINGS = {"bits": 20, "doc_C": 4.0, "token_C": 1.0, "ok_weight": 0.3,
            "deleted_weight": 1.0, "extra_weight": 3.0, "min_deleted_words": 3,
            "tol": 1e-2}
SPACES = re.compile(r"\s+")
BEFORE_PUNCTUATION = re.compile(r"\s+([,.;:!?])")


def read(path: Path = DATA) -> tuple[list[str], list[bool], list[list[int]]]:
    """Texts, toxic flags and marked character offsets, without repeated texts."""
    texts, toxic, spans, seen = [], [], [], set()
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            key = SPACES.sub(" ", row["text"]).strip().lower()
            if key in seen:
                continue
            seen.add(key)
            texts.append(row["text"])
            toxic.append(row["label"] == "toxic")
            spans.append(json.loads(row.get("toxic_offsets") or "[]"))
    return texts, toxic, spans


def data_hash(path: Path = DATA) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def delete_spans(text: str, offsets: list[int]) -> str:
    """The text without its marked characters (a negative example of the same topic)."""
    marked = set(offsets)
    kept = "".join(ch for i, ch in enumerate(text) if i not in marked)
    return BEFORE_PUNCTUATION.sub(r"\1", re.sub(r"[ \t]+", " ", kept)).strip()


def _words(text: str, bits: int) -> tuple[list[tuple[int, int, str]], Words]:
    found = tokenize(text[:MAX_CHARS], MAX_WORDS)
    return found, Words([w[2] for w in found], bits)


def _counts(texts: list[str], bits: int):
    """Texts x slots: how often each slot occurs in each text."""
    import scipy.sparse as sp
    rows, cols = [], []
    for r, text in enumerate(texts):
        slots = _words(text, bits)[1].document()
        rows.append(np.full(len(slots), r))
        cols.append(slots)
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    return sp.coo_matrix((np.ones(len(rows)), (rows, cols)),
                         shape=(len(texts), 1 << bits)).tocsr()


def _tfidf(counts, idf):
    import scipy.sparse as sp
    counts = counts.copy()
    counts.data = 1.0 + np.log(counts.data)
    weighted = counts @ sp.diags(idf)
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.diags(1.0 / norms) @ weighted


def _token_rows(texts, toxic, spans, bits: int):
    """Words x slots, one row per word of each toxic comment with marked offsets (its
    own and context slots, the row L2-normalised), and the labels: 1 where the word
    overlaps a marked character. (Comments without marks say nothing about which word
    it is; words of ok comments made the word probabilities worse calibrated.)"""
    import scipy.sparse as sp
    rows, cols, labels, done = [], [], [], 0
    for text, is_toxic, offsets in zip(texts, toxic, spans):
        if not is_toxic or not offsets:
            continue
        marked = set(offsets)
        found, words = _words(text, bits)
        labels += [any(o in marked for o in range(start, end)) for start, end, _ in found]
        rows += [words.owner + done, np.repeat(np.arange(words.count), CONTEXT) + done]
        cols += [words.own, words.context.ravel()]
        done += words.count
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    per_row = np.bincount(rows, minlength=done)
    matrix = sp.coo_matrix((1.0 / np.sqrt(per_row[rows]), (rows, cols)),
                           shape=(done, 1 << bits)).tocsr()
    return matrix, np.array(labels)


def train(texts: list[str], toxic: list[bool], spans: list[list[int]],
          extra_texts: tuple = (), extra_toxic: tuple = (), **settings) -> Detector:
    """A detector fitted on comments with marked offsets (spans) and, optionally, more
    labelled comments without offsets (moderators' verdicts: doc model only)."""
    from sklearn.linear_model import LogisticRegression
    started = time.process_time()
    s = {**SETTINGS, **settings}
    bits = s["bits"]
    doc_texts, doc_labels = list(texts), [bool(t) for t in toxic]
    weights = [1.0 if t else s["ok_weight"] for t in doc_labels]
    for text, is_toxic, offsets in zip(texts, toxic, spans):
        if is_toxic and offsets:
            deleted = delete_spans(text, offsets)
            if len(deleted.split()) >= s["min_deleted_words"]:
                doc_texts.append(deleted), doc_labels.append(False)
                weights.append(s["deleted_weight"])
    for text, is_toxic in zip(extra_texts, extra_toxic, strict=True):
        doc_texts.append(text), doc_labels.append(bool(is_toxic))
        weights.append(s["extra_weight"])
    counts = _counts(doc_texts, bits)
    df = np.bincount(counts.indices, minlength=1 << bits)
    idf = np.log((1.0 + counts.shape[0]) / (1.0 + df)) + 1.0
    # The dual solver: ten times faster than the primal one here (many more slots than
    # rows), to the same weights within 0.01.
    doc = LogisticRegression(C=s["doc_C"], solver="liblinear", dual=True, tol=s["tol"],
                             max_iter=1000)
    doc.fit(_tfidf(counts, idf), np.array(doc_labels), sample_weight=np.array(weights))
    matrix, labels = _token_rows(texts, toxic, spans, bits)
    token = LogisticRegression(C=s["token_C"], solver="liblinear", dual=True, tol=s["tol"],
                               max_iter=1000)
    token.fit(matrix, labels)
    config = {**s, "features_version": FEATURES_VERSION, "trained_at": int(time.time()),
              "examples": len(texts), "extra_examples": len(extra_texts),
              "train_cpu_seconds": round(time.process_time() - started, 1)}
    return Detector(config, {"idf": idf, "doc_w": doc.coef_.ravel(),
                             "doc_b": doc.intercept_[:1], "tok_w": token.coef_.ravel(),
                             "tok_b": token.intercept_[:1]})
