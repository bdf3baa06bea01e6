from moderation.spam import links
from moderation.spam.signals import Sample

BLOCKED = frozenset({"spam.example"})


def names(signals):
    return {s.name: s for s in signals}


def test_a_blocked_domain_in_a_field_is_found_and_the_field_named():
    deal = Sample(text="Half price today.", kind="deal",
                  fields=(("merchant", "Spam Shop"), ("link", "https://www.spam.example/x")))
    found = names(links.check(deal, BLOCKED))
    assert found["blocked_domain"].detail == "spam.example (in the link field)"
    assert found["blocked_domain"].weight >= 0.9
    assert found["links"].detail == "1 link(s) to 1 domain(s)"


def test_subdomains_are_blocked_other_domains_are_not():
    assert links.is_listed("shop.spam.example", BLOCKED)
    assert not links.is_listed("notspam.example", BLOCKED)
    assert not links.is_listed("spam.example.org", BLOCKED)
    assert not links.is_listed("spam.example", frozenset())
    crafted = "a." * 20000 + "spam.example"  # no name is that long: only its end is read
    assert links.is_listed(crafted, BLOCKED)


def test_the_texts_links_read_as_before():
    found = names(links.check(Sample(text="see http://spam.example and http://bit.ly/x"), BLOCKED))
    assert found["blocked_domain"].detail == "spam.example"
    assert found["link_shortener"].detail == "bit.ly"
