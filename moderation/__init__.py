"""The moderation service. create_app() is the only place that knows every part."""
import os
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app from the environment (see config.py), then apply overrides."""
    from . import accounts, cli, config, database, embed, errors, security
    from .extensions import csrf, db, limiter, login_manager, migrate
    from .views import admin, api, auth, feeds, ops, policy_admin, review, sites_admin, submit
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
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            database.sqlite_pragmas(db.engine)
    celery_init_app(app)
    app.extensions["page_cache"] = embed.PageCache(app.config["MODERATION_PAGE_CACHE_SIZE"])

    for module in (admin, api, auth, feeds, ops, policy_admin, review, sites_admin, submit):
        app.register_blueprint(module.bp)
    csrf.exempt(api.bp)  # JSON writes are guarded by origin checks instead (views/api.py)
    errors.register(app)
    security.register(app)
    cli.register(app)
    return app
