"""The toxicity detector: a score in [0, 1] and the words behind it, computed with numpy
alone from a few stored arrays (training.py fits them with scikit-learn).

Two linear models on hashed features (features.py):
- the doc model: logistic regression on the TF-IDF of the text's words, their
  character n-grams and word pairs (is this comment toxic?);
- the token model: logistic regression per word on the word and its neighbours, fitted
  on the words raters marked as toxic (which words make it so?).
The score is sigmoid(mean of the doc logit and the highest word logit): either model
alone ranks worse than the two together. The words shown are those the token model
gives at least TOKEN_THRESHOLD, and, when the score reaches HIGHLIGHT_TOP_ABOVE, at
least the single most toxic word, so a held comment always shows where to look.

Work is bounded: only the first MAX_CHARS characters and MAX_WORDS words are read, so
no text within intake's limits costs more than a few milliseconds."""
import io
import json
import math

import numpy as np

from moderation.toxicity.features import CONTEXT, Words, tokenize

# Bump when features.py or the scoring changes: stored weights would mean something else.
FEATURES_VERSION = 2
MAX_CHARS = 3000
MAX_WORDS = 600
TOKEN_THRESHOLD = 0.5
HIGHLIGHT_TOP_ABOVE = 0.30
ARRAYS = ("idf", "doc_w", "doc_b", "tok_w", "tok_b")


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


class Detector:
    def __init__(self, config: dict, arrays: dict[str, np.ndarray]):
        self.config = dict(config)
        self.bits = int(self.config["bits"])
        # Scoring needs no more precision than float32, and it halves the memory.
        self.a = {k: np.asarray(arrays[k], dtype=np.float32) for k in ARRAYS}

    # Scoring ------------------------------------------------------------------------
    def analyse(self, text: str) -> tuple[float, list[tuple[int, int, float]]]:
        """(score, [(start, end, weight)]) where text[start:end] is a highlighted word
        (offsets are Python string indices into `text`, in order)."""
        found = tokenize(text[:MAX_CHARS], MAX_WORDS)
        if not found:
            biases = 0.5 * self.a["doc_b"][0] + 0.5 * self.a["tok_b"][0]
            return round(float(sigmoid(biases)), 4), []
        words = Words([w[2] for w in found], self.bits)
        token = self._token_logits(words)
        top = int(np.argmax(token))
        score = float(sigmoid(0.5 * self._doc_logit(words) + 0.5 * token[top]))
        p = sigmoid(token)
        chosen = set(np.flatnonzero(p >= TOKEN_THRESHOLD).tolist())
        if score >= HIGHLIGHT_TOP_ABOVE:
            chosen.add(top)
        return round(score, 4), [(found[i][0], found[i][1], round(float(p[i]), 3))
                                 for i in sorted(chosen)]

    def score(self, text: str) -> float:
        return self.analyse(text)[0]

    def _doc_vector(self, words: Words) -> tuple[np.ndarray, np.ndarray]:
        """The text's TF-IDF (sublinear counts, L2-normalised): slots and values."""
        slots, counts = np.unique(words.document(), return_counts=True)
        values = (1.0 + np.log(counts)) * self.a["idf"][slots]
        return slots, values / (math.sqrt(float(values @ values)) or 1.0)

    def _doc_logit(self, words: Words) -> float:
        slots, values = self._doc_vector(words)
        return float(self.a["doc_b"][0] + values @ self.a["doc_w"][slots])

    def _token_logits(self, words: Words) -> np.ndarray:
        """Each word's logit: its features' weights summed, over sqrt(their number), as
        the rows were normalised in training."""
        weights = self.a["tok_w"]
        own = np.bincount(words.owner, weights=weights[words.own], minlength=words.count)
        number = np.bincount(words.owner, minlength=words.count) + CONTEXT
        return (own + weights[words.context].sum(axis=1)) / np.sqrt(number) \
            + float(self.a["tok_b"][0])

    # Learning from decisions --------------------------------------------------------
    def update(self, texts: list[str], toxic: list[bool], rate: float = 0.2,
               epochs: int = 2) -> "Detector":
        """Stochastic gradient steps of the doc model's logistic loss on moderators'
        verdicts, in the order given (IDF and the token model stay as they are).
        Returns self, changed."""
        doc_w = self.a["doc_w"].astype(np.float64)
        bias = float(self.a["doc_b"][0])
        for _ in range(epochs):
            for text, label in zip(texts, toxic, strict=True):
                normals = [w[2] for w in tokenize(text[:MAX_CHARS], MAX_WORDS)]
                if not normals:
                    continue
                slots, values = self._doc_vector(Words(normals, self.bits))
                step = float(sigmoid(bias + values @ doc_w[slots])) - float(label)
                doc_w[slots] -= rate * (step * values + 1e-6 * doc_w[slots])
                bias -= rate * step
        self.a["doc_w"] = doc_w.astype(np.float32)
        self.a["doc_b"] = np.array([bias], dtype=np.float32)
        self.config["updates"] = int(self.config.get("updates", 0)) + len(texts)
        return self

    def copy(self) -> "Detector":
        return Detector(self.config, {k: v.copy() for k, v in self.a.items()})

    # Storage ------------------------------------------------------------------------
    def dumps(self) -> bytes:
        buffer = io.BytesIO()
        config = np.frombuffer(json.dumps(self.config).encode(), dtype=np.uint8)
        np.savez_compressed(buffer, version=np.array([FEATURES_VERSION]), config=config,
                            **self.a)
        return buffer.getvalue()

    @classmethod
    def loads(cls, data: bytes) -> "Detector":
        """The detector stored by dumps(); ValueError when its features are another
        version's (no pickle is ever loaded)."""
        with np.load(io.BytesIO(data), allow_pickle=False) as stored:
            version = int(stored["version"][0])
            if version != FEATURES_VERSION:
                raise ValueError(f"stored toxicity model has features v{version}, "
                                 f"this code v{FEATURES_VERSION}")
            config = json.loads(bytes(stored["config"]).decode())
            return cls(config, {k: stored[k] for k in ARRAYS})
