"""A steady mixed load (bench/load.py, shorter and slower) against a private stack of real
processes: no 5xx, no socket error, and every accepted post stored with its body and
processed."""
import pytest

from bench import load
from tests.integration import faultlab

RATE, SECONDS = 40, 10


@pytest.fixture(scope="module")
def stack():
    faultlab.need_binaries("the load test")
    stack = faultlab.new_stack(worker_count=1)  # intake rate limits off (faultlab.Stack.env)
    # No beat: its periodic wake-up would process an item whose wake-up was lost, hiding it.
    for beat in [p for p in stack.others if "beat" in p.args]:
        beat.terminate()
        beat.wait(10)
    yield stack
    stack.stop()


def test_steady_mixed_load_answers_everything_and_loses_nothing(stack):
    result = load.run(f"http://127.0.0.1:{stack.web_port}", RATE, SECONDS, connections=8)
    items = load.settle(stack.pg.url, result, timeout=60)
    print("\n" + load.table(result, items))
    sent = {name: k.sent for name, k in result.kinds.items()}
    assert sent == {"post": RATE * SECONDS // 5, "read": RATE * SECONDS * 3 // 5,
                    "count": RATE * SECONDS // 5}
    assert result.failures == 0
    assert all(k.codes["2xx"] == k.sent for k in result.kinds.values())
    assert items.accepted == sent["post"]
    assert items.stored == items.accepted and items.lost == 0
