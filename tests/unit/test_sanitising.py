import pytest

from moderation.sanitising import clean


def test_links_get_rel_and_bare_urls_are_linkified():
    html = clean('see <a href="https://a.example/x" rel="follow">this</a> and www.b-news.org', "comment")
    assert '<a href="https://a.example/x" rel="nofollow ugc noopener">this</a>' in html
    assert '<a href="http://www.b-news.org" rel="nofollow ugc noopener">www.b-news.org</a>' in html


@pytest.mark.parametrize("payload", [
    "<script>alert(1)</script>", '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>', '<svg onload=alert(1)>', '<a href="http://x" onclick="alert(1)">x</a>',
    '<p style="background:url(javascript:alert(1))">x</p>', '<iframe src="//evil"></iframe>',
])
def test_script_vectors_are_removed(payload):
    html = clean(payload, "comment").lower()
    for bad in ("<script", "onerror", "javascript:", "onload", "onclick", "<iframe", "style=", "<img", "<svg"):
        assert bad not in html


def test_allow_list_differs_by_kind():
    text = "<h2>Heading</h2><ul><li>one</li></ul>"
    assert "<h2>" not in clean(text, "comment")
    assert "<h2>Heading</h2>" in clean(text, "press_release")
    assert "<li>one</li>" in clean(text, "news")


def test_plain_text_becomes_paragraphs_and_text_is_escaped():
    assert clean("a < b & c\n\nsecond\nline", "comment") == \
        "<p>a &lt; b &amp; c</p><p>second<br>\nline</p>"
