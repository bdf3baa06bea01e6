"""The moderation service. create_app() is the only place that knows every part."""
import os
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict | None = None, env: dict | None = None) -> Flask:
    """Build the app from the environment (`env`, by default os.environ; config.py
    decides the mode), then apply overrides. Raises config.ConfigError for settings that
    cannot work."""
    from moderation import cli, config, sites, web
    from moderation.community import notices
    from moderation.extensions import csrf, db, limiter, login_manager, migrate
    from moderation.mainsite import page_cache, webhooks
    from moderation.spam import learning
    from moderation.store import database, outbox
    from moderation.toxicity import default as toxicity_default
    from moderation.toxicity import learning as toxicity_learning
    from moderation.web.context import public_link
    from workers import DISPATCH, celery_init_app, wake

    instance = (os.environ if env is None else env).get("MODERATION_INSTANCE_PATH") \
        or str(ROOT / "instance")
    app = Flask(__name__, template_folder=str(ROOT / "templates"), instance_path=instance)
    app.config.from_mapping(config.load(app.instance_path, env, overrides))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    # We set no default limits, only decorated ones (the login), which the decorator
    # checks itself: the hook that looks for limits before every request only costs time.
    app.before_request_funcs[None].remove(limiter._check_request_limit)
    with app.app_context():
        database.prepare(db.engine)
    database.prepare_broker(app.config["CELERY"]["broker_url"])
    celery_init_app(app)

    cache = page_cache.PageCache(app.config["MODERATION_PAGE_CACHE_SIZE"],
                                 app.config["MODERATION_PAGE_CACHE_SECONDS"],
                                 int(app.config["MODERATION_PAGE_CACHE_MB"] * 2**20))
    announcements = page_cache.Announcements(
        cache, app.config["MODERATION_ANNOUNCE_URL"],
        f"moderation:{app.config['CELERY']['task_default_queue']}:threads")
    app.extensions.update(page_cache=cache, announcements=announcements,
                          site_cache=sites.SiteCache(app.config["MODERATION_SITE_CACHE_SECONDS"]))
    # Who acts on a committed outbox event: in the committing process, the page cache;
    # in a worker (workers/outbox.py), webhooks, learning and reply notices.
    outbox.install(app, [announcements.committed, lambda _events: wake(app, DISPATCH)])
    links = notices.Links(app.secret_key, bool(app.config["MAIL_SERVER"]),
                          lambda token: public_link("community.unsubscribe", token=token))
    app.extensions["outbox_dispatch"] = [webhooks.on_event, learning.on_event,
                                         toxicity_learning.on_event,
                                         lambda session, event: notices.on_reply(session, event, links)]
    toxicity_default.configure(app.config["MODERATION_MODEL_CACHE"])

    web.register(app)
    cli.register(app)
    return app
