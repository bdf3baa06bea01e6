"""Hostile bodies at the size limits: the patterns and the sanitiser give the right answer,
and the structure that keeps them linear holds. No timings here: bench/worst_case.py
prints those."""
import ast
import re
from pathlib import Path

import numpy as np
import pytest

from bench import worst_case
from moderation import sanitising
from moderation.spam import classifier, links, textstats, words
from moderation.spam.signals import Sample

ROOT = Path(__file__).resolve().parents[2]
CHAIN = "a-" * 50 + "b.com"


def test_a_bare_domain_is_only_tried_where_its_chain_of_labels_starts():
    # The quadratic case: from every position inside "a-a-a-..." the old patterns scanned
    # to the end of the chain. Now only the chain's start may begin a match.
    for pattern in (classifier.URL, sanitising.URL_RE):
        assert pattern.match(CHAIN, 0)
        assert [p for p in range(1, len(CHAIN)) if pattern.match(CHAIN, p)] == []
        dotted = "x." * 50 + "com"
        assert [p for p in range(1, len(dotted)) if pattern.match(dotted, p)] == []
    assert [p for p in range(1, 50) if sanitising.URL_RE.match("(" * 50 + "x.com", p)] == []


@pytest.mark.parametrize("body", ["a-" * 20000, "a." * 20000, "a-a." * 10000, "(" * 40000])
def test_the_reported_hostile_bodies_have_no_links(body):
    assert classifier.url_tokens(classifier.normalise(body)) == []
    html = sanitising.clean(body, "column")
    assert "<a " not in html and html.startswith("<p>") and len(html) >= len(body)


def test_links_are_still_found_in_ordinary_text():
    text = classifier.normalise("Read bbc.co.uk, -foo.org and <a href='http://x.ru/a'>this</a>!")
    assert classifier.url_tokens(text) == [
        "url_link", "url_host_bbc_co_uk", "url_domain_co_uk",
        "url_link", "url_host_foo_org", "url_domain_foo_org",
        "url_link", "url_host_x_ru", "url_domain_x_ru", "url_with_path"]
    html = sanitising.clean("see (www.example.com/a) or news.example.org", "comment")
    assert html.count('rel="nofollow ugc noopener"') == 2 and "(<a href=" in html


def test_tags_are_stripped_up_to_the_last_closing_bracket_only():
    hostile = "<" * 30000 + "x>" + "<b" * 5000
    assert classifier.strip_tags(hostile) == " " + "<b" * 5000
    assert classifier.strip_tags("a <b>c</b> &lt;3") == "a  c  &lt;3"
    assert classifier.normalise("<a href='x'>" * 3000) == ""


def test_word_lists_with_several_wildcards_match_as_before():
    assert words.matches("acb axxbyyc ab ba", ("*a*b*",)) == ["ab", "acb", "axxbyyc"]
    assert words.matches("casinos and bitcoin and a" * 3, ("casino*", "*coin")) == \
        ["bitcoin", "casinos"]
    assert words.matches("a" * 40000, ("*a*b*", "a*b*c")) == []
    assert words.glob("a*b*c") == r"a(?:(?!b)\w)*b\w*c"


def test_text_detectors_give_the_usual_answers_on_hostile_bodies():
    assert links.domains("a-" * 20000) == []
    assert textstats.check(Sample(text="a" * 40000))[0].name == "repeated_characters"
    assert textstats.mixed_words("\u0430a" * 100) == ["\u0430a" * 100]


def test_nesting_deeper_than_the_limit_is_dropped_and_the_text_kept():
    html = sanitising.clean("<ul>" * 450 + "deep" + "</ul>" * 450, "column")
    assert html.count("<ul>") == sanitising.MAX_DEPTH == html.count("</ul>")
    assert "deep" in html
    # the <p> that plain text is put in is one of the levels
    assert sanitising.clean("<b>x" * 900, "comment").count("<b>") == sanitising.MAX_DEPTH - 1
    # 10,000 levels (the report) are past the markup budget: plain text, no tags at all.
    assert "<ul>" not in sanitising.clean("<ul>" * 10000 + "deep", "column")


@pytest.mark.parametrize("trick", ['<b title="</b>">', "<b><!--</b>-->", "<b/>"])
def test_end_tags_hidden_in_attributes_or_comments_do_not_reset_the_depth(trick):
    html = sanitising.clean(trick * 300 + "x", "comment")
    assert html.count("<b>") <= sanitising.MAX_DEPTH


def test_ordinary_nesting_is_untouched():
    text = "<ul><li>one<ul><li>two <b>bold <i>both</i></b></li></ul></li></ul>"
    assert sanitising.clean(text, "news") == text


def test_text_with_too_much_markup_is_shown_as_plain_text():
    body = "a\n" * 2500 + "<b>x</b> & http://e.example"
    html = sanitising.clean(body, "column")
    assert html.startswith("<p>a<br>\na<br>") and "&lt;b&gt;x&lt;/b&gt; &amp; http://e.example" in html
    assert "<a " not in html and "<b>" not in html


def test_the_hashed_features_match_hashing_vectorizer():
    texts, _, _ = classifier.corpora()
    sample = texts[::97] + ["Visit bit.ly/x now!!", "ünïcödé \U0001F600 text"]
    words_matrix, chars_matrix = classifier.featurise(sample)
    for row, text in enumerate(sample):
        slots, values = classifier.featurise_one(text)
        expected = np.concatenate([words_matrix[row].indices, classifier.SLOTS + chars_matrix[row].indices])
        assert np.array_equal(slots, np.sort(expected))
        assert np.allclose(values, np.concatenate([words_matrix[row].data, chars_matrix[row].data])[
            np.argsort(expected)])


def test_the_classifier_imports_no_private_scikit_learn_module():
    tree = ast.parse((ROOT / "moderation/spam/classifier.py").read_text())
    modules = [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    modules += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names]
    assert not [m for m in modules if m and m.startswith("sklearn")
                and any(part.startswith("_") for part in m.split("."))]


def test_the_worst_case_bench_runs_every_family():
    rows = worst_case.run(kinds=("comment",), scale=0.02)
    assert {(r["family"], r["stage"]) for r in rows} == {
        (family, stage) for family in worst_case.FAMILIES for stage in ("clean", "score", "item")}
    assert all(r["ms"] >= 0 and r["kind"] == "comment" for r in rows)
    assert re.match(r"'.*'\.\.\.$", rows[0]["body"])
