#!/usr/bin/env python3
"""CPU time of the toxicity detector per item (score and highlighted words together,
detector.analyse()), for short and long texts and for texts made to be slow, with the
shipped model loaded once, as a worker has it.

  .venv/bin/python bench/toxicity_speed.py [--json]

Each case runs on fresh texts (the per-word caches start cold for each new word, as a
worker meets new words) and reports the median and the worst item's CPU in ms. The
detector reads at most MAX_CHARS characters and MAX_WORDS words of any text, which is
what bounds the long cases."""
import argparse
import csv
import json
import random
import statistics
import string
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation.toxicity import default  # noqa: E402
from moderation.toxicity.detector import MAX_CHARS, MAX_WORDS  # noqa: E402


def comments() -> list[str]:
    with open(ROOT / "bench/data/toxicity/fox-news-comments.csv", encoding="utf-8") as f:
        return [row["text"] for row in csv.DictReader(f)]


def cases(rng: random.Random) -> dict[str, list[str]]:
    corpus = comments()
    words = " ".join(corpus).split()

    def prose(chars: int) -> str:
        out, size = [], 0
        while size < chars:
            word = rng.choice(words)
            out.append(word)
            size += len(word) + 1
        return " ".join(out)[:chars]

    def unique_words(chars: int) -> str:  # every word new: no cache helps
        out, size = [], 0
        while size < chars:
            word = "".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 12)))
            out.append(word)
            size += len(word) + 1
        return " ".join(out)[:chars]

    return {
        "comment (Fox News, median 180 chars)": corpus[:1000],
        "comment, 1,000 chars": [prose(1000) for _ in range(200)],
        "comment, 5,000 chars (the comment limit)": [prose(5000) for _ in range(100)],
        "column, 40,000 chars (the largest body)": [prose(40000) for _ in range(30)],
        "5,000 chars of words never seen": [unique_words(5000) for _ in range(50)],
        "one 5,000-char word": ["".join(rng.choices(string.ascii_lowercase, k=5000))
                               for _ in range(50)],
        "5,000 chars of 1-letter words": [" ".join(rng.choices("abcdefghij", k=2500))
                                          for _ in range(50)],
        "5,000 chars of joined punctuation (f*c.k-style)": [
            "".join(rng.choice(["a", "b", "*", ".", "'", "-", "1"]) for _ in range(5000))
            for _ in range(50)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    default.configure(ROOT / "instance" / "model-cache")
    started = time.process_time()
    detector = default.default_detector()
    load = time.process_time() - started
    results = {"load_or_build_cpu_s": round(load, 3), "max_chars": MAX_CHARS,
               "max_words": MAX_WORDS, "cases": {}}
    for name, texts in cases(random.Random(7)).items():
        times = []
        for text in texts:
            started = time.process_time()
            detector.analyse(text)
            times.append((time.process_time() - started) * 1000)
        results["cases"][name] = {"n": len(texts), "median_ms": round(statistics.median(times), 3),
                                  "max_ms": round(max(times), 3)}
    if args.json:
        print(json.dumps(results))
        return
    print(f"model load (or build): {results['load_or_build_cpu_s']} s CPU; reads at most "
          f"{MAX_CHARS} characters, {MAX_WORDS} words")
    print(f"{'case':50} {'n':>5} {'median ms':>10} {'max ms':>8}")
    for name, r in results["cases"].items():
        print(f"{name:50} {r['n']:>5} {r['median_ms']:>10} {r['max_ms']:>8}")


if __name__ == "__main__":
    main()
