"""A linear spam/ham text classifier on hashed word and character n-grams.

Hashing means there is no vocabulary to keep: the whole model is one weight vector and a
bias, stored as numpy arrays, so a stored model survives scikit-learn upgrades.
"""

import csv
import functools
import html
import io
import re
import unicodedata
from pathlib import Path

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.utils import murmurhash3_32

DATA_DIR = Path(__file__).parent / "data"
TRAINING_FILES = ("youtube-psy.csv", "youtube-katyperry.csv", "youtube-lmfao.csv", "sms.csv")

# Bump when normalise() or the features change: weights stored under another version no
# longer mean the same thing and must not be loaded.
FEATURES_VERSION = 1
# Hash slots per block (words, characters). 2**18 ranked as well as 2**21 in the
# cross-video evaluation, and the batch fit is five times faster with the shorter vector.
HASH_BITS = 18
SLOTS = 2**HASH_BITS

# Inverse regularisation strength of the batch fit. Compared across the YouTube rotations:
# 3 to 100 rank about equally, 10 is the middle.
C = 10.0
# Step size of learn(). Rows are L2-normalised per block, so one step moves that text's
# own logit by at most about 2 * LEARNING_RATE: a few dozen decisions shift a new kind
# of spam, and one odd decision cannot flip the model.
LEARNING_RATE = 0.5
# The ham false-positive budget the decision threshold is chosen for (calibrate()).
FPR_BUDGET = 0.01
# The threshold of default_classifier(), as calibrate() finds it on the shipped corpora
# (one fold per corpus): `python bench/spam_eval.py --calibrate` prints it. Shipped as a
# number because finding it costs four more fits (~8 s) at every worker start.
DEFAULT_THRESHOLD = 0.785
SEED = 20150101
# The classifier reads this much of a normalised text. Featurising costs about 1 ms per
# 1,000 characters, and a 40,000-character column must stay inside a worker's 50 ms; every
# text of the shipped corpora is far shorter, so their features are unchanged.
MAX_CHARS = 8000

# Every pattern here runs on whatever a reader sends (up to 40,000 characters), so each
# is linear: no two quantifiers may take the same characters, and a failed attempt
# must not rescan what the next attempt scans. A link's opening tag stops at the first
# "<" or ">", and its text at the next <a> or </a>; the href is read from the tag alone.
LINK = re.compile(r"<a\s([^<>]*)>([^<]*(?:<(?!/?a\b)[^<]*)*)</a>", re.I)
HREF = re.compile(r"href\s*=\s*[\"']([^\"']*)[\"']", re.I)
# Anything from "<" to the next ">"; only run up to the last ">" (see strip_tags()).
TAG = re.compile(r"<[^>]+>")
INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060\u00ad"))
# A link: a scheme or www., or a bare domain ending in a common top-level domain. A bare
# domain starts only where a chain of labels starts (not after a label character, nor
# after "label."), so "a-a-a-..." or "a.a.a..." is tried once, not from every position;
# leading hyphens are skipped as the word boundary used to skip them.
URL = re.compile(
    r"(?:https?://|www\.)\S+"
    r"|(?<![a-z0-9-])(?<![a-z0-9-]\.)-*\b[a-z0-9-]+(?:\.[a-z0-9-]+)*"
    r"\.(?:com|net|org|info|biz|co|ly|me|tv|io|gl|tk|ru|pl|uk|de)\b\S*"
)


def normalise(text):
    text = html.unescape(text)
    # A link's target says more about spam than its words, so keep both.
    text = LINK.sub(_link_words, text)
    text = html.unescape(strip_tags(text))
    text = unicodedata.normalize("NFKD", text.translate(INVISIBLE))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.casefold().split())[:MAX_CHARS]


def strip_tags(text):
    # Past the last ">" no "<" can start a tag, and every "<" before it ends at the next
    # ">": cutting there keeps TAG from rescanning the rest of the text from each "<".
    end = text.rfind(">") + 1
    return TAG.sub(" ", text[:end]) + text[end:]


def _link_words(link):
    href = HREF.search(link.group(1))
    return f" {href.group(1)} {link.group(2)} " if href else link.group(0)


def url_tokens(text):
    # One word per link, its host and its registered domain, so a new link on a known
    # domain, or any link at all, is a feature that the word n-grams would split apart.
    tokens = []
    for match in URL.finditer(text):
        url = match.group(0).lstrip("-")
        rest = re.sub(r"^(?:https?://)?(?:www\.)?", "", url)
        host = re.split(r"[/?#]", rest, maxsplit=1)[0].strip(".,;:!)")
        labels = host.split(".")
        tokens += ["url_link", "url_host_" + "_".join(labels), "url_domain_" + "_".join(labels[-2:])]
        if len(rest) > len(host) + 1:
            tokens.append("url_with_path")
    return tokens


WORDS = HashingVectorizer(
    n_features=SLOTS, ngram_range=(1, 2), token_pattern=r"(?u)\b\w+\b",
    lowercase=False, binary=True, alternate_sign=False, norm="l2",
)
CHARS = HashingVectorizer(
    n_features=SLOTS, analyzer="char_wb", ngram_range=(2, 5),
    lowercase=False, binary=True, alternate_sign=False, norm="l2",
)


def featurise(texts):
    clean = [normalise(text) for text in texts]
    words = WORDS.transform([with_url_tokens(text) for text in clean])
    chars = CHARS.transform(clean)
    return words, chars


def with_url_tokens(clean_text):
    return " ".join([clean_text, *url_tokens(clean_text)])


def hashed(ngrams):
    # The same slots and values as HashingVectorizer (binary, l2-normalised) for one text,
    # without its per-call validation, which costs more than a millisecond: each distinct
    # n-gram's signed MurmurHash3 (seed 0) as HashingVectorizer computes it, |h| mod SLOTS.
    unique = set(ngrams)
    hashes = np.fromiter((murmurhash3_32(g, 0) for g in unique), np.int64, len(unique))
    slots = np.unique(np.abs(hashes) % SLOTS)
    return slots, np.full(len(slots), 1 / np.sqrt(max(len(slots), 1)))


ANALYSE_WORDS = WORDS.build_analyzer()
ANALYSE_CHARS = CHARS.build_analyzer()


def featurise_one(text):
    clean = normalise(text)
    word_slots, word_values = hashed(ANALYSE_WORDS(with_url_tokens(clean)))
    char_slots, char_values = hashed(ANALYSE_CHARS(clean))
    return np.concatenate([word_slots, SLOTS + char_slots]), np.concatenate([word_values, char_values])


def as_spam_flags(labels):
    flags = []
    for label in labels:
        if isinstance(label, str):
            if label not in ("spam", "ham"):
                raise ValueError(f"label must be 'spam' or 'ham', not {label!r}")
            label = label == "spam"
        flags.append(bool(label))
    return np.array(flags, dtype=bool)


class Classifier:
    def __init__(self, weights, bias, threshold=0.5):
        # First half of the weights for word features, second half for character ones.
        self.weights = np.asarray(weights, dtype=np.float64)
        self.bias = float(bias)
        # The spam probability at which this model alone would call a text spam, chosen
        # on held-out data for FPR_BUDGET (calibrate()); the scorer anchors on it.
        self.threshold = float(threshold)

    @classmethod
    def train(cls, texts, labels):
        flags = as_spam_flags(labels)
        if flags.all() or not flags.any():
            raise ValueError("training needs both spam and ham examples")
        words, chars = featurise(texts)
        # Balanced weights: the corpora differ a lot in spam share (13 % in SMS, half on
        # YouTube) and the model should not learn that share as a prior.
        # liblinear: on this data it fits in a third of the time lbfgs takes.
        model = LogisticRegression(
            C=C, class_weight="balanced", solver="liblinear", tol=1e-3, max_iter=1000)
        model.fit(hstack([words, chars]).tocsr(), flags)
        return cls(model.coef_[0], model.intercept_[0])

    def logits(self, texts):
        words, chars = featurise(texts)
        return words @ self.weights[:SLOTS] + chars @ self.weights[SLOTS:] + self.bias

    def logit(self, text):
        slots, values = featurise_one(text)
        return float(values @ self.weights[slots]) + self.bias

    def spam_probability(self, text):
        return float(1.0 / (1.0 + np.exp(-self.logit(text))))

    def learn(self, texts, labels):
        # One pass of stochastic gradient descent on the logistic loss, in the order
        # given: what SGDClassifier.partial_fit does, but on our own weight vector, so a
        # model trained in batch can keep learning and still be stored as plain arrays.
        for text, is_spam in zip(texts, as_spam_flags(labels), strict=True):
            slots, values = featurise_one(text)
            logit = float(values @ self.weights[slots]) + self.bias
            step = LEARNING_RATE * (float(is_spam) - 1.0 / (1.0 + np.exp(-logit)))
            self.weights[slots] += step * values
            self.bias += step
        return self

    def dumps(self):
        # Only the non-zero weights: hashing leaves most of the 2 million slots unused.
        nonzero = np.flatnonzero(self.weights)
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer, version=np.array([FEATURES_VERSION, HASH_BITS]), bias=np.array([self.bias]),
            indices=nonzero.astype(np.int32), values=self.weights[nonzero],
            threshold=np.array([self.threshold]),
        )
        return buffer.getvalue()

    @classmethod
    def loads(cls, data):
        with np.load(io.BytesIO(data), allow_pickle=False) as stored:
            version, bits = (int(v) for v in stored["version"])
            if (version, bits) != (FEATURES_VERSION, HASH_BITS):
                raise ValueError(f"stored model has features v{version}/{bits} bits, "
                                 f"this code v{FEATURES_VERSION}/{HASH_BITS} bits")
            weights = np.zeros(2 * SLOTS)
            weights[stored["indices"]] = stored["values"]
            threshold = stored["threshold"][0] if "threshold" in stored else DEFAULT_THRESHOLD
            return cls(weights, stored["bias"][0], threshold)

    def copy(self):
        return Classifier(self.weights.copy(), self.bias, self.threshold)


def duplicate_groups(texts):
    # Exact duplicates (after normalising) must stay on one side of any split, or the
    # model is tested on texts it was trained on.
    ids = {}
    return np.array([ids.setdefault(normalise(text), len(ids)) for text in texts])


def calibrate(texts, labels, sources):
    """The spam-probability threshold that flags at most FPR_BUDGET of held-out ham:
    out-of-fold scores, one fold per source when there are several (so the threshold is
    what a model sees on a source it never trained on), else five stratified folds."""
    labels, sources = as_spam_flags(labels), np.asarray(sources)
    if len(set(sources)) > 1:
        folds = [(np.flatnonzero(sources != s), np.flatnonzero(sources == s))
                 for s in sorted(set(sources))]
    else:
        splitter = StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=SEED)
        folds = list(splitter.split(texts, labels, duplicate_groups(texts)))
    scores = np.empty(len(texts))
    for train, held_out in folds:
        model = Classifier.train([texts[i] for i in train], labels[train])
        scores[held_out] = [model.spam_probability(texts[i]) for i in held_out]
    return float(np.quantile(scores[~labels], 1 - FPR_BUDGET, method="higher"))


def read_labelled(path):
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [row["text"] for row in rows], [row["label"] for row in rows]


def corpora():
    """Texts, labels and source names of the shipped corpora (see data/SOURCE.md)."""
    texts, labels, sources = [], [], []
    for name in TRAINING_FILES:
        more_texts, more_labels = read_labelled(DATA_DIR / name)
        texts += more_texts
        labels += more_labels
        sources += [name] * len(more_texts)
    return texts, labels, sources


@functools.cache
def default_classifier():
    """The day-one model from the shipped corpora, trained once per process (~2 s)."""
    texts, labels, _ = corpora()
    model = Classifier.train(texts, labels)
    model.threshold = DEFAULT_THRESHOLD
    return model
