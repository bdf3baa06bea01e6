from sqlalchemy import inspect, select

from moderation import accounts
from moderation.extensions import db
from moderation.store import Item
from tests.conftest import make_app, post_comment


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
    assert "requeued 1 of 1" in result.output
    with app.app_context():
        assert db.session.get(Item, item_id).status == "pending"


def test_healthz_embedded(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json()["database"] == "ok"


def test_healthz_503_when_the_broker_is_unreachable(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'h.sqlite3'}", broker_url="redis://127.0.0.1:1/0")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["broker"].startswith("error")


def test_broker_down_still_accepts_and_keeps_the_item(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'b.sqlite3'}", broker_url="redis://127.0.0.1:1/0")
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


def test_production_refuses_the_development_secret():
    import pytest

    from moderation import config
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        config.load("/tmp", {"DATABASE_URL": "postgresql://x/y"})
