"""Spam detection quality on labelled CSVs: precision, recall, F1, ham false-positive rate, MCC.

    python bench/spam_eval.py --train A.csv [B.csv ...] --test C.csv [--json]
    python bench/spam_eval.py --rotations [--also-train sms.csv]

    python bench/spam_eval.py --calibrate

The learnable parts are trained on the training files only: the classifier, and its
decision threshold (classifier.calibrate: out-of-fold spam probabilities, one fold per
training file when there are several, else five stratified folds, threshold at the 99th
percentile of the ham scores, i.e. a 1 % ham false-positive budget). The whole scorer
runs every detector with neutral submission context (no form time, no author history,
no other items) at the default policy threshold; the classifier enters it through its
calibrated threshold (see spam/scorer.py). Nothing about the test file is used.
--calibrate prints the threshold of the shipped default model (classifier.DEFAULT_THRESHOLD).
--also-train adds shipped corpora to the training files of each YouTube rotation, as the
shipped model is trained on every corpus (the test video is never among them).
"""

import argparse
import csv
import json
import math
import sys
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from moderation.spam.classifier import (  # noqa: E402
    DATA_DIR,
    SEED,
    Classifier,
    as_spam_flags,
    calibrate,
    corpora,
    duplicate_groups,
)

YOUTUBE = ["youtube-psy.csv", "youtube-katyperry.csv", "youtube-lmfao.csv"]


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [row["text"] for row in rows], list(as_spam_flags([row["label"] for row in rows]))


def metrics(is_spam, flagged):
    is_spam, flagged = np.asarray(is_spam, bool), np.asarray(flagged, bool)
    tp = int((is_spam & flagged).sum())
    fp = int((~is_spam & flagged).sum())
    fn = int((is_spam & ~flagged).sum())
    tn = int((~is_spam & ~flagged).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    denominator = math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return {
        "precision": precision, "recall": recall, "f1": f1,
        "fpr": fp / (fp + tn) if fp + tn else 0.0,
        "mcc": (tp * tn - fp * fn) / denominator if denominator else 0.0,
    }


def scorer_module():
    try:
        from moderation.spam import scorer
        return scorer.score_text, scorer.SPAM_THRESHOLD
    except Exception as error:  # a missing or broken scorer must not hide the classifier's numbers
        print(f"warning: scorer unavailable ({error!r}); 'scorer' shows the classifier", file=sys.stderr)
        return None, None


def evaluate(train_texts, train_labels, train_sources, test_texts, test_labels):
    threshold = calibrate(train_texts, train_labels, train_sources)
    model = Classifier.train(train_texts, train_labels)
    model.threshold = threshold
    flagged = [model.spam_probability(text) >= threshold for text in test_texts]
    result = {"classifier": metrics(test_labels, flagged)}
    score_text, spam_threshold = scorer_module()
    if score_text is None:
        result["scorer"] = dict(result["classifier"])
    else:
        flagged = [score_text(text, model) >= spam_threshold for text in test_texts]
        result["scorer"] = metrics(test_labels, flagged)
    result["threshold"] = threshold
    return result


def load_files(paths):
    texts, labels, sources = [], [], []
    for path in paths:
        more_texts, more_labels = read_csv(path)
        texts += more_texts
        labels += more_labels
        sources += [str(path)] * len(more_texts)
    return texts, labels, sources


def table(title, result):
    lines = [f"{title}  (classifier threshold {result['threshold']:.3f}, from training CV)",
             f"  {'':11s}{'precision':>10s}{'recall':>8s}{'f1':>8s}{'fpr':>8s}{'mcc':>8s}"]
    for name in ("scorer", "classifier"):
        m = result[name]
        lines.append(f"  {name:11s}{m['precision']:10.3f}{m['recall']:8.3f}{m['f1']:8.3f}"
                     f"{m['fpr']:8.3f}{m['mcc']:8.3f}")
    return "\n".join(lines)


def rotations(also_train=()):
    for test in YOUTUBE:
        train = [DATA_DIR / name for name in YOUTUBE if name != test]
        train += [DATA_DIR / name for name in also_train if name != test]
        result = evaluate(*load_files(train), *read_csv(DATA_DIR / test)[:2])
        print(table(f"test {test}, train {' + '.join(p.name for p in train)}", result), "\n")
    if also_train:
        return

    texts, labels = read_csv(DATA_DIR / "sms.csv")
    groups = duplicate_groups(texts)
    unique = np.unique(groups, return_index=True)[1]
    train_groups, _ = train_test_split(
        groups[unique], test_size=0.3, stratify=np.asarray(labels)[unique], random_state=SEED)
    in_train = np.isin(groups, train_groups)
    pick = lambda mask: ([t for t, m in zip(texts, mask) if m], [l for l, m in zip(labels, mask) if m])
    train_texts, train_labels = pick(in_train)
    result = evaluate(train_texts, train_labels, ["sms"] * len(train_texts), *pick(~in_train))
    print(table("test sms.csv 30 % held out, train the other 70 % (stratified, seed "
                f"{SEED}, exact duplicates kept on one side)", result), "\n")

    youtube = load_files([DATA_DIR / name for name in YOUTUBE])
    sms = load_files([DATA_DIR / "sms.csv"])
    print("For information, across corpora:\n")
    print(table("test sms.csv, train all youtube", evaluate(*youtube, *sms[:2])), "\n")
    print(table("test all youtube, train sms.csv", evaluate(*sms, *youtube[:2])))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", nargs="+", type=Path)
    parser.add_argument("--test", type=Path)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--rotations", action="store_true")
    parser.add_argument("--calibrate", action="store_true")
    parser.add_argument("--also-train", nargs="+", default=(), metavar="NAME",
                        help="with --rotations: shipped corpora to train on as well")
    args = parser.parse_args()
    if args.calibrate:
        print(f"DEFAULT_THRESHOLD = {calibrate(*corpora()):.3f}")
        return
    if args.rotations:
        if args.train or args.test or args.json:
            parser.error("--rotations takes no other arguments")
        rotations(args.also_train)
        return
    if args.also_train:
        parser.error("--also-train goes with --rotations")
    if not (args.train and args.test):
        parser.error("--train and --test are required (or --rotations)")
    result = evaluate(*load_files(args.train), *read_csv(args.test))
    if args.json:
        print(json.dumps({name: result[name] for name in ("scorer", "classifier")}))
    else:
        print(table(f"test {args.test}, train {' + '.join(map(str, args.train))}", result))


if __name__ == "__main__":
    main()
