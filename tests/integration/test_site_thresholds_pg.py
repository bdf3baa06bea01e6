"""A site's spam threshold measured on its own verdicts, on PostgreSQL: the look-up is
one SQL statement over decisions and items (spam/thresholds.py)."""
from sqlalchemy import select

from moderation.extensions import db
from moderation.spam import thresholds
from moderation.store import Site
from tests.conftest import decide, make_item

SITE = "thresholds-it"  # a site of this file's own: the database is shared


def test_a_sites_latest_verdicts_on_postgresql(pg_app):
    spam = [make_item(pg_app, site=SITE, score=s, body=f"thresholds-it spam {s}") for s in (0.9, 0.5)]
    for item_id in spam:
        decide(pg_app, item_id, "spam", username="thresholds-it-mod")
    returned = make_item(pg_app, site=SITE, status="spam", score=0.8, body="thresholds-it ham")
    decide(pg_app, returned, "approve", username="thresholds-it-mod")  # not spam, then approved
    rude = make_item(pg_app, site=SITE, score=0.95, body="thresholds-it rude")
    decide(pg_app, rude, "reject", username="thresholds-it-mod", reason="abuse")
    make_item(pg_app, score=0.99, body="thresholds-it elsewhere")  # another site's item
    with pg_app.app_context():
        site = db.session.scalar(select(Site).where(Site.key == SITE))
        judged = thresholds.verdicts(db.session, site.id, 500)
        assert sorted(judged) == [(0.5, True), (0.8, False), (0.9, True)]
        assert thresholds.verdicts(db.session, site.id, 1) == [(0.8, False)]
        [row] = [s for s in thresholds.overview(db.session, 500) if s.site.key == SITE]
        assert (row.threshold, row.is_default, row.spam, row.ham) == (0.7, True, 2, 1)
        assert row.current == thresholds.Figures(0.7, 0.5, 0.5, 1.0)
        db.session.remove()
