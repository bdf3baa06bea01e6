"""The moderation service. create_app() is the only place that knows every part."""
import os
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app from the environment (see config.py), then apply overrides."""
    from moderation import accounts, cli, config, quick_posts, ready_pages, sites
    from moderation.extensions import broker_redis, csrf, db, limiter, login_manager, migrate
    from moderation.mainsite import embed, page_cache
    from moderation.spam import flood
    from moderation.store import database
    from moderation.web import (
        admin,
        api,
        auth,
        errors,
        feeds,
        ops,
        parsing,
        policy_admin,
        privacy_admin,
        rate_limits,
        review,
        security,
        sites_admin,
        submit,
    )
    from workers import celery_init_app

    app = Flask(__name__, template_folder=str(ROOT / "templates"),
                instance_path=str(ROOT / "instance"))
    app.config.from_mapping(config.load(app.instance_path))
    app.config.from_mapping(accounts.settings(os.environ))
    if overrides:
        app.config.update(overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    # We set no default limits, only decorated ones (the login), which the decorator
    # checks itself: the hook that looks for limits before every request only costs time.
    app.before_request_funcs[None].remove(limiter._check_request_limit)
    rate_limits.init_app(app)  # intake rate limits, in the same storage
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            database.sqlite_pragmas(db.engine)
        redis = broker_redis(app)
        if redis is not None:  # shared by all workers
            flood.count_in_redis(db.engine, redis, app.config["CELERY"]["task_default_queue"])
        app.extensions["autocommit"] = database.autocommit_engine(db.engine)
    celery_init_app(app)
    app.extensions["page_cache"] = embed.PageCache(app.config["MODERATION_PAGE_CACHE_SIZE"],
                                                   app.config["MODERATION_PAGE_CACHE_SECONDS"])
    app.extensions["thread_news"] = page_cache.ThreadNews(app, app.extensions["page_cache"])
    app.extensions["site_cache"] = sites.SiteCache(app.config["MODERATION_SITE_CACHE_SECONDS"])

    for module in (admin, api, auth, feeds, ops, policy_admin, privacy_admin, review,
                   sites_admin, submit):
        app.register_blueprint(module.bp)
    csrf.exempt(api.bp)  # JSON writes are guarded by origin checks instead (views/api.py)
    errors.register(app)
    parsing.register(app)
    # The lanes in front of Flask, before ProxyFix wraps them (they see the reader's address).
    app.wsgi_app = quick_posts.QuickPosts(app, ready_pages.ReadyPages(app, app.wsgi_app))
    security.register(app)
    cli.register(app)
    return app
