"""`make bench`: the service against its peer (Isso 0.14) and against bare Flask, in one
run on this machine, and one table of medians (issue 7).

    python bench/run.py                    # everything (~10 minutes), bench/results/latest.json
    python bench/run.py --only intake      # one phase: intake, read, worker, memory
    python bench/run.py --only read --profile        # ... and py-spy profiles of the hot path
    python bench/run.py --only intake --compare bench/results/latest.json   # before/after

It starts its own PostgreSQL cluster and Redis server on loopback (tests/integration/
faultlab.py), gunicorn for the service (twice: with and without the page cache), for the
bare Flask apps (bench/ceiling.py) and for Isso (installed from PyPI into bench/.isso-venv),
and one Celery worker (bench/lab.py). Rounds are interleaved (every target once per round,
the order rotated), each figure is the median of the rounds, and each ratio is the median
of the per-round ratios, so a change in the machine's load hits both sides of a ratio
alike (bench/phases.py). bench/README.md says what each figure means.
"""
import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH.parent), str(BENCH)]

import loadgen  # noqa: E402
import phases as measure  # noqa: E402
import profiles  # noqa: E402
import report  # noqa: E402
from lab import GUNICORN, ISSO_VERSION, ROOT, Lab, log  # noqa: E402

RESULTS = BENCH / "results"
PHASES = ("intake", "read", "worker", "memory")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", choices=PHASES,
                        help="run only this phase (repeatable); default: all")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5, help="length of one wrk run")
    parser.add_argument("--items", type=int, default=300, help="items per worker round")
    parser.add_argument("--gunicorn", default=GUNICORN, help=f"for every server (default {GUNICORN!r})")
    parser.add_argument("--profile", action="store_true", help="also profile the hot paths with py-spy")
    parser.add_argument("--profile-seconds", type=int, default=10)
    parser.add_argument("--compare", type=Path, help="a results JSON to compare ratios with")
    args = parser.parse_args(argv)
    phases = args.only or list(PHASES)
    before = json.loads(args.compare.read_text()) if args.compare else None  # may be overwritten
    RESULTS.mkdir(exist_ok=True)
    started, load_before = time.monotonic(), loadgen.load_average()
    result = {"machine": {"cores": os.cpu_count(), "load_before": load_before,
                          "started": datetime.now(UTC).isoformat(timespec="seconds"),
                          "repeats": args.repeats, "seconds": args.seconds,
                          "gunicorn": args.gunicorn, "phases": phases,
                          "versions": {"isso": ISSO_VERSION, "gunicorn": metadata.version("gunicorn"),
                                       "flask": metadata.version("flask"),
                                       "bleach": metadata.version("bleach")}},
              "ratios": {}}
    lab = Lab(args.gunicorn)
    try:
        log(f"starting PostgreSQL and Redis in {lab.base} (load average {load_before[0]:.2f})")
        lab.start_services()
        wrk = loadgen.Wrk(lab.base)
        if {"intake", "read", "memory"} & set(phases):
            lab.start_web()
            log("servers up: " + ", ".join(f"{n} :{p}" for n, p in lab.ports.items()))
        for phase in phases:
            if phase == "intake":
                result["intake"] = measure.intake_phase(lab, wrk, args)
            elif phase == "read":
                result["read"] = measure.read_phase(lab, wrk, args)
            elif phase == "worker":
                result["worker"] = measure.worker_phase(lab, args)
            elif phase == "memory":
                if phases == ["memory"]:
                    lab.start_worker()
                result["memory"] = measure.memory_phase(lab)
            if phase in result:
                result["ratios"].update(result[phase]["ratios"])
        if args.profile:
            rate = result.get("worker", {}).get("figures", {}).get("worker_items_per_s")
            result["profiles"] = profiles.profile_hot_paths(lab, wrk, args, phases, rate, RESULTS)
    finally:
        lab.stop()
    loads = [load_before[0], *loadgen.LOAD_SAMPLES]  # one sample after every wrk run
    result["machine"].update(load_after=loadgen.load_average(), load_max=max(loads),
                             load_median=statistics.median(loads),
                             finished=datetime.now(UTC).isoformat(timespec="seconds"),
                             elapsed_s=round(time.monotonic() - started, 1))
    result.update(result["ratios"])  # the named ratios at the top level too
    name = "latest.json" if phases == list(PHASES) else f"latest-{'-'.join(phases)}.json"
    (RESULTS / name).write_text(json.dumps(result, indent=2) + "\n")
    print("\n" + report.table(result))
    if args.compare:
        print(report.compare(result, before, str(args.compare)))
    print(f"\nfigures written to {(RESULTS / name).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
