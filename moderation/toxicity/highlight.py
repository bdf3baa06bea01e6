"""The words behind a toxicity score, marked in the text for a person: every piece of
the text is escaped and only our own <mark> tags are added, so the reader's text can
never become markup, whatever the spans say."""
from markupsafe import Markup, escape


def marked(text: str, spans: list | None) -> Markup:
    """`text` escaped, each [start, end] span (Python string offsets, as the detector
    gives them) wrapped in <mark>. Spans out of range, overlapping or out of order are
    skipped, so a stale or forged list can only mark less."""
    pieces, position = [], 0
    for span in spans or ():
        try:
            start, end = int(span[0]), int(span[1])
        except (TypeError, ValueError, IndexError):
            continue
        if not position <= start < end <= len(text):
            continue
        pieces += [escape(text[position:start]), Markup("<mark>"), escape(text[start:end]),
                   Markup("</mark>")]
        position = end
    pieces.append(escape(text[position:]))
    return Markup("").join(pieces)
