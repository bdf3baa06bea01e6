"""Flask extensions, created unbound and bound to an app in create_app()."""
from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from redis import Redis
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
# Storage (memory or Redis) comes from RATELIMIT_STORAGE_URI, see accounts.settings().
limiter = Limiter(key_func=get_remote_address)


def broker_redis(app: Flask) -> Redis | None:
    """The app's one client for its own keys in the broker's Redis, beside Celery's: the
    inbox, thread news, flood windows. None in the embedded mode (and for a broker that
    is not Redis). It fails fast, so no request or task hangs on a dead Redis."""
    if "broker_redis" not in app.extensions:
        celery = app.config["CELERY"]
        url = celery["broker_url"]
        app.extensions["broker_redis"] = None if celery["task_always_eager"] or not \
            url.startswith(("redis://", "rediss://")) else Redis.from_url(
                url, socket_connect_timeout=1, socket_timeout=2, health_check_interval=30)
    return app.extensions["broker_redis"]
