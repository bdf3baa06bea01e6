"""Settings from the environment, and the one place that decides the run mode.

Embedded (no DATABASE_URL, the default): SQLite in the instance folder, Celery's broker
in a second SQLite file beside it (`flask serve` starts waitress and one worker with
beat), rate limits counted in memory, and a random secret key written to the instance
folder on first start. Production (DATABASE_URL set): PostgreSQL, with CELERY_BROKER_URL
(Redis) and SECRET_KEY required; rate limits and page-cache announcements go through
that Redis.

Nothing else asks which mode it is: every part reads the setting it needs from here."""
import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path


class ConfigError(RuntimeError):
    """A setting that cannot work; the message names it and says what to do."""


def load(instance_path: str, env: Mapping[str, str] | None = None,
         overrides: Mapping | None = None) -> dict:
    """The Flask config for this environment, with `overrides` applied last. Raises
    ConfigError for a production setup without a broker or a real secret key."""
    env = os.environ if env is None else env
    overrides = overrides or {}
    database_url = env.get("DATABASE_URL", "")
    mode = "production" if database_url else "embedded"
    instance = Path(instance_path)
    if mode == "production":
        for prefix in ("postgres://", "postgresql://"):  # we ship psycopg 3: say so
            if database_url.startswith(prefix):
                database_url = "postgresql+psycopg://" + database_url[len(prefix):]
        broker_url = env.get("CELERY_BROKER_URL", "")
        if not broker_url and "CELERY" not in overrides:
            raise ConfigError("CELERY_BROKER_URL must be set with DATABASE_URL (production "
                              "mode): workers take their wake-ups from it")
    else:
        database_url = "sqlite:///" + str(instance / "moderation.sqlite3")
        broker_url = env.get("CELERY_BROKER_URL") or "sqla+sqlite:///" + str(instance / "broker.sqlite3")
    redis_url = broker_url if broker_url.startswith(("redis://", "rediss://")) else ""
    settings = {
        "MODERATION_MODE": mode,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "MAX_CONTENT_LENGTH": int(env.get("MODERATION_MAX_REQUEST_BYTES", 256 * 1024)),
        "MODERATION_DEFAULT_ORIGINS": env.get("MODERATION_DEFAULT_ORIGINS", ""),
        "MODERATION_STATUS_TOKEN_DAYS": int(env.get("MODERATION_STATUS_TOKEN_DAYS", 90)),
        # Built comment pages kept per web process (mainsite/page_cache.py); 0 disables.
        "MODERATION_PAGE_CACHE_SIZE": int(env.get("MODERATION_PAGE_CACHE_SIZE", 4096)),
        "MODERATION_PAGE_CACHE_MB": float(env.get("MODERATION_PAGE_CACHE_MB", 32)),
        # ... each at most this long, even if a change was not announced.
        "MODERATION_PAGE_CACHE_SECONDS": float(env.get("MODERATION_PAGE_CACHE_SECONDS", 60)),
        # Where changed threads are announced to every web process; without it every read
        # checks the thread's revision in the database first.
        "MODERATION_ANNOUNCE_URL": env.get("MODERATION_ANNOUNCE_URL", redis_url),
        # How long a web process trusts its copy of a site (allowed origins, policy).
        "MODERATION_SITE_CACHE_SECONDS": float(env.get("MODERATION_SITE_CACHE_SECONDS", 10)),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env.get("MODERATION_SECURE_COOKIES", "") == "1",
        # Reverse proxies in front of us that set X-Forwarded-For/-Proto (web/security.py):
        # without this, behind a proxy every reader shares the proxy's address and limits.
        "MODERATION_PROXY_HOPS": int(env.get("MODERATION_PROXY_HOPS", 0)),
        "WTF_CSRF_TIME_LIMIT": None,  # a reader may take an hour to write a column
        # Readers' posts per client address and per email address, Flask-Limiter syntax
        # with ";" between limits; "off" disables (web/rate_limits.py).
        "MODERATION_RATE_PER_IP": env.get("MODERATION_RATE_PER_IP", "30/minute;300/hour"),
        "MODERATION_RATE_PER_EMAIL": env.get("MODERATION_RATE_PER_EMAIL", "10/minute;60/hour"),
        # Full IP addresses are kept this long, then cut to their network (privacy.py).
        "MODERATION_IP_DAYS": int(env.get("MODERATION_IP_DAYS", 30)),
        # Where models trained from the shipped data are kept between processes
        # (toxicity/default.py): a build costs ~15 s of CPU, a load ~0.1 s.
        "MODERATION_MODEL_CACHE": env.get("MODERATION_MODEL_CACHE") or str(instance / "model-cache"),
        # Webhooks to private, loopback or link-local addresses (an intranet CMS).
        "MODERATION_WEBHOOK_PRIVATE": env.get("MODERATION_WEBHOOK_PRIVATE", "") == "1",
        **_accounts(env),
        **_mail(env, mode),
        **_rate_limit_storage(env, redis_url),
        "CELERY": celery_settings(
            broker_url, env.get("MODERATION_TASK_QUEUE", "moderation"),
            wake_seconds=float(env.get("MODERATION_WAKE_SECONDS", 5)),
            sweep_seconds=float(env.get("MODERATION_SWEEP_SECONDS", 60)),
            learn_seconds=float(env.get("MODERATION_LEARN_SECONDS", 300))),
    }
    settings.update(overrides)
    if "SECRET_KEY" not in settings:
        settings["SECRET_KEY"] = _secret_key(env, mode, instance)
    return settings


def _secret_key(env: Mapping[str, str], mode: str, instance: Path) -> str:
    key = env.get("SECRET_KEY", "")
    if key:
        if len(key) < 16:
            raise ConfigError("SECRET_KEY must be at least 16 characters; make one with "
                              "python -c 'import secrets; print(secrets.token_hex(32))'")
        return key
    if mode == "production":  # web, workers and beat must all sign with the same key
        raise ConfigError("SECRET_KEY must be set with DATABASE_URL (production mode)")
    return instance_secret(instance)


def instance_secret(instance: Path) -> str:
    """The random key in instance/secret_key, written on first use (readable by this
    user only). Two processes starting at once read the same key."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text().strip()
        if key:
            return key
        raise ConfigError(f"{path} is empty; delete it to make a new key") from None
    key = secrets.token_hex(32)
    with os.fdopen(descriptor, "w") as f:
        f.write(key)
    return key


def _mail(env: Mapping[str, str], mode: str) -> dict:
    """SMTP for mail to readers and the desk (moderation/mail.py): none without
    MAIL_SERVER. Links in messages start with MODERATION_PUBLIC_URL, this service's
    address as readers reach it."""
    security = env.get("MAIL_SECURITY", "").lower()
    if security not in ("", "starttls", "ssl"):
        raise ConfigError(f"MAIL_SECURITY={security!r}: use starttls, ssl or leave it empty")
    public = env.get("MODERATION_PUBLIC_URL", "").rstrip("/")
    if env.get("MAIL_SERVER") and mode == "production" and not public:
        raise ConfigError("MODERATION_PUBLIC_URL must be set with MAIL_SERVER in production: "
                          "mail links point to it")
    return {
        "MAIL_SERVER": env.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(env.get("MAIL_PORT", 465 if security == "ssl" else 25)),
        "MAIL_SECURITY": security,
        "MAIL_USERNAME": env.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD", ""),
        "MAIL_FROM": env.get("MAIL_FROM", "Reader desk <no-reply@localhost>"),
        "MODERATION_PUBLIC_URL": public or "http://127.0.0.1:5000",
    }


def _accounts(env: Mapping[str, str]) -> dict:
    """Moderators' sessions, login lockout, and the review desk's timings."""
    return {
        "PERMANENT_SESSION_LIFETIME": timedelta(
            hours=float(env.get("MODERATION_SESSION_HOURS", 12))),
        "MODERATION_LOGIN_MAX_FAILURES": int(env.get("MODERATION_LOGIN_MAX_FAILURES", 5)),
        "MODERATION_LOCKOUT_MINUTES": float(env.get("MODERATION_LOCKOUT_MINUTES", 15)),
        "MODERATION_LOGIN_RATE": env.get("MODERATION_LOGIN_RATE", "10 per minute"),
        "MODERATION_CLAIM_MINUTES": float(env.get("MODERATION_CLAIM_MINUTES", 5)),
        "MODERATION_UNDO_SECONDS": float(env.get("MODERATION_UNDO_SECONDS", 5)),
        "MODERATION_POLL_SECONDS": float(env.get("MODERATION_POLL_SECONDS", 10)),
        # /admin/models: each site's threshold measured on its latest verdicts.
        "MODERATION_THRESHOLD_DECISIONS": int(env.get("MODERATION_THRESHOLD_DECISIONS", 500)),
    }


def _rate_limit_storage(env: Mapping[str, str], redis_url: str) -> dict:
    """Memory with one web process (embedded); the shared Redis in production, so every
    gunicorn worker counts the same requests. A dead Redis must neither hang a request
    nor refuse it: short timeouts, and limits not counted while it is down."""
    uri = env.get("RATELIMIT_STORAGE_URI") or redis_url or "memory://"
    return {
        "RATELIMIT_STORAGE_URI": uri,
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
        if uri.startswith("redis") else {},
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
    }


def celery_settings(broker_url: str, queue: str = "moderation", *, wake_seconds: float = 5,
                    sweep_seconds: float = 60, learn_seconds: float = 300) -> dict:
    """Celery's settings. Workers consume `queue`, so several installs (or test runs) can
    share one Redis."""
    redis = broker_url.startswith(("redis://", "rediss://"))
    return {
        "broker_url": broker_url,
        "task_default_queue": queue,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_ignore_result": True,
        "broker_connection_retry_on_startup": True,
        # A reader's request must not hang on a dead broker: fail fast; beat's periodic
        # wake-up finds what waits once the broker is back.
        "task_publish_retry_policy": {"max_retries": 1, "interval_start": 0,
                                      "interval_step": 0.2, "interval_max": 0.2},
        # (The SQLite broker hands these to SQLAlchemy's create_engine: none for it.)
        "broker_transport_options": {"socket_connect_timeout": 1, "socket_timeout": 2,
                                     "visibility_timeout": 600} if redis else {},
        "beat_schedule": {
            # The queue is the item table: this only makes sure someone looks at it, when
            # a wake-up was lost (the broker was down, a worker was killed).
            "wake-workers": {"task": "moderation.process_received", "schedule": wake_seconds},
            # Outbox events whose dispatch was lost the same way.
            "dispatch-events": {"task": "moderation.dispatch_events", "schedule": wake_seconds},
            # Webhook deliveries and mail whose backoff has run out.
            "redeliver-webhooks": {"task": "moderation.redeliver_webhooks",
                                   "schedule": sweep_seconds},
            "resend-mail": {"task": "moderation.resend_mail", "schedule": sweep_seconds},
            # Threads past their site's close_after_days.
            "close-threads": {"task": "moderation.close_threads", "schedule": sweep_seconds},
            # Moderators' spam / not-spam verdicts, applied as a new model version.
            "learn-spam": {"task": "moderation.learn_spam", "schedule": learn_seconds},
            # Moderators' abuse rejections and approvals of held items, likewise.
            "learn-toxicity": {"task": "moderation.learn_toxicity", "schedule": learn_seconds},
            # Full IP addresses older than MODERATION_IP_DAYS cut to their network.
            "purge-ips": {"task": "moderation.purge_ips", "schedule": 3600},
            # Idempotency keys past their day, and outbox events dispatched long ago.
            "purge-expired": {"task": "moderation.purge_expired", "schedule": 3600},
        },
    }
