import pytest
from sqlalchemy import inspect, select

from moderation import accounts, config, create_app
from moderation.extensions import db
from moderation.store import Item
from tests.conftest import add_moderator, in_process_celery, make_app, post_comment


def test_create_moderator_from_environment(runner, app, monkeypatch):
    monkeypatch.setenv("MODERATION_PASSWORD", "a long enough password")
    result = runner.invoke(args=["create-moderator", "chief", "--role", "admin"])
    assert result.exit_code == 0 and "created admin chief" in result.output
    with app.app_context():
        assert accounts.authenticate(db.session, "chief", "a long enough password").role == "admin"
    again = runner.invoke(args=["create-moderator", "chief"])
    assert again.exit_code != 0 and "taken" in again.output


def test_create_moderator_prompts_without_environment(runner, app, monkeypatch):
    monkeypatch.delenv("MODERATION_PASSWORD", raising=False)
    result = runner.invoke(args=["create-moderator", "desk"], input="short\nshort\n")
    assert result.exit_code != 0 and "at least" in result.output


def test_create_moderator_refuses_weak_passwords_and_lookalike_names(runner, app, monkeypatch):
    monkeypatch.setenv("MODERATION_PASSWORD", "password1234")
    weak = runner.invoke(args=["create-moderator", "desk"])
    assert weak.exit_code != 0 and "too easy to guess" in weak.output
    monkeypatch.setenv("MODERATION_PASSWORD", "a long enough password")
    assert runner.invoke(args=["create-moderator", "Desk"]).exit_code == 0
    for lookalike in ("DESK", "ｄｅｓｋ", "desk\u200d", "\u202edesk"):
        result = runner.invoke(args=["create-moderator", lookalike])
        assert result.exit_code != 0 and ("taken" in result.output or "U+" in result.output)


def test_demo_login_creates_an_admin_whose_password_passes_the_rules(runner, app):
    result = runner.invoke(args=["demo-login"])
    assert result.exit_code == 0, result.output
    password = result.output.strip().rsplit(" ", 1)[-1]
    accounts.check_password(password, "demo")
    with app.app_context():
        assert accounts.authenticate(db.session, "demo", password).role == "admin"


def test_init_db_runs_the_migrations(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    with app.app_context():
        db.drop_all()
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
        assert {"site", "thread", "item", "decision", "moderator", "alembic_version"} <= tables


def test_requeue_stuck_processes_items_left_received(runner, app):
    with app.app_context():
        from moderation import intake
        item = intake.receive_comment(db.session, "default", "t", {
            "author_name": "A", "author_email": "a@example.org", "body": "stuck one"}, intake.Context())
        db.session.commit()
        item_id = item.id
    result = runner.invoke(args=["requeue-stuck", "--minutes", "0"])
    assert "1 item(s) waiting for 0 min or more; workers woken" in result.output
    with app.app_context():
        assert db.session.get(Item, item_id).status == "pending"


def test_healthz_embedded(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json()["database"] == "ok"


def test_healthz_503_when_the_broker_is_unreachable(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'h.sqlite3'}",
                   CELERY=config.celery_settings("redis://127.0.0.1:1/0"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["broker"].startswith("error")


def test_broker_down_still_accepts_and_keeps_the_item(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'b.sqlite3'}",
                   CELERY=config.celery_settings("redis://127.0.0.1:1/0"))
    response = post_comment(app.test_client())
    assert response.status_code == 202 and response.get_json()["status"] == "received"
    with app.app_context():
        assert db.session.scalars(select(Item)).one().status == "received"


def test_demo_page_embeds_the_thread(client):
    page = client.get("/demo").get_data(as_text=True)
    assert 'id="comments" data-site="default" data-thread="demo-article"' in page
    assert "/embed.js" in page
    script = client.get("/embed.js")
    assert script.status_code == 200 and "javascript" in script.content_type


def test_production_refuses_to_start_without_a_real_secret_or_a_broker(tmp_path):
    production = {"DATABASE_URL": "postgresql://x/y", "CELERY_BROKER_URL": "redis://r:6379/0"}
    with pytest.raises(config.ConfigError, match="SECRET_KEY must be set"):
        config.load(str(tmp_path), production)
    with pytest.raises(config.ConfigError, match="at least 16 characters"):
        config.load(str(tmp_path), {**production, "SECRET_KEY": "dev-only-not-secret"[:10]})
    with pytest.raises(config.ConfigError, match="CELERY_BROKER_URL"):
        config.load(str(tmp_path), {"DATABASE_URL": "postgresql://x/y", "SECRET_KEY": "k" * 32})
    assert not (tmp_path / "secret_key").exists()  # production never writes one


def test_the_embedded_mode_writes_a_random_secret_once_and_keeps_it(tmp_path):
    first = config.load(str(tmp_path / "instance"), {})
    again = config.load(str(tmp_path / "instance"), {})
    other = config.load(str(tmp_path / "elsewhere"), {})
    assert first["MODERATION_MODE"] == "embedded"
    assert len(first["SECRET_KEY"]) == 64 and first["SECRET_KEY"] == again["SECRET_KEY"]
    assert other["SECRET_KEY"] != first["SECRET_KEY"]
    key_file = tmp_path / "instance" / "secret_key"
    assert key_file.read_text() == first["SECRET_KEY"] and key_file.stat().st_mode & 0o777 == 0o600
    assert first["CELERY"]["broker_url"] == f"sqla+sqlite:///{tmp_path}/instance/broker.sqlite3"


def test_no_mode_signs_with_a_published_key(tmp_path):
    """An admin session cookie forged with the development key of earlier versions (it
    was published in the code) opens nothing on a default install."""
    from flask.sessions import SecureCookieSessionInterface
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'k.sqlite3'}",
                      "CELERY": in_process_celery()})
    with app.app_context():
        db.create_all()
    add_moderator(app, "chief", role="admin")
    forger = type("Forger", (), {"secret_key": "dev-only-not-secret", "config": app.config})
    cookie = SecureCookieSessionInterface().get_signing_serializer(forger).dumps(
        {"_user_id": "1", "_fresh": True, "login_at": 0})
    client = app.test_client()
    client.set_cookie("session", cookie)
    assert client.get("/admin/accounts").status_code == 302  # to the login page
