"""The detectors that read stored items: duplicates (exact and near, across authors),
flood and author history; each on a fresh SQLite database."""
from datetime import timedelta

from moderation import intake, lifecycle
from moderation.spam import duplicates, flood, history
from moderation.spam.signals import Sample

CAMPAIGN = ("Earn 500 dollars a day from home with our simple method, "
            "write to {name} at our office for the details")


def stored(session, body, name="Ada", email="ada@example.org", ip="192.0.2.7"):
    item = intake.receive_comment(session, "default", "t", {
        "author_name": name, "author_email": email, "body": body}, intake.Context(ip=ip))
    session.flush()
    duplicates.remember(session, item.id, item.body_raw, item.created_at)
    return item


def sample_of(item):
    return Sample(text=item.body_raw, author_email=item.author_email, ip_prefix=item.ip_prefix,
                  received_at=item.created_at, site_id=item.site_id, item_id=item.id)


def test_near_duplicates_from_other_authors_form_a_campaign(session):
    first = stored(session, CAMPAIGN.format(name="Mary"), "Mary", "mary@example.net")
    second = stored(session, CAMPAIGN.format(name="John"), "John", "john@example.com")
    third = stored(session, CAMPAIGN.format(name="Lena") + "!", "Lena", "lena@example.com")
    [signal] = duplicates.check(sample_of(third), session)
    assert signal.weight >= 0.8 and "2 other author(s)" in signal.detail
    assert f"#{first.id}" in signal.detail and f"#{second.id}" in signal.detail
    assert duplicates.is_campaign([signal])


def test_one_other_author_is_weaker_and_unrelated_text_is_no_duplicate(session):
    stored(session, CAMPAIGN.format(name="Mary"), "Mary", "mary@example.net")
    second = stored(session, CAMPAIGN.format(name="John"), "John", "john@example.com")
    [signal] = duplicates.check(sample_of(second), session)
    assert 0 < signal.weight < 0.7
    other = stored(session, "The new tram line will open in spring, the council said on Monday.")
    assert duplicates.check(sample_of(other), session) == []


def test_exact_duplicate_is_found_without_a_fingerprint(session):
    first = intake.receive_comment(session, "default", "t", {
        "author_name": "A", "author_email": "a@example.org", "body": "Great deals today!"},
        intake.Context())
    session.flush()
    second = stored(session, "great DEALS   today!", "B", "b@example.org")
    [signal] = duplicates.check(sample_of(second), session)
    assert f"#{first.id}" in signal.detail


def test_flood_counts_the_network_and_the_email_in_the_window(session):
    items = [stored(session, f"Comment number {n} on the tram line", email="fast@example.org",
                    ip="203.0.113.9") for n in range(12)]
    found = {s.name: s for s in flood.check(sample_of(items[-1]), session)}
    assert found["flood_email"].weight >= 0.6 and "11 other item(s)" in found["flood_email"].detail
    assert found["flood_network"].weight > 0 and "203.0.113.0/24" in found["flood_network"].detail
    later = sample_of(items[-1])
    quiet = Sample(**{**later.__dict__, "received_at": later.received_at + timedelta(hours=1)})
    assert {s.weight for s in flood.check(quiet, session)} == {0.0}


def test_history_counts_earlier_spam_and_rejections_but_not_approvals(session):
    good = stored(session, "A fine remark about the budget.", email="ada@example.org")
    lifecycle.move(session, good, "pending")
    lifecycle.move(session, good, "approved")
    now = stored(session, "Another remark.", email="ada@example.org")
    [signal] = [s for s in history.check(sample_of(now), session) if s.name == "history_email"]
    assert signal.weight == 0 and signal.detail.startswith("1 approved, 0 rejected, 0 spam")
    bad = stored(session, "Buy now", email="ada@example.org")
    lifecycle.move(session, bad, "spam")
    [signal] = [s for s in history.check(sample_of(now), session) if s.name == "history_email"]
    assert signal.weight > 0 and "1 spam" in signal.detail
