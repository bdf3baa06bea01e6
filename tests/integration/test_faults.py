"""No reader's words are lost: Redis stopped, a worker SIGKILLed in the middle of a
batch, PostgreSQL restarted, each against a private stack of real processes. How long
each took to recover is printed, not asserted (bench/faults.py prints the longer table,
against the targets)."""
import pytest

from tests.integration import faultlab


@pytest.fixture(scope="module")
def stack():
    faultlab.need_binaries("fault tests")
    stack = faultlab.new_stack(worker_count=2)
    yield stack
    stack.stop()


def test_redis_outage_loses_nothing(stack):
    tally = faultlab.redis_outage(stack, seconds=12, down_from=3, down_for=5)
    print("\n" + faultlab.HEADER + "\n" + tally.row())
    assert len(tally.accepted) > 20 and tally.refused == {}  # accepted while Redis was down
    assert tally.stored == len(tally.accepted) and tally.lost == 0
    assert tally.recovered is not None  # the posts of the outage were processed after it


def test_a_worker_killed_mid_batch_leaves_its_items_to_the_others(stack):
    tally = faultlab.worker_killed(stack, burst=150)
    print("\n" + faultlab.HEADER + "\n" + tally.row())
    assert tally.recovered is not None  # the victim's batch was processed by the others
    assert tally.lost == 0 and tally.processed == len(tally.accepted)


def test_postgres_restart_gives_503_then_recovers(stack):
    tally = faultlab.postgres_restart(stack, seconds=12, down_from=2, down_for=4)
    print("\n" + faultlab.HEADER + "\n" + tally.row())
    assert tally.refused and set(tally.refused) == {503}  # clean 503s while it was down
    assert len(tally.accepted) > 10 and tally.lost == 0
    assert stack.get("/healthz")[0] == 200
