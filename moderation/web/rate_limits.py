"""Intake rate limits: posts per client address and per email address, counted before
the post is read into an item, so a refused post stores nothing.

Fixed windows from the `limits` library, in the rate-limit storage (RATELIMIT_STORAGE_URI:
Redis in production, so every web process counts the same posts). On Redis one Lua call
counts every limit of a post, one round trip. When the storage is down, posts go through
uncounted: readers' comments matter more than the limit, and spam scoring still applies."""
import hashlib
import hmac
import ipaddress
import logging
import time
from dataclasses import dataclass
from functools import wraps

from flask import Flask, current_app, jsonify, render_template, request
from limits import RateLimitItem, parse_many
from limits.storage import RedisClusterStorage, RedisStorage, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import UnsupportedMediaType

from moderation.fields import IntakeError, fold_email
from moderation.web import parsing

log = logging.getLogger(__name__)
OFF = ("", "0", "off", "none")
NAMES = {"per_ip": "from your network address", "per_email": "with this email address"}
# After a storage failure, skip counting for a while so posts stay fast while it is down.
PAUSE_SECONDS = 5.0

# KEYS[i] counts in a window of ARGV[i] seconds and allows ARGV[n + i] hits. Returns for
# each key 0 while it is within its limit, else the seconds left in its window (>= 1).
COUNT_SCRIPT = """
local n = #KEYS
local over = {}
for i = 1, n do
  local count = redis.call('incr', KEYS[i])
  if count == 1 then redis.call('expire', KEYS[i], ARGV[i]) end
  over[i] = 0
  if count > tonumber(ARGV[n + i]) then
    local ttl = redis.call('ttl', KEYS[i])
    if ttl < 0 then redis.call('expire', KEYS[i], ARGV[i]); ttl = tonumber(ARGV[i]) end
    over[i] = math.max(ttl, 1)
  end
end
return over
"""


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Exceeded:
    limit: str        # "per_ip" or "per_email"
    retry_after: int  # seconds until its window ends


def parse(name: str, value: str | None) -> tuple[RateLimitItem, ...]:
    """Rate limits in Flask-Limiter syntax ("30/minute;300/hour"); () when switched off.
    Raises ConfigError naming the setting."""
    if value is None or value.strip().lower() in OFF:
        return ()
    try:
        return tuple(parse_many(value))
    except ValueError as exc:
        raise ConfigError(f"{name}={value!r} is not a rate limit like '30/minute': {exc}") from None


def client_key(address: str) -> str:
    """An IPv4 address as is; IPv6 by its /64, which one subscriber usually holds whole."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def email_key(email: str, secret: str) -> str:
    """A keyed digest of the folded address (case, spaces and +tag dropped), so one
    reader's aliases share a budget and the storage holds no address, nor a digest that
    could be matched against a list of addresses without the secret key."""
    return hmac.new(secret.encode(), fold_email(email).encode(), hashlib.sha256).hexdigest()[:32]


class IntakeLimits:
    """The intake limits of one app and the storage they count in."""

    def __init__(self, storage: Storage, per_ip: tuple[RateLimitItem, ...],
                 per_email: tuple[RateLimitItem, ...], prefix: str = "intake",
                 secret: str = ""):
        self.storage, self.prefix, self.secret = storage, prefix, secret
        self.limits = {"per_ip": per_ip, "per_email": per_email}
        self.strategy = FixedWindowRateLimiter(storage)
        self.script = None
        if isinstance(storage, RedisStorage) and not isinstance(storage, RedisClusterStorage):
            self.script = storage.get_connection().register_script(COUNT_SCRIPT)
        self.paused_until = 0.0

    @property
    def enabled(self) -> bool:
        return any(self.limits.values())

    def hit(self, ip: str, email: str) -> Exceeded | None:
        """Count one post from `ip` with `email` ("" when unknown) against every limit;
        the limit that refuses it for longest, or None when it may go through."""
        whom = (("per_ip", client_key(ip) if ip else ""),
                ("per_email", email_key(email, self.secret) if email else ""))
        counted = [(name, item, who) for name, who in whom if who for item in self.limits[name]]
        if not counted or time.monotonic() < self.paused_until:
            return None
        try:
            waits = self._count(counted)
        except Exception as exc:  # storage down: let the post through, see the docstring
            log.warning("intake rate limits not counted: %s", exc)
            self.paused_until = time.monotonic() + PAUSE_SECONDS
            return None
        worst = max(zip(waits, (name for name, _, _ in counted)))
        return Exceeded(worst[1], worst[0]) if worst[0] > 0 else None

    def _count(self, counted: list[tuple[str, RateLimitItem, str]]) -> list[int]:
        """Seconds to wait per counted limit (0: within it); the same keys either way."""
        if self.script is not None:
            keys = [self.storage.prefixed_key(item.key_for(self.prefix, name, who))
                    for name, item, who in counted]
            args = [item.get_expiry() for _, item, _ in counted] + \
                   [item.amount for _, item, _ in counted]
            return [int(wait) for wait in self.script(keys=keys, args=args)]
        waits = []
        for name, item, who in counted:
            if self.strategy.hit(item, self.prefix, name, who):
                waits.append(0)
                continue
            reset = self.strategy.get_window_stats(item, self.prefix, name, who).reset_time
            waits.append(max(1, int(reset - time.time() + 0.999)))
        return waits


def init_app(app: Flask) -> None:
    """Build the app's IntakeLimits from its config; raises ConfigError for a bad limit."""
    config = app.config
    uri = config.get("RATELIMIT_STORAGE_URI", "memory://")
    options = config.get("RATELIMIT_STORAGE_OPTIONS", {})
    app.extensions["intake_limits"] = IntakeLimits(
        storage_from_string(uri, **options),
        parse("MODERATION_RATE_PER_IP", config.get("MODERATION_RATE_PER_IP")),
        parse("MODERATION_RATE_PER_EMAIL", config.get("MODERATION_RATE_PER_EMAIL")),
        prefix=f"{config.get('RATELIMIT_KEY_PREFIX', '')}intake", secret=app.secret_key)


def limit_intake(view):
    """Decorate a view that takes readers' posts: a POST over a limit gets 429 with
    Retry-After and never reaches the view."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        limits: IntakeLimits = current_app.extensions["intake_limits"]
        if request.method == "POST" and limits.enabled:
            exceeded = limits.hit(request.remote_addr or "", posted_email())
            if exceeded is not None:
                return refused(exceeded)
        return view(*args, **kwargs)
    return wrapped


def posted_email() -> str:
    """author_email of the post; "" when there is none or the body is malformed (the
    view then says why). The fields read here stay cached for the view. A body over the
    size limit raises RequestEntityTooLarge: refused before it counts."""
    try:
        value = parsing.posted_fields().get("author_email")
    except (IntakeError, UnsupportedMediaType):
        return ""
    return value if isinstance(value, str) else ""


def refused(exceeded: Exceeded):
    from moderation.web.errors import wants_json
    minutes = -(-exceeded.retry_after // 60)
    wait = (f"{exceeded.retry_after} seconds" if exceeded.retry_after < 120
            else f"{minutes} minutes")
    message = f"too many posts {NAMES[exceeded.limit]}; please try again in {wait}"
    if wants_json():
        field = "author_email" if exceeded.limit == "per_email" else None
        response = jsonify(error={"code": "too_many_requests", "field": field,
                                  "limit": exceeded.limit, "message": message})
    else:
        response = current_app.make_response(
            render_template("error.html", status=429, message=message.capitalize() + "."))
    response.status_code = 429
    response.headers["Retry-After"] = str(exceeded.retry_after)
    return response
