"""No page asks the database more often because it holds more items (no N+1): each page
is requested over a small and a ten times larger database and its SQL statements are
counted. bench/queue_scale.py measures the time of the same pages at 10k and 1M items."""
from moderation.extensions import db
from tests.conftest import add_moderator, log_in, make_app, make_item, statements_run

PAGES = {
    "thread read": "/api/v1/sites/default/threads/t/comments?limit=200",
    "counts": "/api/v1/sites/default/counts?thread=t&thread=u",
    "recent": "/api/v1/sites/default/comments/recent",
    "submissions": "/api/v1/sites/default/submissions",
    "feed": "/feeds/default/submissions.atom",
    "queue first page": "/review/",
    "spam queue": "/review/?status=spam",
}


def statements_per_page(tmp_path, size: int) -> dict[str, int]:
    app = make_app(f"sqlite:///{tmp_path / f'growth{size}.sqlite3'}",
                   MODERATION_PAGE_CACHE_SIZE=0)  # every read builds its page
    parent = None
    for n in range(size):
        top = make_item(app, status="approved", thread="t", parent_id=parent if n % 2 else None,
                        author_email=f"reader{n % 3}@example.org")
        parent = top if n % 2 == 0 else parent
        make_item(app, status="pending", thread="u", author_email=f"reader{n}@example.org")
        make_item(app, status="spam", thread="u", score=0.9)
        make_item(app, kind="news", status="approved", title=f"Tip {n}")
    add_moderator(app)
    client = app.test_client()
    assert log_in(client).status_code in (302, 303)
    with app.app_context():
        engine = db.engine
    counts = {}
    for name, path in PAGES.items():
        with statements_run(engine) as executed:
            response = client.get(path)
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = len(executed)
    return counts


def test_no_page_runs_more_statements_with_more_items(tmp_path):
    small, large = statements_per_page(tmp_path, 4), statements_per_page(tmp_path, 40)
    assert large == small
    assert all(n <= 12 for n in large.values()), large
