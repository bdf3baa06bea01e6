"""Words and their hashed features, shared by training and scoring.

A word is `\\w+` joined by apostrophes and the characters people use to dodge filters
("don't", "f*ck", "u.s.a" stay one word), lower-cased, with runs of three or more equal
characters cut to two ("stuuupid" and "stuupid" are one word). Its features are the word
itself and its character 2- to 5-grams inside `<word>`; a text's also include its word
pairs. The token model (which word is toxic) also reads each word's neighbours: the
words one and two before and after it, and the pairs it makes with the first of them.

Every feature is hashed into one of 2**bits slots, so a model is a few weight arrays
and keeps no vocabulary. The hashing is numpy over the whole text at once (a word's
hash is a sum of its characters times fixed random multipliers, then mixed by
splitmix64's finaliser), so a text of new words costs about what a text of known ones
does: no per-word Python work beyond the tokenizer."""
import re

import numpy as np

TOKEN = re.compile(r"\w+(?:['\u2019*@$#!.-]+\w+)*")
REPEAT = re.compile(r"(.)\1{2,}")
NORMAL_CACHE_MAX = 200_000
CONTEXT = 6  # context slots per word in the token model
SHORTEST, LONGEST = 2, 5  # character n-grams
TABLE = 64  # position multipliers; a longer word's characters reuse them cyclically

_normal: dict[str, str] = {}


def normal(word: str) -> str:
    """The form a word is hashed in: lower case, ' for ’, no run of 3+ equal characters."""
    found = _normal.get(word)
    if found is None:
        found = REPEAT.sub(r"\1\1", word.lower().replace("\u2019", "'"))
        if len(_normal) < NORMAL_CACHE_MAX:
            _normal[word] = found
    return found


def tokenize(text: str, limit: int | None = None) -> list[tuple[int, int, str]]:
    """[(start, end, normal word)] with text[start:end] the word as written; at most
    `limit` words."""
    words = []
    for match in TOKEN.finditer(text):
        if limit is not None and len(words) >= limit:
            break
        words.append((match.start(), match.end(), normal(match.group())))
    return words


U = np.uint64


def mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every input bit reaches every output bit (uint64 arrays
    wrap around on overflow, which is what the arithmetic wants)."""
    x = (x ^ (x >> U(30))) * U(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> U(27))) * U(0x94D049BB133111EB)
    return x ^ (x >> U(31))


MULTIPLIERS = mix(np.arange(1, TABLE + 1, dtype=U) * U(0x9E3779B97F4A7C15)) | U(1)
# One tag per kind of feature, so the same word hashes to other slots as each kind.
WORD, PAIR, BEFORE, AFTER, BEFORE2, AFTER2, PAIR_BEFORE, PAIR_AFTER, START, END = (
    mix(np.arange(101, 111, dtype=U)))
NGRAM = mix(np.arange(201, 201 + LONGEST + 1, dtype=U))


class Words:
    """The hashed features of one text's words (normal forms, in order).

    own:     slots of each word's own features (its identity and its n-grams), flat;
    owner:   the index of the word each of those slots belongs to;
    context: (words, CONTEXT) slots of each word's neighbourhood;
    pairs:   slots of the text's word pairs (the doc model's bigrams)."""

    def __init__(self, normals: list[str], bits: int):
        self.count = n = len(normals)
        shift = U(64 - bits)
        if not n:
            empty = np.zeros(0, dtype=np.int64)
            self.own, self.owner, self.pairs = empty, empty, empty
            self.context = np.zeros((0, CONTEXT), dtype=np.int64)
            return
        padded = "".join(f"<{w}>" for w in normals)
        codes = np.frombuffer(padded.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        codes = codes.astype(U)
        lengths = np.fromiter((len(w) + 2 for w in normals), dtype=np.int64, count=n)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        word_of = np.repeat(np.arange(n), lengths)
        ends = np.repeat(starts + lengths, lengths)
        at = np.arange(len(codes))
        ident = np.add.reduceat(codes * MULTIPLIERS[(at - starts[word_of]) % TABLE], starts)
        own, owner = [mix(ident ^ WORD) >> shift], [np.arange(n)]
        gram = codes * MULTIPLIERS[0]
        for size in range(SHORTEST, LONGEST + 1):
            gram = gram[:-1] + codes[size - 1:] * MULTIPLIERS[size - 1]
            inside = at[:len(gram)] + size <= ends[:len(gram)]
            own.append(mix(gram[inside] ^ NGRAM[size]) >> shift)
            owner.append(word_of[:len(gram)][inside])
        self.own = np.concatenate(own).astype(np.int64)
        self.owner = np.concatenate(owner)
        pairs = mix(ident[:-1] * MULTIPLIERS[1] + ident[1:] ^ PAIR)
        self.pairs = (pairs >> shift).astype(np.int64)
        around = np.concatenate([[START, START], ident, [END, END]])
        word = around[2:-2]
        self.context = np.stack([
            mix(around[1:-3] ^ BEFORE), mix(around[3:-1] ^ AFTER),
            mix(around[:-4] ^ BEFORE2), mix(around[4:] ^ AFTER2),
            mix(around[1:-3] * MULTIPLIERS[1] + word ^ PAIR_BEFORE),
            mix(word * MULTIPLIERS[1] + around[3:-1] ^ PAIR_AFTER)], axis=1)
        self.context = (self.context >> shift).astype(np.int64)

    def document(self) -> np.ndarray:
        """The doc model's slots, with repeats: every word's own, then every pair's."""
        return np.concatenate([self.own, self.pairs])
