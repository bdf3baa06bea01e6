#!/usr/bin/env python3
"""Evaluate the shipped toxicity model on a CSV with columns text,label (toxic/ok).

  .venv/bin/python bench/toxicity_eval.py --test FILE [--json]
  .venv/bin/python bench/toxicity_eval.py --civil-2fold [--json]

--test: the model trained from the shipped data (moderation/toxicity/data; built once and
kept in the model cache, as the product does) scores every row of FILE; rows whose text
is in the training data, and repeated rows, are dropped first. Prints
{"auc", "recall_at_fpr_5", "ms_per_item", "n", "toxic"}: ROC AUC, the share of toxic
rows caught at the score that flags 5 % of the ok rows, and the CPU time of one
analyse() call (score and words) per row, one at a time.

--civil-2fold: the held-out figure on the training data itself, as the research
measured it: comments split in two by a hash of their text, a model trained on each
half (about 15 s of CPU each) and tested on the other; the two halves' figures
averaged. Its ok rows are hard negatives (pre-selected as likely toxic).

Test on a source the model was not trained on; never choose settings on these files."""
import argparse
import csv
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation.toxicity import default, training  # noqa: E402


def key(text: str) -> str:
    return " ".join(text.split()).lower()


def roc_auc(y, s) -> float:
    """The probability that a toxic row outscores an ok one (ties count half)."""
    y, s = np.asarray(y, bool), np.asarray(s, float)
    _, inverse, counts = np.unique(s, return_inverse=True, return_counts=True)
    ranks = (np.cumsum(counts) - (counts - 1) / 2.0)[inverse]  # average ranks of ties
    positives, negatives = y.sum(), (~y).sum()
    return float((ranks[y].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def recall_at_fpr(y, s, fpr: float = 0.05) -> float:
    y, s = np.asarray(y, bool), np.asarray(s, float)
    negatives = np.sort(s[~y])[::-1]
    allowed = int(np.floor(fpr * len(negatives)))  # ok rows allowed above the line
    line = negatives[allowed] if allowed < len(negatives) else -np.inf
    return float((s[y] > line).mean())


def evaluate(detector, texts, toxic) -> dict:
    scores, started = [], time.process_time()
    for text in texts:
        scores.append(detector.analyse(text)[0])
    ms = (time.process_time() - started) * 1000 / max(len(texts), 1)
    return {"auc": round(roc_auc(toxic, scores), 4),
            "recall_at_fpr_5": round(recall_at_fpr(toxic, scores), 4),
            "ms_per_item": round(ms, 3), "n": len(texts), "toxic": int(sum(toxic))}


def read_test(path: str) -> tuple[list[str], list[bool]]:
    trained = {key(t) for t in training.read()[0]}
    texts, toxic, seen = [], [], set()
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            k = key(row["text"])
            if k in seen or k in trained:
                continue
            seen.add(k)
            texts.append(row["text"])
            toxic.append(row["label"].strip().lower() == "toxic")
    return texts, toxic


def civil_two_fold() -> dict:
    texts, toxic, spans = training.read()
    fold = [int(hashlib.md5(key(t).encode()).hexdigest(), 16) % 2 for t in texts]
    halves = []
    for held_out in (0, 1):
        train = [i for i, f in enumerate(fold) if f != held_out]
        test = [i for i, f in enumerate(fold) if f == held_out]
        detector = training.train([texts[i] for i in train], [toxic[i] for i in train],
                                  [spans[i] for i in train])
        halves.append(evaluate(detector, [texts[i] for i in test], [toxic[i] for i in test]))
    return {name: round(float(np.mean([h[name] for h in halves])), 4)
            for name in ("auc", "recall_at_fpr_5", "ms_per_item")} | \
        {"n": sum(h["n"] for h in halves), "toxic": sum(h["toxic"] for h in halves)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--test", help="CSV with text,label (toxic/ok)")
    what.add_argument("--civil-2fold", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--cache", default=str(ROOT / "instance" / "model-cache"),
                        help="the model cache folder (MODERATION_MODEL_CACHE)")
    args = parser.parse_args()
    if args.civil_2fold:
        result = civil_two_fold()
    else:
        default.configure(args.cache)
        detector = default.default_detector()
        result = evaluate(detector, *read_test(args.test))
    if args.json:
        print(json.dumps(result))
    else:
        for name, value in result.items():
            print(f"{name}: {value}")


if __name__ == "__main__":
    main()
