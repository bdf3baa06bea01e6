"""Word lists: blocked and suspect words and phrases, whole-word, `*` as a wildcard,
matched on case- and accent-folded text; the matched words are the detail."""
import re
from functools import lru_cache

from moderation.spam.signals import Sample, Signal, fold

DEFAULT_SUSPECT = ("viagra", "cialis", "casino*", "crypto*", "bitcoin*", "forex",
                   "payday loan*", "work from home", "make money", "earn $*")


def glob(word: str) -> str:
    r"""One word of a list as a regex: `*` stands for any run of word characters.

    `a*b*c` is not written as a\w*b\w*c, which on a long word tries every "a" with
    every "b" (quadratic); each `*` before a literal stops at that literal's first
    occurrence instead ((?:(?!b)\w)*b), which finds a match whenever there is one. Only
    the last part, which must end the word, is scanned for from the word's end."""
    parts = [re.escape(p) for p in re.split(r"\*+", word)]
    pattern = parts[0]
    for middle in parts[1:-1]:
        pattern += rf"(?:(?!{middle})\w)*{middle}"
    if len(parts) > 1:
        pattern += r"\w*" + parts[-1]
    return pattern


@lru_cache(maxsize=64)
def compile_list(words: tuple[str, ...]) -> re.Pattern | None:
    parts = []
    for word in words:
        word = fold(word)
        if word:
            parts.append(r"\s+".join(glob(w) for w in word.split()))
    if not parts:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)")


def matches(text: str, words: tuple[str, ...]) -> list[str]:
    pattern = compile_list(words)
    if pattern is None:
        return []
    return sorted({m.group(0) for m in pattern.finditer(fold(text))})


def check(sample: Sample, blocked=(), suspect=DEFAULT_SUSPECT) -> list[Signal]:
    text = f"{sample.title}\n{sample.author_name}\n{sample.text}"
    signals = []
    hits = matches(text, tuple(blocked))
    if hits:
        signals.append(Signal("blocked_words", 0.9, ", ".join(hits)))
    hits = matches(text, tuple(suspect))
    if hits:
        signals.append(Signal("suspect_words", min(0.2 * len(hits), 0.6), ", ".join(hits)))
    return signals
