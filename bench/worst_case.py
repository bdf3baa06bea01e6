"""CPU time of the worst bodies a reader can send: sanitising and the scorer's text
detectors, per family of hostile input, at each kind's size limit.

    python bench/worst_case.py [--limit-ms 50] [--kinds comment column] [--scale 1.0]
                               [--flood-items 100000] [--flood-posts 1000] [--no-flood]

Every body is as long as intake accepts for its kind (intake.BODY_MAX). Each family is a
function that returns its bodies for a length; add a family by adding a function to
FAMILIES. For every family it prints the slowest body (CPU ms, time.process_time, this
process only) of sanitising.clean(), of scorer.score() with the default classifier and
no database, and of the two together ("item"), and exits 1 when an item exceeds
--limit-ms (the design's 50 ms per item).

Then the whole worker with its database (bench/flood_replay.py, PostgreSQL on
127.0.0.1): a 1,000-post near-duplicate flood from one address replayed into a database
of 100k items, beside as many ordinary posts; it prints items/s and CPU per item (the
worker's and PostgreSQL's) of each, and counts as over the limit when either kind of
traffic costs more than --limit-ms per item, worker and database together.
"""
import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import flood_replay  # noqa: E402
from moderation import sanitising  # noqa: E402
from moderation.intake import BODY_MAX  # noqa: E402
from moderation.spam import scorer  # noqa: E402
from moderation.spam.classifier import default_classifier  # noqa: E402
from moderation.spam.signals import Sample  # noqa: E402

LIMIT_MS = 50.0
ALLOWED = sorted(sanitising.BLOCK)


def repeat(unit: str, length: int) -> str:
    return (unit * (length // len(unit) + 1))[:length]


def url_like(n):
    return [repeat("http://a.example/", n), repeat("www.", n), repeat("a.com/", n),
            repeat("http://x.co ", n), repeat("(", n), repeat("(http://", n)]


def dashes_and_dots(n):
    return [repeat("a-", n), repeat("a.", n), repeat("a-a.", n), repeat("-", n),
            repeat("a..", n), repeat("1.", n)]


def nested_tags(n):
    bodies = []
    for tag in ALLOWED:
        unit = f"<{tag}>x"
        bodies.append(repeat(unit, n))
        half = n // (2 * len(unit) + 3) * len(unit)
        bodies.append(repeat(unit, half) + repeat(f"</{tag}>", n - half))
    bodies += [repeat('<b title="</b>">', n), repeat("<b><!--</b>-->", n), repeat("<ul/>", n),
               repeat('<a href="http://x.example">', n), repeat("<div><span>", n)]
    return bodies


def many_links(n):
    return [repeat("http://example.com/x ", n), repeat("foo.com ", n),
            repeat('<a href="http://e.example/">e</a> ', n), repeat("bit.ly/x ", n)]


def long_words(n):
    return [repeat("a", n), repeat("supercalifragilistic", n), repeat("ab", n),
            repeat("aaaaaa ", n)]


def unicode_marks(n):
    return [repeat("a" + "\u0301" * 9, n), repeat("\u202eabc \u202c", n),
            repeat("\u200b", n), repeat("\u0430a", n), repeat("\U0001F600", n)]


def many_lines(n):
    return [repeat("a\n", n), repeat("\n", n), repeat("a\n\n", n), repeat("\r\n", n)]


def digit_runs(n):
    return [repeat("joe@mail.com ", n), repeat("+1 555 0100 ", n), repeat("0", n),
            repeat("a@", n), repeat("a@b.", n)]


def entities(n):
    return [repeat("&amp;", n), repeat("&", n), repeat("&#128512;", n), repeat("&lt;", n),
            repeat("&#x", n), repeat("<", n), repeat("< ", n)]


FAMILIES = {f.__name__: f for f in (url_like, dashes_and_dots, nested_tags, many_links,
                                     long_words, unicode_marks, many_lines, digit_runs,
                                     entities)}


def cpu_ms(call) -> float:
    start = time.process_time()
    call()
    return (time.process_time() - start) * 1000


def run(kinds=tuple(BODY_MAX), scale: float = 1.0, families=FAMILIES) -> list[dict]:
    """For each family and stage ("clean", "score", and "item": both), the slowest body's
    CPU ms, its kind
    and a short description of it: [{"family", "stage", "ms", "kind", "body"}]."""
    classifier = default_classifier()
    slowest: dict[tuple[str, str], dict] = {}
    for kind in kinds:
        length = int(BODY_MAX[kind] * scale)
        for name, family in families.items():
            for body in family(length):
                timings = {
                    "clean": cpu_ms(lambda: sanitising.clean(body, kind)),
                    "score": cpu_ms(lambda: scorer.score(Sample(text=body, kind=kind), {},
                                                         None, classifier)),
                }
                timings["item"] = timings["clean"] + timings["score"]
                for stage, ms in timings.items():
                    best = slowest.get((name, stage))
                    if best is None or ms > best["ms"]:
                        slowest[(name, stage)] = {"family": name, "stage": stage, "ms": ms,
                                                  "kind": kind, "body": f"{body[:24]!r}..."}
    return list(slowest.values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit-ms", type=float, default=LIMIT_MS)
    parser.add_argument("--kinds", nargs="*", default=list(BODY_MAX), choices=list(BODY_MAX))
    parser.add_argument("--scale", type=float, default=1.0,
                        help="body length as a share of the kind's limit")
    parser.add_argument("--flood-items", type=int, default=100_000,
                        help="items already stored when the flood is replayed")
    parser.add_argument("--flood-posts", type=int, default=1000)
    parser.add_argument("--no-flood", action="store_true", help="text families only")
    args = parser.parse_args()
    rows = run(args.kinds, args.scale)
    over = [r for r in rows if r["stage"] == "item" and r["ms"] > args.limit_ms]
    print(f"{'family':16s} {'stage':6s} {'slowest ms':>10s}  kind           body")
    for r in sorted(rows, key=lambda r: (r["family"], r["stage"])):
        flag = "  OVER" if r in over else ""
        print(f"{r['family']:16s} {r['stage']:6s} {r['ms']:10.1f}  {r['kind']:14s} "
              f"{r['body']}{flag}")
    print(f"{len(over)} of {len(FAMILIES)} families have an item over {args.limit_ms:g} ms CPU")
    if args.no_flood:
        return 1 if over else 0
    heavy = []
    for name, figures in flood_replay.run(items=args.flood_items, posts=args.flood_posts).items():
        per_item = figures["worker_cpu_ms"] + figures["db_cpu_ms"]
        if per_item > args.limit_ms:
            heavy.append(name)
        print(f"{name}: {per_item:.1f} ms CPU per item, worker and PostgreSQL together"
              f"{'  OVER' if per_item > args.limit_ms else ''}")
    return 1 if over or heavy else 0


if __name__ == "__main__":
    sys.exit(main())
