"""Approved submissions as an Atom 1.0 feed (RFC 4287) for CMSs that read feeds.

Built with ElementTree, so every reader-supplied value is escaped by the serialiser; the
sanitised HTML goes in as `type="html"` content (escaped text, as Atom requires)."""
from datetime import datetime
from xml.etree import ElementTree as ET

from moderation.mainsite.submissions import iso
from moderation.store import Item, Site

ATOM = "http://www.w3.org/2005/Atom"
# Our own namespace for the kind's fields (merchant, price, embargo...), so a CMS gets
# them as data rather than having to scrape them out of the HTML.
FIELDS_NS = "urn:moderation:fields"
LINK_FIELDS = ("source_url", "link")  # kind fields that point at the story's source

ET.register_namespace("", ATOM)
ET.register_namespace("m", FIELDS_NS)


def entry_id(site: Site, item: Item) -> str:
    return f"urn:moderation:{site.key}:item:{item.id}"


def atom(site: Site, items: list[Item], self_url: str, kind: str | None,
         now: datetime) -> bytes:
    """The feed document for `items` (newest first) as UTF-8 bytes."""
    feed = ET.Element(f"{{{ATOM}}}feed")
    what = f"{kind.replace('_', ' ')} submissions" if kind else "reader submissions"
    _text(feed, "id", f"urn:moderation:{site.key}:submissions" + (f":{kind}" if kind else ""))
    _text(feed, "title", f"{site.name}: approved {what}")
    _text(feed, "updated", iso(items[0].decided_at if items else now))
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=self_url,
                  type="application/atom+xml")
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", site.name)
    _text(feed, "generator", "Reader desk")
    for item in items:
        feed.append(_entry(site, item))
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _entry(site: Site, item: Item) -> ET.Element:
    entry = ET.Element(f"{{{ATOM}}}entry")
    _text(entry, "id", entry_id(site, item))
    _text(entry, "title", item.title or f"{item.kind} {item.id}")
    _text(entry, "published", iso(item.created_at))
    _text(entry, "updated", iso(item.decided_at or item.created_at))
    author = ET.SubElement(entry, f"{{{ATOM}}}author")
    _text(author, "name", item.author_name)
    ET.SubElement(entry, f"{{{ATOM}}}category", term=item.kind)
    fields = item.fields or {}
    for name in LINK_FIELDS:
        if fields.get(name):
            ET.SubElement(entry, f"{{{ATOM}}}link", rel="related", href=fields[name])
    for name, value in fields.items():
        ET.SubElement(entry, f"{{{FIELDS_NS}}}field", name=name).text = str(value)
    content = _text(entry, "content", item.body_html or "")
    content.set("type", "html")
    return entry


def _text(parent: ET.Element, tag: str, value: str | None) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}")
    element.text = value or ""
    return element
