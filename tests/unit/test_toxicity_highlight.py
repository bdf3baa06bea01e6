"""Highlighting: the reader's text is escaped piece by piece and only our <mark> tags
are added, whatever the spans say."""
from moderation.toxicity.highlight import marked


def test_marks_the_spans_and_escapes_everything_else():
    text = '<b onclick="x()">you idiot</b> & co'
    start = text.index("idiot")
    assert str(marked(text, [[start, start + 5]])) == (
        '&lt;b onclick=&#34;x()&#34;&gt;you <mark>idiot</mark>&lt;/b&gt; &amp; co')


def test_markup_inside_a_span_stays_text():
    text = "<script>alert(1)</script>"
    assert str(marked(text, [[0, len(text)]])) == \
        "<mark>&lt;script&gt;alert(1)&lt;/script&gt;</mark>"


def test_bad_spans_can_only_mark_less():
    text = "a moron and an idiot"
    spans = [[2, 7], [4, 9], [-1, 3], [15, 99], [9, 9], ["x", 1], [1], None, [15, 20]]
    assert str(marked(text, spans)) == "a <mark>moron</mark> and an <mark>idiot</mark>"
    assert str(marked(text, None)) == text
