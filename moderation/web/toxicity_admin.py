"""Toxicity for moderators and admins: the detector's versions (activate one to roll
back; `flask --app moderation toxicity-model list|train|activate ID`), and the template
helpers that show an item's toxicity (highlighted words, the "likely reject" mark).
The toxicity policy keys are edited with the spam policy (policy_admin.py)."""
import click
from flask import Blueprint, abort, flash, redirect, url_for
from markupsafe import Markup

from moderation.extensions import db
from moderation.store import Item
from moderation.toxicity import highlight, learning, policy
from moderation.web.guards import admin_required

bp = Blueprint("toxicity_admin", __name__, url_prefix="/admin", cli_group="toxicity-model")


@bp.app_template_filter("toxic_marks")
def toxic_marks(text: str, spans: list | None) -> Markup:
    """The text escaped, with the words behind its toxicity score in <mark>."""
    return highlight.marked(text or "", spans)


@bp.app_template_global("likely_reject")
def likely_reject(item: Item) -> bool:
    """Does the item's toxicity reach its site's "likely reject" mark?"""
    return policy.likely_reject(item.toxicity, item.site.policy)


@bp.post("/models/toxicity/<int:model_id>/activate")
@admin_required
def activate(model_id: int):
    try:
        learning.activate(db.session, model_id)
    except LookupError:
        abort(404)
    db.session.commit()
    flash(f"Toxicity version {model_id} is active; workers switch to it with their next "
          "batch, web processes within seconds.", "ok")
    return redirect(url_for("policy_admin.models_list", _anchor="toxicity"), code=303)


@bp.cli.command("list")
def list_command():
    """Toxicity model versions, newest first; * marks the active one."""
    for row in learning.versions(db.session):
        click.echo(f"{'*' if row.is_active else ' '} v{row.id}  {row.created_at:%Y-%m-%d %H:%M}  "
                   f"{row.examples} example(s)  {row.note}")
    click.echo(f"{learning.waiting_examples(db.session)} example(s) waiting")


@bp.cli.command("train")
def train_command():
    """Apply the waiting examples now (what beat runs every few minutes)."""
    row = learning.train(db.session)
    db.session.commit()
    click.echo(f"v{row.id} is active ({row.note})" if row else "no example waiting")


@bp.cli.command("activate")
@click.argument("model_id", type=int)
def activate_command(model_id: int):
    """Make a version active (roll back to an earlier one)."""
    try:
        learning.activate(db.session, model_id)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"toxicity v{model_id} is active")
