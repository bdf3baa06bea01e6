"""Sites: every install has `default`; admins add more."""
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation.store import Site


def policy_keys(defaults: dict, site_policy: dict | None) -> dict:
    """One group of a site's policy keys (community/policy.py, toxicity/policy.py): the
    stored values of `defaults`' keys, the defaults for the rest."""
    stored = site_policy or {}
    return {key: stored.get(key, value) for key, value in defaults.items()}


def ensure_default(session: Session) -> Site:
    """The `default` site, created when missing (not committed)."""
    site = session.scalar(select(Site).where(Site.key == "default"))
    if site is None:
        site = Site(key="default", name="Default site", allowed_origins=[], policy={})
        session.add(site)
    return site


@dataclass(frozen=True)
class SiteInfo:
    """What the public API's hot paths need of a site, detached from any session."""
    id: int
    key: str
    name: str
    allowed_origins: tuple[str, ...]
    policy: dict[str, Any]
    api_key_hash: str | None = None

    def accepts_key(self, key: str) -> bool:
        """Is `key` the site's API key? (Compared in constant time.)"""
        return self.api_key_hash is not None and hmac.compare_digest(
            hashlib.sha256(key.encode()).hexdigest(), self.api_key_hash)


class SiteCache:
    """Sites by key, each kept `seconds` in this process, so a post or a read of the
    public API costs no query for its site. An admin's change reaches every process
    within `seconds` (and this one at once: the admin views call forget())."""

    def __init__(self, seconds: float):
        self.seconds, self.sites = seconds, {}

    def get(self, session: Session, key: str) -> SiteInfo | None:
        entry = self.sites.get(key)
        now = time.monotonic()
        if entry is not None and entry[0] > now:
            return entry[1]
        site = session.scalar(select(Site).where(Site.key == key))
        info = None if site is None else SiteInfo(site.id, site.key, site.name,
                                                  tuple(site.allowed_origins or ()),
                                                  dict(site.policy or {}), site.api_key_hash)
        if self.seconds > 0 and (info is not None or len(self.sites) < 10_000):
            self.sites[key] = (now + self.seconds, info)
        return info

    def peek(self, key: str) -> SiteInfo | None:
        """The site if this process holds a fresh copy, without asking the database."""
        entry = self.sites.get(key)
        return entry[1] if entry is not None and entry[0] > time.monotonic() else None

    def forget(self) -> None:
        self.sites.clear()


KEY = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


class SiteError(ValueError):
    """Bad site settings; `field` names the bad one."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def parse_origins(text: str) -> list[str]:
    """Origins from text (one per line or comma-separated), normalised as scheme://host[:port].
    Raises SiteError naming the first one that is not an origin (a path, a wildcard...)."""
    origins = []
    for raw in re.split(r"[\s,]+", text.strip()):
        if not raw:
            continue
        not_origin = SiteError("allowed_origins", f"{raw!r} is not an origin such as "
                                                  "https://news.example or http://localhost:8080")
        try:
            parts = urlsplit(raw)
            port = parts.port
        except ValueError:  # a bad port, an unclosed IPv6 bracket
            raise not_origin from None
        if parts.scheme not in ("http", "https") or not parts.hostname \
                or parts.path not in ("", "/") or parts.query or parts.fragment \
                or parts.username or "*" in raw:
            raise not_origin
        origin = f"{parts.scheme}://{parts.hostname}" + (f":{port}" if port else "")
        if origin not in origins:
            origins.append(origin)
    return origins


def create_site(session: Session, key: str, name: str) -> Site:
    """A new site (not committed); raises SiteError for a bad or taken key, or no name."""
    key, name = key.strip(), name.strip()
    if not KEY.fullmatch(key):
        raise SiteError("key", "key must be 1-64 lowercase letters, digits, - or _")
    if session.scalar(select(Site).where(Site.key == key)) is not None:
        raise SiteError("key", f"there is already a site {key!r}")
    site = Site(key=key, name=_name(name), allowed_origins=[], policy={})
    session.add(site)
    return site


def new_api_key(site: Site) -> str:
    """A new API key for the main site's machine calls, replacing any earlier one (not
    committed): returned once, only its SHA-256 is kept."""
    key = "mk_" + secrets.token_urlsafe(32)
    site.api_key_hash = hashlib.sha256(key.encode()).hexdigest()
    return key


def update_site(site: Site, name: str, origins_text: str) -> None:
    """Set the name and allowed origins together, or neither (raises SiteError)."""
    origins = parse_origins(origins_text)
    site.name = _name(name.strip())
    site.allowed_origins = origins


def _name(name: str) -> str:
    if not name or len(name) > 200:
        raise SiteError("name", "name must be 1-200 characters")
    return name
