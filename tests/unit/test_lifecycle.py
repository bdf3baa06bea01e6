import pytest
from sqlalchemy import select

from moderation import lifecycle
from moderation.store import Decision, Item, Site, Thread


def make_item(session, status="received"):
    site = session.scalar(select(Site))
    thread = Thread(site=site, key="k")
    item = Item(site=site, kind="comment", thread=thread, body_raw="x", author_name="A",
                author_email="a@example.org", status=status)
    session.add(item)
    session.flush()
    return item


def test_table_matches_design():
    assert lifecycle.TRANSITIONS["received"] == {"pending", "spam", "approved"}
    assert lifecycle.TRANSITIONS["pending"] == {"approved", "rejected", "spam"}
    assert lifecycle.TRANSITIONS["spam"] == {"pending", "rejected"}
    assert lifecycle.TRANSITIONS["approved"] == {"rejected"}
    assert lifecycle.TRANSITIONS["rejected"] == {"approved"}


def test_move_writes_decision_and_bumps_version(session):
    item = make_item(session)
    lifecycle.move(session, item, "pending", note="scored")
    session.flush()
    decision = session.scalars(select(Decision)).one()
    assert (decision.from_status, decision.to_status, decision.actor) == ("received", "pending", "system")
    assert item.status == "pending" and item.version == 2


@pytest.mark.parametrize("start,to", [("received", "rejected"), ("approved", "pending"),
                                      ("spam", "approved"), ("rejected", "spam")])
def test_disallowed_moves_raise_and_write_nothing(session, start, to):
    item = make_item(session, start)
    with pytest.raises(lifecycle.TransitionError):
        lifecycle.move(session, item, to)
    assert item.status == start
    assert session.scalars(select(Decision)).all() == []


def test_stale_version_is_refused(session):
    item = make_item(session, "pending")
    with pytest.raises(lifecycle.TransitionError, match="changed since"):
        lifecycle.move(session, item, "approved", expected_version=item.version - 1)


def test_approval_bumps_thread_revision_and_count(session):
    item = make_item(session, "pending")
    lifecycle.move(session, item, "approved")
    session.flush()
    session.refresh(item.thread)
    assert (item.thread.revision, item.thread.approved_count) == (1, 1)
    lifecycle.move(session, item, "rejected", reason="abuse")
    session.flush()
    session.refresh(item.thread)
    assert (item.thread.revision, item.thread.approved_count) == (2, 0)
