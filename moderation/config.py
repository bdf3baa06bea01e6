"""Settings from the environment. With no environment at all we run embedded:
SQLite in the instance folder and Celery tasks executed in-process."""
import os
from pathlib import Path

DEV_SECRET_KEY = "dev-only-not-secret"


def load(instance_path: str, env: os._Environ | dict | None = None) -> dict:
    """Return the Flask config mapping for this environment; raises RuntimeError on an
    unsafe production setup (a database URL with the development secret key)."""
    env = os.environ if env is None else env
    database_url = env.get("DATABASE_URL", "")
    broker_url = env.get("CELERY_BROKER_URL", "")
    embedded = not database_url
    for prefix in ("postgres://", "postgresql://"):  # we ship psycopg 3, say so explicitly
        if database_url.startswith(prefix):
            database_url = "postgresql+psycopg://" + database_url[len(prefix):]
    if embedded:
        database_url = "sqlite:///" + str(Path(instance_path) / "moderation.sqlite3")
    secret_key = env.get("SECRET_KEY", DEV_SECRET_KEY)
    if not embedded and secret_key == DEV_SECRET_KEY:
        raise RuntimeError("SECRET_KEY must be set when DATABASE_URL is (production mode)")
    return {
        "EMBEDDED": embedded,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "MAX_CONTENT_LENGTH": int(env.get("MODERATION_MAX_REQUEST_BYTES", 256 * 1024)),
        "MODERATION_DEFAULT_ORIGINS": env.get("MODERATION_DEFAULT_ORIGINS", ""),
        "MODERATION_STATUS_TOKEN_DAYS": int(env.get("MODERATION_STATUS_TOKEN_DAYS", 90)),
        # Built comment pages kept per web process (embed.PageCache); 0 disables the cache,
        # which the benchmark uses to measure a fresh read.
        "MODERATION_PAGE_CACHE_SIZE": int(env.get("MODERATION_PAGE_CACHE_SIZE", 4096)),
        # ... each at most this long, even if a change was not announced (thread_news.py).
        "MODERATION_PAGE_CACHE_SECONDS": float(env.get("MODERATION_PAGE_CACHE_SECONDS", 60)),
        # How long a web process trusts its copy of a site (allowed origins, policy).
        "MODERATION_SITE_CACHE_SECONDS": float(env.get("MODERATION_SITE_CACHE_SECONDS", 10)),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env.get("MODERATION_SECURE_COOKIES", "") == "1",
        # Reverse proxies in front of us that set X-Forwarded-For/-Proto (security.py):
        # without this, behind a proxy every reader shares the proxy's address and limits.
        "MODERATION_PROXY_HOPS": int(env.get("MODERATION_PROXY_HOPS", 0)),
        "WTF_CSRF_TIME_LIMIT": None,  # a reader may take an hour to write a column
        # An item still `received` this long after arrival is handed to a worker again.
        "MODERATION_STUCK_AFTER_SECONDS": int(env.get("MODERATION_STUCK_AFTER_SECONDS", 120)),
        # Readers' posts (comments and submissions) per client address and per email
        # address, Flask-Limiter syntax with ";" between limits; "off" disables (abuse.py).
        "MODERATION_RATE_PER_IP": env.get("MODERATION_RATE_PER_IP", "30/minute;300/hour"),
        "MODERATION_RATE_PER_EMAIL": env.get("MODERATION_RATE_PER_EMAIL", "10/minute;60/hour"),
        # Full IP addresses are kept this long, then cut to their network (privacy.py).
        "MODERATION_IP_DAYS": int(env.get("MODERATION_IP_DAYS", 30)),
        "CELERY": celery_settings(broker_url, env.get("MODERATION_TASK_QUEUE", "moderation"),
                                  float(env.get("MODERATION_SWEEP_SECONDS", 60)),
                                  float(env.get("MODERATION_LEARN_SECONDS", 300))),
    }


def celery_settings(broker_url: str, queue: str = "moderation", sweep_seconds: float = 60,
                    learn_seconds: float = 300) -> dict:
    """Celery settings: in-process (eager) without a broker, Redis with one. Workers
    consume `queue`, so several installs (or test runs) can share one Redis."""
    common = {
        "task_default_queue": queue,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_ignore_result": True,
        "broker_connection_retry_on_startup": True,
        # A reader's request must not hang on a dead broker: fail fast, the sweeper retries.
        "task_publish_retry_policy": {"max_retries": 1, "interval_start": 0,
                                      "interval_step": 0.2, "interval_max": 0.2},
        # A task whose worker died unacknowledged comes back after this; the sweeper
        # usually gets there first, and processing twice changes nothing.
        "broker_transport_options": {"socket_connect_timeout": 1, "socket_timeout": 2,
                                     "visibility_timeout": 600},
        "beat_schedule": {
            "requeue-stuck": {"task": "moderation.requeue_stuck", "schedule": sweep_seconds},
            # Webhook deliveries the broker could not take, or whose backoff has run out.
            "redeliver-webhooks": {"task": "moderation.redeliver_webhooks",
                                   "schedule": sweep_seconds},
            # Moderators' spam / not-spam verdicts, applied as a new model version.
            "learn-spam": {"task": "moderation.learn_spam", "schedule": learn_seconds},
            # Full IP addresses older than MODERATION_IP_DAYS cut to their network.
            "purge-ips": {"task": "moderation.purge_ips", "schedule": 3600},
        },
    }
    if not broker_url:
        return {**common, "task_always_eager": True, "broker_url": "memory://"}
    return {**common, "broker_url": broker_url, "task_always_eager": False}
