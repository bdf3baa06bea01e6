"""Sampling profiles of running processes with py-spy, summarised as the top frames by
own time and by inclusive time, and own time per package.

Only samples of the thread holding the GIL are kept (--gil): a thread waiting on
PostgreSQL or Redis holds no GIL, so the percentages are of Python CPU time, not of
waiting (C code that releases the GIL, such as nh3 or libpq, is missed)."""
import json
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import loadgen
import phases as phases_  # `phases` is the list of phases run, below
import seed

FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*)\)$")


def py_spy() -> str | None:
    local = Path(sys.executable).parent / "py-spy"
    return str(local) if local.exists() else shutil.which("py-spy")


def record(pid: int, seconds: float, out: Path, subprocesses: bool = True) -> subprocess.Popen:
    """Start sampling `pid` (and its children) for `seconds`; collapsed stacks go to `out`."""
    args = [py_spy(), "record", "--pid", str(pid), "--duration", str(int(seconds)),
            "--rate", "250", "--format", "raw", "--function", "--nonblocking", "--gil",
            "--output", str(out)]
    if subprocesses:
        args.append("--subprocesses")
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _short(path: str) -> str:
    for marker in ("site-packages/", "lib/python3.11/", "/work/main/", "/main/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def _package(path: str) -> str:
    short = _short(path)
    if short.startswith(("moderation/", "workers/", "bench/")):
        return short.rsplit("/", 1)[0] if short.count("/") > 1 else short.removesuffix(".py")
    head = short.split("/", 1)[0]
    return head.removesuffix(".py") if "/" in short else f"stdlib:{head.removesuffix('.py')}"


def _frames(stack: str) -> list[tuple[str, str]]:
    out = []
    for raw in stack.split(";"):
        m = FRAME.match(raw.strip())
        if m:  # skips py-spy's "process 123:..." and "thread ..." pseudo-frames
            out.append((m["func"], m["file"]))
    return out


def summarise(path: Path, top: int = 15) -> dict:
    """{'samples', 'self': [(frame, %)], 'inclusive': [(frame, %)], 'packages': [(pkg, %)]}."""
    own, inclusive, packages, total = Counter(), Counter(), Counter(), 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = _frames(stack)
        if not frames:
            continue
        n = int(count)
        total += n
        func, file = frames[-1]
        own[f"{func} ({_short(file)})"] += n
        packages[_package(file)] += n
        for name in {f"{f} ({_short(p)})" for f, p in frames}:
            inclusive[name] += n

    def pct(counter: Counter, k: int) -> list[tuple[str, float]]:
        return [(name, round(100 * n / total, 1)) for name, n in counter.most_common(k)]

    if total == 0:
        return {"samples": 0, "self": [], "inclusive": [], "packages": []}
    return {"samples": total, "self": pct(own, top), "inclusive": pct(inclusive, 200),
            "packages": pct(packages, top)}


# Frames that wrap everything (threads, gunicorn, celery's loop, Flask's dispatch) say
# nothing about where the time goes; leave them out of the inclusive lists.
WRAPPERS = ("threading.py", "concurrent/", "gunicorn/", "celery/", "click/", "kombu/asynchronous",
            "kombu/transport", "<frozen", "flask/app.py", "runpy", "billiard/",
            "kombu/messaging.py")
SERVICE = ("(moderation/", "(workers/")


def render(name: str, summary: dict) -> str:
    lines = [f"--- profile: {name} ({summary['samples']} samples with the GIL) ---",
             "own time by package:"]
    lines += [f"  {p:>5.1f}%  {n}" for n, p in summary["packages"]]
    lines.append("own time by frame:")
    lines += [f"  {p:>5.1f}%  {n}" for n, p in summary["self"]]
    inclusive = [(n, p) for n, p in summary["inclusive"] if not any(w in n for w in WRAPPERS)]
    lines.append("inclusive time, the service's frames:")
    lines += [f"  {p:>5.1f}%  {n}" for n, p in inclusive if any(m in n for m in SERVICE)][:20]
    lines.append("inclusive time, library frames:")
    lines += [f"  {p:>5.1f}%  {n}" for n, p in inclusive if not any(m in n for m in SERVICE)][:12]
    return "\n".join(lines)


def profile_hot_paths(lab, wrk, args, phases: list[str], worker_rate: float | None,
                      results: Path) -> dict:
    """py-spy on the service's hot paths under load, for the phases that ran: intake,
    repeated and fresh reads of the 500-comment thread, the worker."""
    if py_spy() is None:
        phases_.log("profile: py-spy is not installed (pip install py-spy); skipped")
        return {}
    seconds, out = args.profile_seconds, {}
    body = json.dumps({"author_name": "Reader {n}", "author_email": "reader@example.org",
                       "body": phases_.COMMENT, "thread_url": "https://news.example/intake",
                       "thread_title": "Intake"})
    jobs = {}
    if "intake" in phases:
        jobs["intake"] = ("web", "/api/v1/sites/default/threads/intake/comments", body)
    if "read" in phases:
        page = "/api/v1/sites/default/threads/t500/comments?limit=200"
        jobs["read_repeat_t500"] = ("web", page, None)
        jobs["read_fresh_t500"] = ("web_fresh", page, None)
    for name, (proc, path, b) in jobs.items():
        raw = results / f"profile-{name}.txt"
        spy = record(lab.procs[proc].pid, seconds, raw)
        time.sleep(1)
        wrk.run(lab.url(proc, path), 8, seconds, body=b)
        spy.wait(seconds + 30)
        loadgen.wait_idle(lab.roots(proc))
        lab.drop_queues()
        out[name] = summarise(raw)
    if "worker" in phases:
        count = int(max(40, (worker_rate or 40) * (seconds + 2)))  # busy for the whole window
        items = seed.received_items(lab.app, count, seed=5000, thread_key="work-profile")
        raw = results / "profile-worker.txt"
        spy = record(lab.worker.pid, seconds, raw, subprocesses=False)
        time.sleep(1)
        try:
            phases_.process_batch(lab, [i for i, _ in items])
        finally:
            spy.wait(seconds + 30)
        out["worker"] = summarise(raw)
    for name, summary in out.items():
        text = render(name, summary)
        (results / f"profile-{name}.summary.txt").write_text(text + "\n")
        print(text, flush=True)
    return out
