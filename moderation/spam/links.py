"""Links: how many, to how many domains, through shorteners or to blocked domains. The
text's links and those of the kind's own fields (a deal's link, a tip's source URL, a
URL in a column's author bio) go through the same checks, and a signal names the field
a link came from: a blocked domain in a deal's link field is as blocked as in its text."""
import re
from urllib.parse import urlsplit

from moderation.spam.signals import Sample, Signal

URL = re.compile(r"(?:https?://|www\.)[^\s<>\"')]+", re.IGNORECASE)
SHORTENERS = frozenset({"bit.ly", "tinyurl.com", "goo.gl", "t.co", "ow.ly", "is.gd",
                        "buff.ly", "rebrand.ly", "cutt.ly", "shorturl.at", "tiny.cc",
                        "rb.gy", "t.ly", "s.id", "adf.ly"})
TEXT = ""  # where a link was found: "" for the text, else the field's name


def domains(text: str) -> list[str]:
    out = []
    for url in URL.findall(text):
        try:
            host = urlsplit(url if "://" in url else "http://" + url).hostname or ""
        except ValueError:  # "http://[..." is a link still, to no host we can name
            host = ""
        out.append(host.removeprefix("www."))
    return out


def found_in(sample: Sample) -> list[tuple[str, str]]:
    """(domain, where) for every link of the text and of the kind's fields."""
    found = [(domain, TEXT) for domain in domains(sample.text)]
    for name, value in sample.fields:
        found += [(domain, name) for domain in domains(value)]
    return found


def is_listed(domain: str, listed: frozenset[str]) -> bool:
    """Is the domain, or a domain it is under, on the list ("shop.spam.example" is
    under "spam.example")? A name has at most 253 characters: only that much of a
    longer host is looked at, so a crafted one costs no more."""
    if not listed:
        return False
    labels = domain[-253:].split(".")
    return any(".".join(labels[i:]) in listed for i in range(len(labels)))


def check(sample: Sample, blocked_domains=frozenset()) -> list[Signal]:
    found = found_in(sample)
    count = len(found)
    weight = {0: 0.0, 1: 0.1, 2: 0.3}.get(count, 0.6)
    if sample.kind != "comment":  # a tip or release cites its sources
        weight = 0.0 if count <= 3 else 0.3
    signals = [Signal("links", weight, f"{count} link(s) to {len({d for d, _ in found})} domain(s)")]
    short = shown([(d, where) for d, where in found if d in SHORTENERS])
    if short:
        signals.append(Signal("link_shortener", 0.5, short))
    bad = shown([(d, where) for d, where in found if is_listed(d, blocked_domains)])
    if bad:
        signals.append(Signal("blocked_domain", 0.9, bad))
    return signals


def shown(found: list[tuple[str, str]]) -> str:
    """The domains as a moderator reads them, each with the fields it came from:
    "spam.example (in the link field)"; a domain of the text alone is shown bare."""
    places: dict[str, set[str]] = {}
    for domain, where in found:
        places.setdefault(domain, set()).add(where)
    parts = []
    for domain, where in sorted(places.items()):
        fields = sorted(w.replace("_", " ") for w in where if w != TEXT)
        if fields:
            text = "the text and " if TEXT in where else ""
            parts.append(f"{domain} (in {text}the {' and '.join(fields)} field)")
        else:
            parts.append(domain)
    return ", ".join(parts)
