"""The HTTP side: thin blueprints (parse the request, call one domain function, commit,
wake a worker) and the plumbing every request goes through (strict parsing, errors,
security headers, CORS, rate limits)."""
from flask import Flask

from moderation.extensions import csrf
from moderation.web import (
    admin,
    api,
    auth,
    community,
    community_desk,
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
    toxicity_admin,
)

BLUEPRINTS = (admin, api, auth, community, community_desk, feeds, ops, policy_admin, privacy_admin,
              review, sites_admin, submit, toxicity_admin)


def register(app: Flask) -> None:
    """Every blueprint and hook of the web side on app."""
    rate_limits.init_app(app)
    for module in BLUEPRINTS:
        app.register_blueprint(module.bp)
    csrf.exempt(api.bp)  # JSON writes are guarded by origin checks instead (web/api.py)
    # ... and the community API; its unsubscribe POST comes from mail clients (one click).
    csrf.exempt(community.bp)
    errors.register(app)
    parsing.register(app)
    security.register(app)
