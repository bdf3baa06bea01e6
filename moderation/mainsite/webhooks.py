"""Webhooks to the main site's CMS: the outbox, signing, and the bookkeeping of each
delivery. The HTTP call itself belongs to the worker (workers/webhooks.py); this module
only decides what to send, when, and what the outcome means.

An event is written by record() inside the transaction of the status change, so a
decision and its webhook are stored together or not at all; a worker sends it later."""
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation.mainsite.submissions import iso, public
from moderation.store import (
    WEBHOOK_EVENTS,
    Decision,
    Item,
    Site,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    utcnow,
)

SIGNATURE_HEADER = "X-Moderation-Signature"
# Seconds to wait after the 1st, 2nd, ... failed attempt; after the last, give up.
BACKOFF = (5, 30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600)
MAX_ATTEMPTS = len(BACKOFF) + 1
TIMEOUT = 10  # seconds for one HTTP attempt
# While an attempt is in flight no other copy of the task may start one; longer than
# TIMEOUT so a slow receiver is not sent the same event twice at once.
LEASE = timedelta(seconds=TIMEOUT * 6)
# A retry scheduled for exactly next_attempt_at may arrive a moment early (clocks differ).
SLACK = timedelta(seconds=2)
# A session.info key: deliveries added in this transaction, enqueued after its commit.
NEW_DELIVERIES = "webhook_deliveries"
# A session.info key: while set to a dict, record() keeps each site's active endpoints
# there instead of asking again for every item (processing.process_many sets it for one
# batch, whose transaction sees the same endpoints throughout).
ENDPOINTS_SEEN = "webhook_endpoints"


class WebhookError(ValueError):
    """Bad endpoint settings; `field` names the bad one."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


@dataclass(frozen=True)
class Attempt:
    delivery_id: int
    url: str
    body: bytes
    headers: dict[str, str]


def events_for(decision: Decision) -> list[str]:
    """The webhook events a status change raises: leaving `received` means the item was
    taken in (sanitised and scored), and entering approved/rejected is the decision."""
    events = ["item.received"] if decision.from_status == "received" else []
    if decision.to_status in ("approved", "rejected"):
        events.append(f"item.{decision.to_status}")
    return events


def record(session: Session, item: Item, decision: Decision) -> list[WebhookDelivery]:
    """Add the events this decision raises, and one pending delivery per subscribed
    active endpoint of the item's site (not committed). Adds nothing without endpoints,
    nor for an import's decisions on historic items, which the CMS has already."""
    types = events_for(decision)
    if not types or decision.actor == "import":
        return []
    endpoints = active_endpoints(session, item.site_id)
    added = []
    for type_ in types:
        targets = [e for e in endpoints if type_ in (e.events or [])]
        if not targets:
            continue
        event = WebhookEvent(site_id=item.site_id, item=item, type=type_,
                             payload=payload(item, decision), created_at=decision.created_at)
        session.add(event)
        for endpoint in targets:
            added.append(WebhookDelivery(event=event, endpoint=endpoint, status="pending",
                                         next_attempt_at=decision.created_at))
    session.add_all(added)
    session.info.setdefault(NEW_DELIVERIES, []).extend(added)
    return added


def active_endpoints(session: Session, site_id: int) -> list[WebhookEndpoint]:
    seen = session.info.get(ENDPOINTS_SEEN)
    if seen is not None and site_id in seen:
        return seen[site_id]
    with session.no_autoflush:  # endpoints are never pending here: the decision's changes
        endpoints = list(session.scalars(select(WebhookEndpoint).where(  # flush later, once
            WebhookEndpoint.site_id == site_id, WebhookEndpoint.is_active.is_(True))))
    if seen is not None:
        seen[site_id] = endpoints
    return endpoints


def payload(item: Item, decision: Decision) -> dict:
    data = {**public(item), "status": decision.to_status,
            "decided_at": iso(decision.created_at), "reason": decision.reason or None}
    if item.thread is not None:
        data["thread"] = {"key": item.thread.key, "url": item.thread.url,
                          "title": item.thread.title}
        data["parent_id"] = item.parent_id
    return data


def body(event: WebhookEvent) -> bytes:
    """The JSON sent for an event: the same bytes on every attempt."""
    doc = {"id": event.id, "type": event.type, "created_at": iso(event.created_at),
           "site": event.site.key, "item": event.payload}
    return json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()


def sign(secret: str, data: bytes) -> str:
    return hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()


def signature_header(endpoint: WebhookEndpoint, data: bytes) -> str:
    """`sha256=<hex>` for the current secret, then for the previous one during a rotation."""
    live = [endpoint.secret] + ([endpoint.previous_secret] if endpoint.previous_secret else [])
    return ", ".join(f"sha256={sign(s, data)}" for s in live)


def verify(secret: str, data: bytes, header: str) -> bool:
    """What a receiver does: does any signature in the header match `secret`?"""
    expected = sign(secret, data)
    return any(hmac.compare_digest(part.strip().removeprefix("sha256="), expected)
               for part in header.split(","))


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def add_endpoint(session: Session, site: Site, url: str, events: list[str]) -> WebhookEndpoint:
    """A new active endpoint with a fresh secret (not committed); raises WebhookError."""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname \
            or len(url) > 2000:
        raise WebhookError("url", "url must be an http or https URL (at most 2000 characters)")
    unknown = [e for e in events if e not in WEBHOOK_EVENTS]
    if unknown or not events:
        raise WebhookError("events", f"choose one or more of {', '.join(WEBHOOK_EVENTS)}")
    endpoint = WebhookEndpoint(site=site, url=url, events=list(dict.fromkeys(events)),
                               secret=new_secret(), is_active=True, created_at=utcnow())
    session.add(endpoint)
    return endpoint


def rotate_secret(endpoint: WebhookEndpoint) -> str:
    """Start a rotation: sign with a new secret and, until end_rotation(), the old one."""
    endpoint.previous_secret = endpoint.secret
    endpoint.secret = new_secret()
    return endpoint.secret


def end_rotation(endpoint: WebhookEndpoint) -> None:
    endpoint.previous_secret = None


def claim(session: Session, delivery_id: int, now: datetime | None = None) -> Attempt | None:
    """Start one attempt of a due, pending delivery: count it and take the lease (not
    committed). None when there is nothing to send (delivered, given up, not yet due,
    in flight elsewhere, or the endpoint was switched off: then it is cancelled)."""
    now = now or utcnow()
    delivery = session.get(WebhookDelivery, delivery_id, with_for_update=True,
                           populate_existing=True)
    if delivery is None or delivery.status != "pending" \
            or delivery.next_attempt_at > now + SLACK:
        return None
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        delivery.status = "cancelled"
        return None
    delivery.attempts += 1
    delivery.next_attempt_at = now + LEASE
    data = body(delivery.event)
    headers = {"Content-Type": "application/json", "User-Agent": "reader-desk-webhooks/1",
               "X-Moderation-Event": delivery.event.type,
               "X-Moderation-Delivery": str(delivery.event.id),
               SIGNATURE_HEADER: signature_header(endpoint, data)}
    return Attempt(delivery.id, endpoint.url, data, headers)


def finish(session: Session, delivery_id: int, status_code: int | None, error: str = "",
           now: datetime | None = None) -> int | None:
    """Record an attempt's outcome (not committed). Returns the seconds until the next
    attempt, or None when the delivery is done (delivered, or given up)."""
    now = now or utcnow()
    delivery = session.get(WebhookDelivery, delivery_id, with_for_update=True,
                           populate_existing=True)
    delivery.last_status_code = status_code
    if not error and status_code is not None and 200 <= status_code < 300:
        delivery.status, delivery.delivered_at, delivery.last_error = "delivered", now, ""
        return None
    delivery.last_error = (error or f"HTTP {status_code}")[:500]
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = "failed"
        return None
    delay = BACKOFF[delivery.attempts - 1]
    delivery.next_attempt_at = now + timedelta(seconds=delay)
    return delay


def due(session: Session, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Pending deliveries whose time has come: never sent (the broker was down), past
    their backoff, or whose in-flight attempt died with its worker."""
    return list(session.scalars(select(WebhookDelivery.id).where(
        WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= (now or utcnow()))
        .order_by(WebhookDelivery.id).limit(limit)))


def retry(delivery: WebhookDelivery) -> None:
    """An admin's "send again": due now, with a fresh set of attempts."""
    delivery.status, delivery.attempts, delivery.next_attempt_at = "pending", 0, utcnow()


def log(session: Session, site: Site | None = None, status: str | None = None,
        limit: int = 100) -> list[WebhookDelivery]:
    """Recent deliveries, newest first, for the admin page."""
    query = select(WebhookDelivery).join(WebhookEvent)
    if site is not None:
        query = query.where(WebhookEvent.site_id == site.id)
    if status:
        query = query.where(WebhookDelivery.status == status)
    return list(session.scalars(query.order_by(WebhookDelivery.id.desc()).limit(limit)))
