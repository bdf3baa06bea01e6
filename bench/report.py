"""The table `make bench` prints, the targets it checks, and the before/after view."""
from lab import num
from phases import INTAKE_CONCURRENCY, READ_CONCURRENCY

TARGETS = {  # name: (at least / at most, bound); the surge figures come from bench/load.py
    "intake_vs_isso": (">=", 2.0), "intake_cpu_vs_isso": ("<=", 0.5),
    "read500_repeat_vs_hello": (">=", 0.5), "read500_fresh_vs_flask_json": (">=", 1.0),
    "web_rss_mb": ("<=", 150.0), "surge_decision_p99_s": ("<=", 2.0),
}


def table(result: dict) -> str:
    lines = []
    if "intake" in result:
        f = result["intake"]["figures"]
        lines += ["(a) intake: POST one comment (store + wake a worker)",
                  f"    {'target':<40}{'conc':>5}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'CPU ms/ok':>11}"]
        labels = {"service": "service (gunicorn + PostgreSQL + Redis)",
                  "isso": "Isso 0.14 (SQLite)"}
        for c in INTAKE_CONCURRENCY:
            for t, label in labels.items():
                m = f[t][str(c)]
                parts = m.get("cpu_ms_per_ok_parts") or []
                split = f"   (web {parts[0]:.2f}, PostgreSQL {parts[1]:.2f}, Redis {parts[2]:.2f})" \
                    if len(parts) == 3 else ""
                lines.append(f"    {label:<40}{c:>5}{num(m['rps'], 9)}{num(m['p50_ms'], 9)}"
                             f"{num(m['p99_ms'], 9)}{num(m['cpu_ms_per_ok'], 11)}{split}")
    if "read" in result:
        f = result["read"]["figures"]
        lines += [f"(b) reads, concurrency {READ_CONCURRENCY}",
                  f"    {'target':<41}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'CPU ms/req':>11}"]
        labels = [("service_repeat_t50", "service, 50 comments, repeated"),
                  ("service_fresh_t50", "service, 50 comments, fresh (no cache)"),
                  ("isso_t50", "Isso, 50 comments"),
                  ("flask_json_t50", "bare Flask JSON, same 50 rows"),
                  ("service_repeat_t500", "service, 500 comments, repeated"),
                  ("service_fresh_t500", "service, 500 comments, fresh (no cache)"),
                  ("isso_t500", "Isso, 500 comments"),
                  ("flask_json_t500", "bare Flask JSON, same 500 rows"),
                  ("service_304_t500", "service, 500 comments, If-None-Match 304"),
                  ("flask_hello", "bare Flask hello-world"),
                  ("flask_bytes_t500", "bare Flask, the 500-page's bytes")]
        for key, label in labels:
            m = f[key]
            lines.append(f"    {label:<41}{num(m['rps'], 9)}{num(m['p50_ms'], 9)}{num(m['p99_ms'], 9)}"
                         f"{num(m['cpu_ms_per_ok'], 11)}")
    if "worker" in result:
        f = result["worker"]["figures"]
        lines += ["(c) worker: sanitise + score + store, one worker process",
                  f"    service worker (celery --pool=solo)      {f['worker_items_per_s']:>9.1f} items/s"
                  f"  ({f['worker_cpu_ms_per_item']:.2f} ms worker CPU per item)"]
    if "memory" in result:
        lines.append("(d) resident memory (MB)")
        for name, m in result["memory"]["rss"].items():
            master = f"master {m['master_mb']:.0f}, " if "master_mb" in m else ""
            lines.append(f"    {name:<16}{master}workers {', '.join(f'{x:.0f}' for x in m['workers_mb'])}")
    ratios = result["ratios"]
    if ratios:
        lines.append("targets (ratios measured side by side; median of per-round ratios)")
        for name, (op, bound) in TARGETS.items():
            if name in ratios and ratios[name] is not None:
                value = ratios[name]
                met = value >= bound if op == ">=" else value <= bound
                lines.append(f"    {name:<34}{num(value, 8)}   target {op} {bound:<5}  "
                             f"{'met' if met else 'MISSED'}")
        others = {k: v for k, v in ratios.items() if k not in TARGETS}
        if others:
            lines.append("    also: " + ", ".join(f"{k} {num(v, 0).strip()}" for k, v in sorted(others.items())))
    m = result["machine"]
    lines.append(f"machine: {m['cores']} cores; 1-min load average {m['load_before'][0]:.2f} "
                 f"before, median {m['load_median']:.2f} and highest {m['load_max']:.2f} during "
                 f"the runs, {m['load_after'][0]:.2f} after; {m['repeats']} rounds of "
                 f"{m['seconds']} s; gunicorn {m['gunicorn']}; {m['elapsed_s']:.0f} s in all")
    return "\n".join(lines)


def compare(result: dict, before: dict, label: str) -> str:
    """Each ratio of `result` beside the same ratio in `before` (an earlier results JSON)."""
    names = sorted(set(result["ratios"]) & set(before.get("ratios", {})))
    lines = [f"compared with {label} ({before['machine'].get('finished', '?')}):"]
    for n in names:
        old, new = before["ratios"][n], result["ratios"][n]
        if old is not None and new is not None:
            change = f"  ({new / old - 1:+.0%})" if old else ""
            lines.append(f"    {n:<34}{num(old, 8)} -> {num(new, 8)}{change}")
    return "\n".join(lines)
