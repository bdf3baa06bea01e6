"""A bounded load test at a steady rate: mixed traffic (posts, thread reads, counts) against
the service under gunicorn with real Celery workers, on loopback, for `--seconds`; then
every accepted post is followed into the database. Exits 1 on any 5xx, socket error or
lost item (README "Reliability").

    .venv/bin/python bench/load.py [--seconds 60 --rate 200 --workers 2]
    .venv/bin/python bench/load.py --capacity      # the surge figures of issue 12

Decision latency: from the moment a post's 202 arrived to the moment its item is seen
to have left `received` (sanitised, scored and routed, committed): a watcher polls the
database every 50 ms for the posts still waiting. With --capacity, the run at 200 req/s
(40 posts/s and 160 reads/s) gives `surge_decision_p50_s` / `surge_decision_p99_s`, and
further runs of --capacity-seconds at higher post rates (reads at four times the post
rate) find `surge_capacity_posts_per_s`, the highest at which that p99 stays within
2 s with nothing failed; all go to bench/results/latest.json.

The lab is bench/lab.py: a private PostgreSQL and Redis (tests/integration/faultlab.py),
gunicorn with the README's production command (intake rate limits off, as everywhere in
the lab: this is one client on one address), `--workers` Celery worker processes on the
queue the service wakes. No beat: every item is processed because intake's wake-ups
reached a worker, and one whose wake-up was lost would wait here, and show.

The generator is this file's own open-loop client, not wrk: Debian's wrk (wrk2 is not
packaged) is closed-loop, so when the server slows down it simply sends less and measures
only the requests it managed to send (coordinated omission), and its Lua side cannot
easily hand back the id of every accepted post. Here request i is due at t0 + i / rate
whatever happened before it; a pool of threads, each with one keep-alive http.client
connection, takes the due requests in order, and latency runs from the due time to the
end of the answer, so time spent waiting for a free connection counts too. Posts are 20 %
of the mix, each body numbered and unique; thread reads 60 % over four threads; counts
20 %. "Processed" is read from the database (the item left `received`), not from Celery,
so it holds however intake hands items to workers.
"""
import argparse
import http.client
import json
import signal
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

BENCH = Path(__file__).resolve().parent
THREADS = ("load-a", "load-b", "load-c", "load-d")
# Ten slots, repeated: 2 posts, 6 thread reads, 2 counts, spread so no type comes in bursts.
MIX = ("read", "post", "read", "count", "read", "read", "post", "read", "count", "read")
KINDS = ("post", "read", "count")
COUNTS_PATH = "/api/v1/sites/default/counts?" + "&".join(f"thread={t}" for t in THREADS)
POST_BODY = ('{{"author_name": "Load reader {n}", "author_email": "load{n}@example.org", '
             '"body": "Comment number {n} of the load test: the tram line, the council vote '
             'and the bridge works.", "thread_url": "https://news.example/{thread}", '
             '"thread_title": "Load {thread}"}}')
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def post_body(n: int, thread: str) -> str:
    return POST_BODY.format(n=n, thread=thread)


@dataclass
class Kind:
    """The answers of one request type."""
    sent: int = 0
    codes: Counter = field(default_factory=Counter)  # status class ("2xx"...) or "error"
    latencies: list = field(default_factory=list)    # seconds, due time to answer


@dataclass
class Result:
    rate: float
    seconds: float
    connections: int
    kinds: dict = field(default_factory=lambda: {k: Kind() for k in KINDS})
    accepted: dict = field(default_factory=dict)  # item id -> body sent
    answered: dict = field(default_factory=dict)  # item id -> time.monotonic() of its 202
    elapsed: float = 0.0                          # first due time to last answer
    start_lag: list = field(default_factory=list)  # due time to sending, seconds
    resent: int = 0  # requests sent again after the server closed an idle connection

    @property
    def failures(self) -> int:
        return sum(k.codes["5xx"] + k.codes["error"] for k in self.kinds.values())


@dataclass
class Items:
    accepted: int
    stored: int      # a row with this id and exactly the body sent
    processed: int   # ... that has left `received`
    waited: float

    @property
    def lost(self) -> int:
        return self.accepted - self.processed


def percentile(values: list, p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def run(base_url: str, rate: float, seconds: float, connections: int = 32,
        timeout: float = 10.0, into: Result | None = None) -> Result:
    """Send the mix to `base_url` at `rate` requests per second for `seconds`. Stops by
    itself: nothing is due after `seconds`, and each request gives up after `timeout`."""
    parts = urlsplit(base_url)
    if parts.hostname not in LOOPBACK:
        raise ValueError(f"load goes to loopback only, not {parts.hostname}")
    result = into or Result(rate, seconds, connections)
    lock, state = threading.Lock(), {"next": 0, "last": 0.0}
    t0 = time.monotonic() + 0.2
    end = t0 + seconds

    def request(i: int):
        kind = MIX[i % len(MIX)]
        thread = THREADS[(i // len(MIX)) % len(THREADS)]
        if kind == "post":
            return kind, "POST", f"/api/v1/sites/default/threads/{thread}/comments", post_body(i, thread)
        if kind == "read":
            return kind, "GET", f"/api/v1/sites/default/threads/{thread}/comments", None
        return kind, "GET", COUNTS_PATH, None

    def client():
        conn = None
        while True:
            with lock:
                i = state["next"]
                state["next"] += 1
            due = t0 + i / rate
            if due >= end:
                break
            if (delay := due - time.monotonic()) > 0:
                time.sleep(delay)
            started = time.monotonic()
            kind, method, path, body = request(i)
            status, raw = 0, b""
            for attempt in (1, 2):
                reused = conn is not None
                conn = conn or http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
                try:
                    conn.request(method, path, body, {"Content-Type": "application/json"})
                    response = conn.getresponse()
                    raw, status = response.read(), response.status
                    if response.will_close:
                        conn.close()
                        conn = None
                    break
                except (OSError, http.client.HTTPException) as exc:
                    conn.close()
                    conn = None
                    # The server closed an idle kept-alive connection before reading the
                    # request: send it once more on a new one. Anything else is an error.
                    closed = isinstance(exc, (http.client.RemoteDisconnected, BrokenPipeError,
                                              ConnectionResetError))
                    if not (reused and closed and attempt == 1):
                        status = 0
                        break
                    with lock:
                        result.resent += 1
            done = time.monotonic()
            with lock:
                k = result.kinds[kind]
                k.sent += 1
                k.codes[f"{status // 100}xx" if status else "error"] += 1
                k.latencies.append(done - due)
                result.start_lag.append(started - due)
                state["last"] = max(state["last"], done)
                if kind == "post" and status == 202:
                    item_id = json.loads(raw)["id"]
                    result.accepted[item_id] = body
                    result.answered[item_id] = done
        if conn is not None:
            conn.close()

    pool = [threading.Thread(target=client, daemon=True) for _ in range(connections)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(seconds + timeout * 3 + 5)
    result.elapsed = max(state["last"] - t0, 1e-9)
    return result


class DecisionWatch:
    """Polls the database every `interval` for accepted posts still `received`, and notes
    when each is first seen decided (time.monotonic(), so comparable with their 202)."""

    def __init__(self, database_url: str, result: Result, interval: float = 0.05):
        self.url, self.result, self.interval = database_url.replace("+psycopg", ""), result, interval
        self.seen: dict[int, float] = {}
        self.running = True
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self):
        import psycopg
        with psycopg.connect(self.url, autocommit=True) as conn:
            while self.running or len(self.seen) < len(self.result.answered):
                waiting = [i for i in list(self.result.answered) if i not in self.seen]
                if waiting:
                    rows = conn.execute("SELECT id FROM item WHERE id = ANY(%s) AND status <> "
                                        "'received'", (waiting,)).fetchall()
                    now = time.monotonic()
                    for (item_id,) in rows:
                        self.seen[item_id] = now
                elif not self.running:
                    break
                time.sleep(self.interval)

    def stop(self, timeout: float) -> None:
        self.running = False
        self.thread.join(timeout)

    def latencies(self) -> list[float]:
        return [self.seen[i] - t for i, t in self.result.answered.items() if i in self.seen]


def settle(database_url: str, result: Result, timeout: float = 120.0) -> Items:
    """Wait (at most `timeout`) until every accepted post's item has left `received`,
    then count the items stored with the body sent and the ones processed."""
    import psycopg
    ids = list(result.accepted)
    started = time.monotonic()
    with psycopg.connect(database_url.replace("+psycopg", ""), autocommit=True) as conn:
        while ids and time.monotonic() - started < timeout:
            waiting = conn.execute("SELECT count(*) FROM item WHERE id = ANY(%s) AND status = "
                                   "'received'", (ids,)).fetchone()[0]
            if waiting == 0:
                break
            time.sleep(0.5)
        rows = conn.execute("SELECT id, status, body_raw FROM item WHERE id = ANY(%s)",
                            (ids,)).fetchall()
    sent = {i: json.loads(body)["body"] for i, body in result.accepted.items()}
    stored = [status for i, status, body in rows if sent[i] == body]
    return Items(len(ids), len(stored), sum(1 for s in stored if s != "received"),
                 time.monotonic() - started)


def table(result: Result, items: Items, decisions: list[float] | None = None) -> str:
    ms = lambda v: "-" if v is None else f"{1000 * v:.1f}"  # noqa: E731
    lines = [f"{result.rate:g} req/s due for {result.seconds:g} s over {result.connections} "
             f"keep-alive connections; latency from each request's due time",
             f"{'type':<6} {'sent':>6} {'req/s':>7} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} "
             f"{'max ms':>7} {'2xx':>6} {'4xx':>5} {'5xx':>5} {'errors':>6}"]
    total = Kind()
    for name, k in [*result.kinds.items(), ("all", total)]:
        if name != "all":
            total.sent += k.sent
            total.codes.update(k.codes)
            total.latencies += k.latencies
        lines.append(f"{name:<6} {k.sent:>6} {k.sent / result.elapsed:>7.1f} "
                     f"{ms(percentile(k.latencies, 50)):>7} {ms(percentile(k.latencies, 90)):>7} "
                     f"{ms(percentile(k.latencies, 99)):>7} {ms(max(k.latencies, default=None)):>7} "
                     f"{k.codes['2xx']:>6} {k.codes['4xx']:>5} {k.codes['5xx']:>5} {k.codes['error']:>6}")
    lines.append(f"sent late: p99 {ms(percentile(result.start_lag, 99))} ms after the due "
                 f"time (every connection busy waiting for answers, or the client short of CPU); "
                 f"{result.resent} sent again after the server closed an idle connection")
    waited = "all processed" if items.lost == 0 else "gave up waiting"
    lines.append(f"items: accepted {items.accepted}  stored {items.stored}  processed "
                 f"{items.processed}  lost {items.lost}  ({waited} {items.waited:.1f} s "
                 f"after the load ended)")
    if decisions is not None:
        lines.append(f"202 to decision: p50 {ms(percentile(decisions, 50))} ms  p99 "
                     f"{ms(percentile(decisions, 99))} ms  max {ms(max(decisions, default=None))} ms "
                     f"over {len(decisions)} posts")
    return "\n".join(lines)


def measured(lab, rate: float, seconds: float, connections: int, drain: float):
    """One run against the lab's service: (result, items, decision latencies)."""
    result = Result(rate, seconds, connections)
    watch = DecisionWatch(lab.pg.url, result)
    result = run(lab.url("web", ""), rate, seconds, connections, into=result)
    items = settle(lab.pg.url, result, drain)
    watch.stop(10)
    return result, items, watch.latencies()


def save(figures: dict) -> Path:
    """Merge the surge figures into bench/results/latest.json."""
    path = BENCH / "results" / "latest.json"
    path.parent.mkdir(exist_ok=True)
    doc = json.loads(path.read_text()) if path.exists() else {}
    doc.setdefault("ratios", {}).update({k: v for k, v in figures.items() if not isinstance(v, list)})
    doc["surge"] = figures
    path.write_text(json.dumps(doc, indent=1))
    return path


SURGE_RATE = 200  # requests per second: 40 posts and 160 reads
SURGE_P99 = 2.0  # seconds from 202 to decision
CAPACITY_POSTS = (60, 80, 100, 120, 160, 200)  # posts per second tried after the surge


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rate", type=float, default=SURGE_RATE, help="requests per second, all types")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes")
    parser.add_argument("--drain", type=float, default=240,
                        help="seconds to wait for accepted items to be processed")
    parser.add_argument("--capacity", action="store_true",
                        help="then find the highest post rate with decision p99 <= 2 s")
    parser.add_argument("--capacity-seconds", type=float, default=20)
    args = parser.parse_args(argv)
    sys.path[:0] = [str(BENCH.parent), str(BENCH)]
    import seed
    from lab import GUNICORN, WORK_QUEUE, Lab, log

    def out_of_time(*_):
        raise TimeoutError("the load test ran past its hard limit")
    signal.signal(signal.SIGALRM, out_of_time)
    budget = args.seconds + args.drain + 600
    if args.capacity:
        budget += len(CAPACITY_POSTS) * (args.capacity_seconds + args.drain)
    signal.alarm(int(budget))  # start-up, seeding and drains included
    lab = Lab(GUNICORN)
    rounds, failed = [], False
    try:
        log(f"starting PostgreSQL and Redis in {lab.base}")
        lab.start_services()
        for n, key in enumerate(THREADS):  # something to read: 40 approved comments each
            seed.seed_service(lab.app, key, seed.comments(40, seed=n))
        lab._gunicorn("web", Path(sys.executable).parent, ["moderation.wsgi:app"],
                      {"MODERATION_TASK_QUEUE": WORK_QUEUE}, "/healthz")
        lab.start_worker()
        for n in range(1, args.workers):
            lab.stack.add_worker(f"worker{n}", {"MODERATION_TASK_QUEUE": WORK_QUEUE})
        log(f"service :{lab.ports['web']}, {args.workers} worker(s); {args.rate:g} req/s for "
            f"{args.seconds:g} s")
        result, items, decisions = measured(lab, args.rate, args.seconds, args.connections,
                                            args.drain)
        print("\n" + table(result, items, decisions), flush=True)
        failed = bool(result.failures or items.lost)
        rounds.append((args.rate / 5, percentile(decisions, 50), percentile(decisions, 99),
                       result.failures + items.lost))
        if args.capacity:
            for posts in CAPACITY_POSTS:
                log(f"capacity: {posts} posts/s and {4 * posts} reads/s for {args.capacity_seconds:g} s")
                r, i, d = measured(lab, posts * 5, args.capacity_seconds, args.connections, args.drain)
                print("\n" + table(r, i, d), flush=True)
                rounds.append((posts, percentile(d, 50), percentile(d, 99), r.failures + i.lost))
                if r.failures or i.lost or (percentile(d, 99) or 0) > SURGE_P99:
                    break
    finally:
        signal.alarm(0)
        lab.stop()
    if args.capacity:
        passing = [posts for posts, _, p99, bad in rounds if not bad and p99 is not None
                   and p99 <= SURGE_P99]
        figures = {"surge_decision_p50_s": rounds[0][1], "surge_decision_p99_s": rounds[0][2],
                   "surge_capacity_posts_per_s": max(passing, default=0),
                   "rounds": [{"posts_per_s": p, "decision_p50_s": p50, "decision_p99_s": p99,
                               "failed_or_lost": bad} for p, p50, p99, bad in rounds]}
        print(f"\nsurge ({args.rate:g} req/s, {args.workers} workers): decision p50 "
              f"{rounds[0][1]:.3f} s, p99 {rounds[0][2]:.3f} s (target <= {SURGE_P99:g} s); "
              f"capacity {figures['surge_capacity_posts_per_s']} posts/s with reads at 4x; "
              f"written to {save(figures).relative_to(BENCH.parent)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
