"""Links: how many, to how many domains, through shorteners or to blocked domains."""
import re
from urllib.parse import urlsplit

from moderation.spam.signals import Sample, Signal

URL = re.compile(r"(?:https?://|www\.)[^\s<>\"')]+", re.IGNORECASE)
SHORTENERS = frozenset({"bit.ly", "tinyurl.com", "goo.gl", "t.co", "ow.ly", "is.gd",
                        "buff.ly", "rebrand.ly", "cutt.ly", "shorturl.at", "tiny.cc",
                        "rb.gy", "t.ly", "s.id", "adf.ly"})


def domains(text: str) -> list[str]:
    out = []
    for url in URL.findall(text):
        try:
            host = urlsplit(url if "://" in url else "http://" + url).hostname or ""
        except ValueError:  # "http://[..." is a link still, to no host we can name
            host = ""
        out.append(host.removeprefix("www."))
    return out


def check(sample: Sample, blocked_domains=frozenset()) -> list[Signal]:
    found = domains(sample.text)
    count = len(found)
    weight = {0: 0.0, 1: 0.1, 2: 0.3}.get(count, 0.6)
    if sample.kind != "comment":  # a tip or release cites its sources
        weight = 0.0 if count <= 3 else 0.3
    signals = [Signal("links", weight, f"{count} link(s) to {len(set(found))} domain(s)")]
    short = sorted({d for d in found if d in SHORTENERS})
    if short:
        signals.append(Signal("link_shortener", 0.5, ", ".join(short)))
    bad = sorted({d for d in found if d in blocked_domains})
    if bad:
        signals.append(Signal("blocked_domain", 0.9, ", ".join(bad)))
    return signals
