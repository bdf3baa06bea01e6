from datetime import datetime, timedelta

from moderation.spam import form, links, words
from moderation.spam.scorer import combine, score
from moderation.spam.signals import Sample, Signal, fold

NOW = datetime(2026, 11, 28, 12, 0, 0)


def names(signals):
    return {s.name: s for s in signals}


def test_links_count_domains_and_shorteners():
    found = names(links.check(Sample(text="go http://bit.ly/x and https://www.shop.example/a www.shop.example/b")))
    assert found["links"].detail == "3 link(s) to 2 domain(s)" and found["links"].weight == 0.6
    assert found["link_shortener"].detail == "bit.ly"
    assert "blocked_domain" not in found
    blocked = names(links.check(Sample(text="http://pills.example"), frozenset({"pills.example"})))
    assert blocked["blocked_domain"].weight >= 0.9


def test_honeypot_and_time_to_submit():
    quick = names(form.check(Sample(text="x", honeypot="http://spam", form_served_at=NOW,
                                    received_at=NOW + timedelta(seconds=1))))
    assert quick["honeypot"].weight > 0.9 and quick["too_fast"].weight > 0
    human = names(form.check(Sample(text="x", form_served_at=NOW, received_at=NOW + timedelta(minutes=2))))
    assert "too_fast" not in human and human["form_time"].weight == 0
    unsigned = names(form.check(Sample(text="x", received_at=NOW)))
    assert unsigned["form_time"].weight > 0


def test_words_whole_word_wildcard_case_and_accent_folded():
    assert words.matches("Buy CRÝPTOCOINS now", ("crypto*",)) == ["cryptocoins"]
    assert words.matches("a scunthorpe resident", ("thor",)) == []
    assert words.matches("Make   Money fast", ("make money",)) == ["make money"]
    found = names(words.check(Sample(text="visit our Casino"), blocked=("casino",)))
    assert found["blocked_words"].detail == "casino"


def test_fold():
    assert fold("  Éric\tVOILÀ ") == "eric voila"


def test_combine_is_noisy_or_and_ignores_unchecked():
    assert combine([]) == 0
    assert combine([Signal("a", 0.5, ""), Signal("b", 0.5, "")]) == 0.75
    assert combine([Signal("a", 0.5, ""), Signal("c", 0.9, "", checked=False)]) == 0.5


class Broken:
    def spam_probability(self, text):
        raise RuntimeError("model missing")


class Fixed:
    def __init__(self, p):
        self.p = p

    def spam_probability(self, text):
        return self.p


def test_a_failing_detector_is_recorded_and_the_others_still_run():
    result = score(Sample(text="http://bit.ly/x", honeypot="y"), {}, None, Broken())
    found = names(result.signals)
    assert not found["classifier"].checked and "model missing" in found["classifier"].detail
    assert {"honeypot", "link_shortener", "links"} <= set(found)
    assert not result.complete


def test_every_detector_runs_even_after_a_strong_hit():
    result = score(Sample(text="http://bit.ly/x casino", honeypot="y"), {}, None, Fixed(0.99))
    assert {"honeypot", "link_shortener", "suspect_words", "classifier"} <= set(names(result.signals))
    assert result.complete and result.value > 0.99


def test_disposable_email_and_plus_alias():
    from moderation.spam import emails
    found = names(emails.check(Sample(text="x", author_email="bob+promo7@mailinator.com")))
    assert found["disposable_email"].weight > 0 and "mailinator.com" in found["disposable_email"].detail
    assert found["plus_alias"].weight > 0
    assert emails.check(Sample(text="x", author_email="ada@example.org")) == []


def test_text_statistics_capitals_runs_and_mixed_scripts():
    from moderation.spam import textstats
    shouting = names(textstats.check(Sample(text="BUY THE BEST WATCHES TODAY ONLY HERE!!!!!!!")))
    assert shouting["capitals"].weight > 0 and shouting["repeated_characters"].detail == "!!!!!!!"
    # "cаsino" with a Cyrillic а: word lists would not match it.
    mixed = names(textstats.check(Sample(text="best c\u0430sino in town")))
    assert mixed["mixed_scripts"].detail.endswith("c\u0430sino")
    calm = textstats.check(Sample(text="Привет, the council met on Tuesday. NASA and the EU agreed."))
    assert calm == []


def test_classifier_weight_is_anchored_on_its_calibrated_threshold():
    from moderation.spam.scorer import SPAM_THRESHOLD, calibrated
    assert calibrated(0.9, 0.9) == SPAM_THRESHOLD
    assert calibrated(0.7, 0.9) < 0.5 < calibrated(0.99, 0.9)
    assert calibrated(0.5, SPAM_THRESHOLD) == 0.5  # without a threshold: the probability


class Calibrated(Fixed):
    threshold = 0.9


def test_an_uncalibrated_probability_alone_no_longer_reaches_the_threshold():
    result = score(Sample(text="Comment number 1 here"), {}, None, Calibrated(0.70))
    assert result.value < SPAM_THRESHOLD_DEFAULT
    result = score(Sample(text="Comment number 1 here"), {}, None, Calibrated(0.95))
    assert result.value >= SPAM_THRESHOLD_DEFAULT


SPAM_THRESHOLD_DEFAULT = 0.7


def test_footprint_counts_the_window_and_the_decisions_in_one_query(session):
    from moderation import intake, lifecycle
    from moderation.spam.footprint import footprint

    def stored(email, ip):
        item = intake.receive_comment(session, "default", "t", {
            "author_name": "A", "author_email": email, "body": "A remark on the budget."},
            intake.Context(ip=ip))
        session.flush()
        return item
    spam = stored("ada@example.org", "192.0.2.7")
    lifecycle.move(session, spam, "spam")
    approved = stored("bob@example.org", "192.0.2.8")
    lifecycle.move(session, approved, "pending")
    lifecycle.move(session, approved, "approved")
    old = stored("ada@example.org", "198.51.100.1")
    old.created_at -= timedelta(hours=1)  # outside the flood window, still history
    lifecycle.move(session, old, "pending")
    lifecycle.move(session, old, "rejected", reason="off_topic")
    now = stored("ada@example.org", "192.0.2.9")
    found = footprint(Sample(text=now.body_raw, author_email=now.author_email,
                             ip_prefix=now.ip_prefix, received_at=now.created_at,
                             item_id=now.id), session)
    assert (found.recent_email, found.recent_network) == (1, 2)
    assert found.email == {"spam": 1, "rejected": 1}
    assert found.network == {"spam": 1, "approved": 1}
