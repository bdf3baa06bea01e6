"""Text statistics: shouting (capitals ratio), long runs of one character, and words
that mix alphabets (a Cyrillic "а" inside a Latin word slips past word lists)."""
import re
import unicodedata
from functools import lru_cache

from moderation.spam.signals import Sample, Signal

MIN_LETTERS = 20  # "OMG" is not shouting
RUN = re.compile(r"(\S)\1{5,}")  # the same character six times or more
WORD = re.compile(r"\w+")
ALPHABETS = ("LATIN", "CYRILLIC", "GREEK", "ARMENIAN")


@lru_cache(maxsize=4096)
def alphabet(char: str) -> str:
    name = unicodedata.name(char, "")
    return next((a for a in ALPHABETS if name.startswith(a)), "")


def mixed_words(text: str) -> list[str]:
    found = []
    for word in WORD.findall(text):
        if word.isascii():  # all Latin (or digits): nothing to mix
            continue
        if len({alphabet(c) for c in word if c.isalpha()} - {""}) > 1:
            found.append(word)
    return found


def check(sample: Sample) -> list[Signal]:
    text = f"{sample.title}\n{sample.text}"
    signals = []
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= MIN_LETTERS:
        ratio = sum(c.isupper() for c in letters) / len(letters)
        if ratio >= 0.6:
            signals.append(Signal("capitals", 0.3 if ratio >= 0.8 else 0.15,
                                  f"{ratio:.0%} of the letters are capitals"))
    runs = sorted({m.group(0)[:12] for m in RUN.finditer(text)})
    if runs:
        signals.append(Signal("repeated_characters", 0.1, ", ".join(runs[:5])))
    mixed = mixed_words(text)
    if mixed:
        signals.append(Signal("mixed_scripts", 0.5, "words mixing alphabets: " + ", ".join(mixed[:5])))
    return signals
