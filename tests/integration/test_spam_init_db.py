"""`flask init-db` on a fresh PostgreSQL database stores the model trained from the
shipped corpora as version 1, once, so no worker trains it on its first item."""
import secrets

import pytest
from sqlalchemy import select

from moderation.extensions import db
from moderation.spam import learning
from moderation.store import SpamModel
from tests.integration.conftest import SECRET, pg_connect, production_app


@pytest.fixture
def fresh_url(pg_url):
    admin, user = pg_connect()
    name = f"moderation_init_{secrets.token_hex(4)}"
    admin.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql+psycopg://{user}@127.0.0.1:5432/{name}"
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def test_init_db_stores_one_active_default_model_and_is_idempotent(fresh_url, pg_app):
    app = production_app({"DATABASE_URL": fresh_url, "SECRET_KEY": SECRET,
                          "CELERY_BROKER_URL": "redis://127.0.0.1:6379/11",
                          "MODERATION_TASK_QUEUE": "spam-init-db"})
    try:
        runner = app.test_cli_runner()
        first = runner.invoke(args=["init-db"])
        assert first.exit_code == 0, first.output
        assert "spam model v1 trained from the shipped corpora" in first.output
        second = runner.invoke(args=["init-db"])
        assert second.exit_code == 0, second.output
        assert "spam model" not in second.output
        with app.app_context():
            rows = db.session.scalars(select(SpamModel)).all()
            assert [(r.id, r.is_active, r.parent_id, r.examples) for r in rows] == [(1, True, None, 0)]
            model = learning.active_classifier(db.session)  # what a worker scores with
            assert model.version == 1 and model.threshold == rows[0].threshold
            assert model.spam_probability("Subscribe to my channel!! http://bit.ly/x") > 0.9
            assert model.spam_probability("The council meets again on Tuesday.") < 0.2
            db.session.remove()
    finally:
        with app.app_context():
            db.engine.dispose()
        live = pg_app.extensions["celery"]  # create_app made this app's Celery the default
        live.set_default()
        live.set_current()
