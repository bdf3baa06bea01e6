"""Which browser origins may read and write a site's public API, and the headers that
say so (web/api.py, on every answer)."""
from collections.abc import Iterable

ALLOW = (("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
         ("Access-Control-Allow-Headers", "Content-Type, If-None-Match, Idempotency-Key"),
         ("Access-Control-Expose-Headers", "ETag, Retry-After"),
         ("Access-Control-Max-Age", "600"))


def allowed_origins(site, configured: str, own: str = "") -> set[str]:
    """The site's own list, the install-wide MODERATION_DEFAULT_ORIGINS, and our own
    origin (the demo page and the review desk)."""
    return {o.strip().rstrip("/") for o in _all(site.allowed_origins, configured.split(","), own)
            if o.strip()}


def headers(origin: str) -> list[tuple[str, str]]:
    return [("Access-Control-Allow-Origin", origin), *ALLOW]


def _all(*groups: Iterable[str]):
    for group in groups:
        yield from ([group] if isinstance(group, str) else group)
