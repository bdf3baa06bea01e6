"""flask --app moderation ... commands: init-db, create-moderator, requeue-stuck,
purge-ips, demo; import and export (moderation/importers/commands.py)."""
import os
import secrets

import click
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select

from moderation import accounts, recovery, sites
from moderation.extensions import db
from moderation.importers import commands as importer_commands
from moderation.spam import learning
from moderation.store import Moderator


def register(app: Flask) -> None:
    importer_commands.register(app)

    @app.cli.command("init-db")
    def init_db():
        """Create or upgrade the schema (Alembic migrations), the default site and, on
        a fresh install, the spam model trained from the shipped corpora (version 1)."""
        upgrade()
        sites.ensure_default(db.session)
        model = learning.store_default(db.session)
        db.session.commit()
        if model is not None:
            click.echo(f"spam model v{model.id} trained from the shipped corpora")
        click.echo(f"database ready: {db.engine.url.render_as_string(hide_password=True)}")

    @app.cli.command("create-moderator")
    @click.argument("username")
    @click.option("--role", type=click.Choice(accounts.ROLES), default="moderator")
    def create_moderator(username: str, role: str):
        """Create a moderator; the password comes from MODERATION_PASSWORD or a prompt."""
        password = os.environ.get("MODERATION_PASSWORD") or click.prompt(
            "Password", hide_input=True, confirmation_prompt=True)
        try:
            accounts.create_moderator(db.session, username, password, role)
        except accounts.AccountError as exc:
            raise click.ClickException(str(exc)) from None
        db.session.commit()
        click.echo(f"created {role} {username}")

    @app.cli.command("requeue-stuck")
    @click.option("--minutes", default=2, help="only items received at least this long ago")
    def requeue_stuck(minutes: int):
        """Hand items stuck in `received` to the workers again."""
        from datetime import timedelta

        from workers.tasks import enqueue_many
        ids = recovery.stuck_items(db.session, timedelta(minutes=minutes))
        db.session.remove()
        click.echo(f"requeued {enqueue_many(ids)} of {len(ids)} stuck item(s)")

    @app.cli.command("purge-ips")
    @click.option("--days", type=float, default=None,
                  help="keep full addresses this long (default MODERATION_IP_DAYS)")
    def purge_ips(days: float | None):
        """Cut full IP addresses older than the retention period to their network
        (beat does this hourly in production; run it from cron in the embedded mode)."""
        from workers.privacy import purge_ips as purge
        days = app.config["MODERATION_IP_DAYS"] if days is None else days
        click.echo(f"cut {purge(days)} address(es) older than {days:g} days to their network")

    @app.cli.command("demo-login")
    def demo_login():
        """Create the demo moderator `demo` (admin) once, and print its login."""
        path = os.path.join(app.instance_path, "demo-password.txt")
        if db.session.scalar(select(Moderator).where(Moderator.username == "demo")) is None:
            password = secrets.token_urlsafe(12)
            accounts.create_moderator(db.session, "demo", password, role="admin")
            db.session.commit()
            with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
                f.write(password)
        with open(path) as f:
            password = f.read().strip()
        click.echo(f"demo moderator: username demo, password {password}")
