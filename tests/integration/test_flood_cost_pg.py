"""A flood does not make each of its items dearer to score: on PostgreSQL, with 3,000
copies of one text from one address already stored, the spam detectors' look-ups for the
next copy read a bounded number of rows (EXPLAIN ANALYZE counts them), fewer than the
flood holds. bench/flood_replay.py shows the same in items per second."""
from datetime import timedelta

from sqlalchemy import insert, select, text

from moderation.extensions import db
from moderation.spam import duplicates, footprint
from moderation.spam.signals import Sample, body_hash
from moderation.store import Fingerprint, FingerprintBand, Item, Site, utcnow

FLOOD = 3000
TEXT = "Cheap watches and bags at our online shop, order today, free shipping to everyone"
EMAIL, PREFIX = "flood-cost@example.net", "203.0.113.0/24"


def rows_read(plan: dict) -> int:
    """Rows the scans of a plan returned, over all their loops."""
    total = 0
    if "Scan" in plan["Node Type"]:
        total += plan["Actual Rows"] * plan["Actual Loops"]
    return total + sum(rows_read(child) for child in plan.get("Plans", ()))


def explained(statement, params) -> int:
    sql = statement.compile(dialect=db.engine.dialect)
    result = db.session.connection().exec_driver_sql(
        f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", {**sql.params, **params}).scalar()
    return rows_read(result[0]["Plan"])


def test_the_detectors_read_a_bounded_number_of_rows_in_a_flood(pg_app):
    with pg_app.app_context():
        site = db.session.scalar(select(Site.id).where(Site.key == "default"))
        now = utcnow()
        values = duplicates.signature(TEXT)
        first = db.session.execute(insert(Item).returning(Item.id), [
            {"site_id": site, "kind": "comment", "status": "pending", "body_raw": TEXT,
             "body_hash": body_hash(TEXT), "author_name": "Flood", "author_email": EMAIL,
             "ip": "203.0.113.66", "ip_prefix": PREFIX, "created_at": now - timedelta(seconds=n)}
            for n in range(FLOOD)]).scalars().all()
        db.session.execute(insert(Fingerprint), [
            {"item_id": i, "signature": values.tobytes(), "created_at": now} for i in first])
        db.session.execute(insert(FingerprintBand), [
            {"item_id": i, "key": key} for i in first for key in duplicates.band_keys(values)])
        db.session.commit()
        db.session.execute(text("ANALYZE item; ANALYZE spam_fingerprint; "
                                "ANALYZE spam_fingerprint_band"))
        sample = Sample(text=TEXT, author_email=EMAIL, ip_prefix=PREFIX, received_at=now,
                        item_id=max(first) + 1)

        counts = footprint.footprint(sample, db.session)
        assert counts.recent_email == footprint.RECENT_CAP  # "30+": capped, not 3,000
        assert counts.email == {"approved": 0, "rejected": 0, "spam": 0} or counts.email == {}
        read = explained(footprint.QUERY, {
            "email": EMAIL, "prefix": PREFIX, "since": now - footprint.WINDOW, "until": now,
            "item_id": sample.item_id})
        assert read <= 2 * footprint.RECENT_CAP + 6 * footprint.HISTORY_CAP

        keys = {f"band{band}": key for band, key in enumerate(duplicates.band_keys(values))}
        read = explained(duplicates.BOTH_QUERY, {
            "hash": body_hash(TEXT), "item_id": sample.item_id,
            "since": now - duplicates.WINDOW, **keys})
        bound = (duplicates.EXACT_MAX + duplicates.BANDS * duplicates.PER_BAND
                 + 2 * duplicates.NEAR_MAX + duplicates.BANDS * duplicates.PER_BAND)
        assert read <= bound < FLOOD
        cluster = duplicates.find(sample, db.session)
        assert len(cluster.exact) == duplicates.EXACT_MAX
        db.session.rollback()
        for table, column in (("spam_fingerprint_band", "item_id"),
                              ("spam_fingerprint", "item_id"), ("item", "id")):
            db.session.execute(text(f"DELETE FROM {table} WHERE {column} = ANY(:ids)"),
                               {"ids": list(first)})
        db.session.commit()
        db.session.remove()
