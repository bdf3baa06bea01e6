"""Admin pages for spam policy: per-site word lists, blocked domains and thresholds;
the classifier's versions (list, activate to roll back) and each site's threshold with
what it gives on the site's own verdicts (set it there too). Also `flask --app moderation
spam-model list|train|activate ID`, and the filter that links "#123" in signal details
to the item page (the cluster of a campaign)."""
import re

import click
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import select

from moderation.community import policy as community_policy
from moderation.extensions import db
from moderation.processing import DEFAULT_POLICY
from moderation.spam import learning, thresholds, words
from moderation.store import Site
from moderation.toxicity import learning as toxicity_learning
from moderation.toxicity import nudge
from moderation.toxicity import policy as toxicity_policy
from moderation.web.guards import admin_required
from workers.learning import learn_spam, learn_toxicity

bp = Blueprint("policy_admin", __name__, url_prefix="/admin", cli_group="spam-model")
LISTS = ("blocked_words", "suspect_words", "blocked_domains")
ITEM_REF = re.compile(r"#(\d+)")


@bp.app_template_filter("item_links")
def item_links(detail: str) -> Markup:
    """Escaped text with each "#123" linked to that item's review page."""
    return Markup(ITEM_REF.sub(lambda m: f'<a href="{url_for("review.item", item_id=int(m.group(1)))}">#{m.group(1)}</a>',
                               str(escape(detail))))


def parse_policy(form) -> dict:
    """The policy fields of the form as stored in Site.policy; raises ValueError."""
    policy = {}
    for name in LISTS:
        lines = [line.strip() for line in form.get(name, "").splitlines()]
        policy[name] = sorted({line.lower() for line in lines if line})[:2000]
    for name in ("spam_threshold", "auto_approve_below"):
        policy[name] = thresholds.parse(form.get(name, DEFAULT_POLICY[name]), name.replace("_", " "))
    policy["auto_approve"] = form.get("auto_approve") == "1"
    policy.update(community_policy.parse(form))
    policy.update(toxicity_policy.parse(form))
    return policy


@bp.get("/policy")
@admin_required
def policy_list():
    sites = db.session.scalars(select(Site).order_by(Site.key)).all()
    return render_template("admin/policy.html", sites=sites, defaults=DEFAULT_POLICY,
                           default_suspect=words.DEFAULT_SUSPECT, nudges=nudge.tally(db.session))


@bp.post("/policy/<site_key>")
@admin_required
def update_policy(site_key: str):
    site = db.session.scalar(select(Site).where(Site.key == site_key)) or abort(404)
    try:
        changes = parse_policy(request.form)
    except ValueError as exc:
        flash(f"Not saved: {exc}.", "error")
        return redirect(url_for("policy_admin.policy_list"), code=303)
    if not changes["suspect_words"]:
        changes.pop("suspect_words")  # empty means the built-in list
    site.policy = {**{k: v for k, v in (site.policy or {}).items() if k != "suspect_words"}, **changes}
    db.session.commit()
    flash(f"Saved the policy of {site.key}.", "ok")
    return redirect(url_for("policy_admin.policy_list"), code=303)


@bp.get("/models")
@admin_required
def models_list():
    return _models_page()


def _models_page(status: int = 200):
    window = current_app.config["MODERATION_THRESHOLD_DECISIONS"]
    return render_template("admin/models.html", versions=learning.versions(db.session),
                           waiting=learning.waiting_examples(db.session),
                           sites=thresholds.overview(db.session, window), window=window,
                           toxicity_versions=toxicity_learning.versions(db.session),
                           toxicity_waiting=toxicity_learning.waiting_examples(db.session)), status


@bp.post("/models/sites/<site_key>/threshold")
@admin_required
def set_threshold(site_key: str):
    """Field `spam_threshold`: the site's new threshold, in (0, 1]; audited."""
    site = db.session.scalar(select(Site).where(Site.key == site_key)) or abort(404)
    try:
        value = thresholds.set_threshold(db.session, site, request.form.get("spam_threshold", ""),
                                         current_user)
    except thresholds.ThresholdError as exc:
        db.session.rollback()
        flash(f"Not saved: {exc}.", "error")
        return _models_page(422)
    db.session.commit()
    current_app.extensions["site_cache"].forget()
    flash(f"The spam threshold of {site.key} is now {value:g}; items are routed by it from "
          "the next one processed.", "ok")
    return redirect(url_for("policy_admin.models_list", _anchor="thresholds"), code=303)


@bp.post("/models/retrain")
@admin_required
def retrain():
    """Apply the waiting decisions now instead of at the next scheduled run (beat runs
    the same tasks every MODERATION_LEARN_SECONDS, in both modes): handed to a worker."""
    learn_spam.delay()
    learn_toxicity.delay()
    flash("Retraining: a worker applies the waiting decisions now; the new versions appear "
          "here when it has finished (reload in a minute).", "ok")
    return redirect(url_for("policy_admin.models_list"), code=303)


@bp.post("/models/<int:model_id>/activate")
@admin_required
def activate(model_id: int):
    try:
        learning.activate(db.session, model_id)
    except LookupError:
        abort(404)
    db.session.commit()
    flash(f"Version {model_id} is active; workers switch to it with their next item.", "ok")
    return redirect(url_for("policy_admin.models_list"), code=303)


@bp.cli.command("list")
def list_command():
    """Model versions, newest first; * marks the active one."""
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
    click.echo(f"v{model_id} is active")
