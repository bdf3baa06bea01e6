"""Load and what it costs: wrk runs (requests per second, latency percentiles) and the
CPU time and resident memory of process trees, read from /proc."""
import json
import os
import shutil
import statistics
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")
LOAD_SAMPLES: list[float] = []  # the 1-minute load average after each run, for the report

# A GET script reports only; a POST script gives each body a unique number ("{n}" in the
# template), so no peer can take a body for a duplicate. wrk builds a fixed request once
# unless the script defines request(), so only the POST script does. done() prints the
# figures as one JSON line, easier to trust than wrk's text.
WRK_DONE = r"""
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "status_errors": %d, "socket_errors": %d, ' ..
    '"p50_us": %d, "p99_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean))
end
"""
WRK_POST = r"""
local counter, thread_ids, body_template = 0, 0, nil

function setup(thread)
  thread:set("tid", thread_ids)
  thread_ids = thread_ids + 1
end

function init(args)
  local f = assert(io.open(args[1], "r"))
  body_template = f:read("*a")
  f:close()
  wrk.headers["Content-Type"] = "application/json"
  math.randomseed(os.time() + tid)
end

function request()
  counter = counter + 1
  local n = tostring(tid) .. "-" .. tostring(counter) .. "-" .. tostring(math.random(1, 1000000000))
  return wrk.format("POST", nil, nil, (body_template:gsub("{n}", n)))
end
""" + WRK_DONE


def ensure_wrk() -> str:
    """The path of wrk, installing Debian's package when it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise RuntimeError("wrk is not installed: apt-get install wrk")
    print("installing Debian's wrk", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=env,
                      capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=True, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=env, check=True,
                       capture_output=True)
    return shutil.which("wrk")


@dataclass
class Run:
    """One wrk run, with the CPU the measured processes spent on it."""
    rps: float          # answered requests per second, errors excluded
    ok: int             # answered requests that were not errors
    errors: int
    p50_ms: float
    p99_ms: float
    cpu_s: float        # CPU seconds of the measured process trees, drain included
    seconds: float
    cpu_parts: tuple = ()  # the same per root, in the order given
    # Requests still in the server when wrk stopped (one per connection): the server
    # finishes them during the drain, so they share the CPU with the answered ones.
    in_flight: int = 0

    def cpu_ms_per_ok_of(self, i: int) -> float:
        done = self.ok + self.in_flight
        return 1000 * self.cpu_parts[i] / done if done else float("inf")

    @property
    def cpu_ms_per_ok(self) -> float:
        done = self.ok + self.in_flight
        return 1000 * self.cpu_s / done if done else float("inf")


class Wrk:
    def __init__(self, workdir: Path, threads: int = 2):
        self.wrk, self.threads = ensure_wrk(), threads
        self.get_script, self.post_script = workdir / "get.lua", workdir / "post.lua"
        self.get_script.write_text(WRK_DONE)
        self.post_script.write_text(WRK_POST)
        self.workdir = workdir

    def run(self, url: str, connections: int, seconds: float, *, body: str | None = None,
            headers: dict | None = None, cpu_roots: list[int] = ()) -> Run:
        """Load `url` for `seconds` over `connections` keep-alive connections (a POST of
        `body`, a JSON template with "{n}", when given). With `cpu_roots`, wait until
        those processes are idle again and measure their CPU from start to idle."""
        args = [self.wrk, "-t", str(min(self.threads, connections)), "-c", str(connections),
                "-d", f"{int(seconds)}s", "--timeout", "30s",
                "-s", str(self.get_script if body is None else self.post_script)]
        for name, value in (headers or {}).items():
            args += ["-H", f"{name}: {value}"]
        args.append(url)
        if body is not None:
            template = self.workdir / f"body-{abs(hash(body))}.json"
            template.write_text(body)
            args += ["--", str(template)]
        before = [cpu_seconds([r]) for r in cpu_roots]
        out = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 90)
        if cpu_roots:  # let the server finish what wrk left in it, and count that CPU too
            wait_idle(list(cpu_roots))
        parts = tuple(cpu_seconds([r]) - b for r, b in zip(cpu_roots, before))
        LOAD_SAMPLES.append(load_average()[0])
        line = next((l for l in out.stdout.splitlines() if l.startswith("WRKJSON ")), None)
        if line is None:
            raise RuntimeError(f"wrk failed on {url}: {out.stdout[-500:]} {out.stderr[-500:]}")
        data = json.loads(line[len("WRKJSON "):])
        errors = data["status_errors"] + data["socket_errors"]
        ok = max(data["requests"] - data["status_errors"], 0)
        elapsed = data["duration_us"] / 1e6
        return Run(rps=ok / elapsed, ok=ok, errors=errors, p50_ms=data["p50_us"] / 1000,
                   p99_ms=data["p99_us"] / 1000, cpu_s=sum(parts), seconds=elapsed,
                   cpu_parts=parts, in_flight=connections if cpu_roots else 0)


def median_run(runs: list[Run]) -> dict:
    """Per-figure medians of repeated runs, plus every run's figures."""
    fields = ("rps", "p50_ms", "p99_ms", "cpu_ms_per_ok")
    out = {f: statistics.median(getattr(r, f) for r in runs) for f in fields}
    out["errors"] = sum(r.errors for r in runs)
    if runs and runs[0].cpu_parts:
        out["cpu_ms_per_ok_parts"] = [statistics.median(r.cpu_ms_per_ok_of(i) for r in runs)
                                      for i in range(len(runs[0].cpu_parts))]
    out["runs"] = [{**asdict(r), "cpu_ms_per_ok": r.cpu_ms_per_ok} for r in runs]
    return out


# --- /proc ---------------------------------------------------------------------------

def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds of the process and of its reaped children)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2:].split()
    # fields[0] is state (field 3); utime, stime, cutime, cstime are fields 14-17.
    ticks = sum(int(x) for x in fields[11:15])
    return int(fields[1]), ticks / CLK_TCK


def process_table() -> dict[int, tuple[int, float]]:
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat is not None:
                table[int(entry)] = stat
    return table


def descendants(roots: list[int], table: dict | None = None) -> set[int]:
    """The roots and every live process below them."""
    table = table if table is not None else process_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = set(), [r for r in roots if r in table]
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo.extend(children.get(pid, ()))
    return found


def cpu_seconds(roots: list[int]) -> float:
    """CPU time of the process trees under `roots`: live processes' own time plus the
    time of children they have reaped (PostgreSQL backends, restarted workers)."""
    if not roots:
        return 0.0
    table = process_table()
    return sum(table[pid][1] for pid in descendants(list(roots), table))


def wait_idle(roots: list[int], timeout: float = 60, window: float = 0.25,
              busy: float = 0.05) -> float:
    """Wait until the trees under `roots` use less than `busy` of a core (requests that a
    finished wrk run left in the server's queue are done). Returns the seconds waited."""
    started = time.monotonic()
    last = cpu_seconds(roots)
    while time.monotonic() - started < timeout:
        time.sleep(window)
        now = cpu_seconds(roots)
        if now - last < busy * window:
            break
        last = now
    return time.monotonic() - started


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children_of(pid: int) -> list[int]:
    table = process_table()
    return sorted(p for p, (ppid, _) in table.items() if ppid == pid)


def load_average() -> tuple[float, float, float]:
    one, five, fifteen = Path("/proc/loadavg").read_text().split()[:3]
    return float(one), float(five), float(fifteen)
