"""Keep submitting comments through a private production stack while Redis is stopped
for 10 s, a worker is SIGKILLed mid-task and PostgreSQL is stopped; print what was
accepted, stored, processed and lost for each. Usage: .venv/bin/python bench/faults.py"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.integration import faultlab  # noqa: E402


def main() -> int:
    stack = faultlab.new_stack(worker_count=2)
    try:
        tallies = [faultlab.redis_outage(stack, seconds=24, down_from=4, down_for=10),
                   faultlab.worker_killed(stack),
                   faultlab.postgres_restart(stack, seconds=20, down_from=4, down_for=8)]
    finally:
        stack.stop()
    print(faultlab.HEADER)
    for tally in tallies:
        print(tally.row())
    return 1 if any(t.lost for t in tallies) else 0


if __name__ == "__main__":
    sys.exit(main())
