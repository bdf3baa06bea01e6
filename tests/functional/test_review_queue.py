"""The queue as a moderator uses it: tabs with counts, filters, orderings, paging."""
import re
from datetime import datetime, timedelta

from moderation import review
from moderation.extensions import db
from tests.conftest import add_moderator, log_in, make_item

T0 = datetime(2026, 3, 1, 9, 0)


def ids_on(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'class="queue-item" data-id="(\d+)"', page)]


def queue_page(client, query=""):
    response = client.get(f"/review/{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def test_tabs_show_a_count_per_queue(client, app):
    add_moderator(app)
    for status in ("pending", "pending", "spam", "approved", "rejected", "rejected", "rejected"):
        make_item(app, status=status)
    log_in(client)
    page = queue_page(client)
    for status, n in (("pending", 2), ("spam", 1), ("approved", 1), ("rejected", 3)):
        assert re.search(rf'data-count="{status}">{n}<', page), status


def test_filters_by_site_kind_thread_score_and_text(client, app):
    add_moderator(app)
    plain = make_item(app, thread="a1", score=0.2, body="Trams are late again")
    other_site = make_item(app, site="gazette", score=0.2, body="Trams in the gazette")
    news = make_item(app, kind="news", title="Council votes", score=0.6, body="Budget news")
    other_thread = make_item(app, thread="b2", score=0.9, body="Buy cheap watches")
    log_in(client)
    assert set(ids_on(queue_page(client))) == {plain, other_site, news, other_thread}
    assert ids_on(queue_page(client, "?site=gazette")) == [other_site]
    assert ids_on(queue_page(client, "?kind=news")) == [news]
    thread_id = _thread_of(app, plain)
    assert ids_on(queue_page(client, f"?thread={thread_id}")) == [plain]
    assert set(ids_on(queue_page(client, "?min_score=0.5"))) == {news, other_thread}
    assert ids_on(queue_page(client, "?min_score=0.5&max_score=0.7")) == [news]
    assert set(ids_on(queue_page(client, "?q=trams"))) == {plain, other_site}
    assert ids_on(queue_page(client, "?q=COUNCIL")) == [news]  # title, any case
    assert ids_on(queue_page(client, "?q=100%25")) == []  # % is literal, not a wildcard
    assert ids_on(queue_page(client, "?site=nowhere")) == []


def _thread_of(app, item_id):
    from moderation.store import Item
    with app.app_context():
        return db.session.get(Item, item_id).thread_id


def test_bad_filters_are_400_naming_the_problem(client, app):
    add_moderator(app)
    log_in(client)
    for query, words in (("?status=received", "unknown status"), ("?kind=poem", "unknown kind"),
                         ("?sort=random", "unknown sort"), ("?thread=" + "t" * 201, "thread to look for is too long"),
                         ("?min_score=2", "min_score must be"), ("?max_score=x", "max_score must be"),
                         ("?after=zzz", "malformed page cursor"), ("?q=" + "x" * 201, "too long")):
        response = client.get("/review/" + query)
        assert response.status_code == 400, query
        assert words in response.get_data(as_text=True), query


def test_priority_puts_old_likely_good_items_first(client, app):
    add_moderator(app)
    # Two hours older but scored 0.9: the 6-hour spread puts it after the fresh 0.1 item.
    old_spammy = make_item(app, score=0.9, created_at=T0)
    fresh_good = make_item(app, score=0.1, created_at=T0 + timedelta(hours=2))
    # Ten hours older than the fresh one: age wins over a slightly higher score.
    oldest = make_item(app, score=0.3, created_at=T0 - timedelta(hours=8))
    unscored = make_item(app, score=None, created_at=T0 + timedelta(hours=1))
    log_in(client)
    assert ids_on(queue_page(client)) == [oldest, fresh_good, unscored, old_spammy]
    assert ids_on(queue_page(client, "?sort=newest")) == [unscored, oldest, fresh_good, old_spammy]
    assert ids_on(queue_page(client, "?sort=oldest")) == [old_spammy, fresh_good, oldest, unscored]


def test_decided_queues_default_to_newest_first(client, app):
    add_moderator(app)
    first, second = make_item(app, status="approved"), make_item(app, status="approved")
    log_in(client)
    assert ids_on(queue_page(client, "?status=approved")) == [second, first]


def test_keyset_pages_cover_every_item_once_in_order(app):
    items = [make_item(app, score=(i * 37 % 10) / 10, created_at=T0 + timedelta(minutes=i % 7))
             for i in range(23)]
    with app.app_context():
        for order in review.SORTS:
            filters = review.Filters(sort=order)
            seen, cursor = [], None
            while True:
                page = review.queue(db.session, filters, limit=5, after=cursor)
                seen += [item.id for item in page.items]
                if page.next_cursor is None:
                    break
                cursor = page.next_cursor
            whole = [item.id for item in review.queue(db.session, filters, limit=100).items]
            assert seen == whole and sorted(seen) == sorted(items), order


def test_next_page_link_follows_the_filters(client, app, monkeypatch):
    add_moderator(app)
    monkeypatch.setattr(review, "PAGE_SIZE", 2)
    made = [make_item(app, kind="news", title=f"Tip {i}", created_at=T0 + timedelta(hours=i))
            for i in range(3)]
    make_item(app)  # a comment: filtered out on every page
    log_in(client)
    first = queue_page(client, "?kind=news")
    assert ids_on(first) == made[:2]
    link = re.search(r'class="next-page" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "kind=news" in link
    second = client.get(link).get_data(as_text=True)
    assert ids_on(second) == made[2:]
    assert 'class="next-page"' not in second


def test_counts_stop_at_the_cap(app, monkeypatch):
    monkeypatch.setattr(review, "COUNT_CAP", 2)
    for _ in range(4):
        make_item(app)
    with app.app_context():
        assert review.counts(db.session)["pending"] == 3  # shown as "2+"
