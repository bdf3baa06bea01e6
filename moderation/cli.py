"""flask --app moderation ... commands: init-db, create-moderator, requeue-stuck,
purge-ips, demo-login, serve; import and export (moderation/importers/commands.py)."""
import os
import secrets
import signal
import subprocess
import sys
from datetime import timedelta

import click
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, select

from moderation import accounts, sites
from moderation.extensions import db
from moderation.importers import commands as importer_commands
from moderation.spam import learning
from moderation.store import Item, Moderator, utcnow
from moderation.toxicity import learning as toxicity_learning


def register(app: Flask) -> None:
    importer_commands.register(app)

    @app.cli.command("init-db")
    def init_db():
        """Create or upgrade the schema (Alembic migrations), the default site and, on
        a fresh install, the spam and toxicity models trained from the shipped data
        (version 1 of each)."""
        upgrade()
        sites.ensure_default(db.session)
        model = learning.store_default(db.session)
        toxicity = toxicity_learning.store_default(db.session)
        db.session.commit()
        if model is not None:
            click.echo(f"spam model v{model.id} trained from the shipped corpora")
        if toxicity is not None:
            click.echo(f"toxicity model v{toxicity.id} trained from the shipped data")
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
    @click.option("--minutes", default=2, help="count items received at least this long ago")
    def requeue_stuck(minutes: int):
        """Wake the workers for the items waiting in `received` (beat does this every
        MODERATION_WAKE_SECONDS; this is for when beat is not running)."""
        from workers import wake
        waiting = db.session.scalar(select(func.count()).select_from(Item).where(
            Item.status == "received", Item.created_at <= utcnow() - timedelta(minutes=minutes)))
        db.session.remove()
        woken = "workers woken" if wake(app) else "the broker is unreachable"
        click.echo(f"{waiting} item(s) waiting for {minutes} min or more; {woken}")

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
            password = _strong_password()
            accounts.create_moderator(db.session, "demo", password, role="admin")
            db.session.commit()
            with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
                f.write(password)
        with open(path) as f:
            password = f.read().strip()
        click.echo(f"demo moderator: username demo, password {password}")

    @app.cli.command("serve")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=5000, show_default=True)
    @click.option("--threads", default=8, show_default=True)
    def serve(host: str, port: int, threads: int):
        """Serve the app with waitress (a production WSGI server that reads whole
        requests before a thread takes them, so slow clients hold no thread), with one
        Celery worker and beat beside it, stopped with it: the embedded mode's one
        command (`make run`). In production, run gunicorn, workers and beat instead."""
        import waitress
        schedule = os.path.join(app.instance_path, "celerybeat-schedule")
        worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "workers.main", "worker",
                                   "--beat", "--schedule", schedule, "--pool=solo",
                                   "--loglevel=warning", "--without-gossip", "--without-mingle"])
        click.echo(f"{app.config['MODERATION_MODE']} mode: serving http://{host}:{port}/ "
                   f"with a worker (pid {worker.pid}); Ctrl-C stops both")
        # A service manager stops us with SIGTERM, to this process only: leave through
        # `finally` so that the worker goes too (Ctrl-C reaches both by itself).
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            limit = app.config["MAX_CONTENT_LENGTH"] or 2**20
            waitress.serve(app, host=host, port=port, threads=threads, channel_timeout=60,
                           max_request_body_size=limit * 2, ident="reader-desk",
                           _quiet=True)
        finally:
            worker.terminate()
            try:
                worker.wait(15)
            except subprocess.TimeoutExpired:
                worker.kill()


def _strong_password() -> str:
    """A random password that the account rules accept (16 URL-safe characters nearly
    always are; one that happens to spell something guessable is drawn again)."""
    while True:
        password = secrets.token_urlsafe(12)
        try:
            accounts.check_password(password, "demo")
        except accounts.AccountError:
            continue
        return password
