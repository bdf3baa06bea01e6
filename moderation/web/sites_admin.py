"""Admin pages for the main site's side: sites (name, allowed origins) and webhooks
(endpoints, secrets, the delivery log). Admins only."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from moderation import accounts, sites
from moderation.extensions import db
from moderation.mainsite import webhooks
from moderation.store import WEBHOOK_EVENTS, Site, WebhookDelivery, WebhookEndpoint
from moderation.web.guards import admin_required

bp = Blueprint("sites_admin", __name__, url_prefix="/admin")


def _all_sites() -> list[Site]:
    return list(db.session.scalars(select(Site).order_by(Site.key)))


def _sites_page(status: int = 200, form: dict | None = None, new_key: tuple | None = None):
    return render_template("admin/sites.html", sites=_all_sites(), form=form or {},
                           new_key=new_key), status


@bp.get("/sites")
@admin_required
def sites_list():
    return _sites_page()


@bp.post("/sites")
@admin_required
def create_site():
    form = request.form
    try:
        site = sites.create_site(db.session, form.get("key", ""), form.get("name", ""))
    except sites.SiteError as exc:
        db.session.rollback()
        flash(f"Site not created: {exc.message}.", "error")
        return _sites_page(422, form)
    db.session.commit()
    flash(f"Created site {site.key}.", "ok")
    return redirect(url_for("sites_admin.sites_list"), code=303)


@bp.post("/sites/<site_key>")
@admin_required
def update_site(site_key: str):
    site = db.session.scalar(select(Site).where(Site.key == site_key)) or abort(404, f"no site {site_key!r}")
    try:
        sites.update_site(site, request.form.get("name", ""), request.form.get("allowed_origins", ""))
    except sites.SiteError as exc:
        db.session.rollback()
        flash(f"{site_key} not saved: {exc.message}.", "error")
        return _sites_page(422)
    db.session.commit()
    current_app.extensions["site_cache"].forget()
    flash(f"Saved {site.key}: {len(site.allowed_origins)} allowed origin(s).", "ok")
    return redirect(url_for("sites_admin.sites_list"), code=303)


@bp.post("/sites/<site_key>/api-key")
@admin_required
def new_api_key(site_key: str):
    """A new API key for the main site (the old one stops working); shown once, here."""
    site = db.session.scalar(select(Site).where(Site.key == site_key)) or abort(404, f"no site {site_key!r}")
    key = sites.new_api_key(site)
    accounts.audit(db.session, current_user, "api_key_created", site.key)
    db.session.commit()
    current_app.extensions["site_cache"].forget()
    response = _sites_page(new_key=(site.key, key))
    return response[0], 200, {"Cache-Control": "no-store"}


def _webhooks_page(status: int = 200):
    status_filter = request.args.get("status") or None
    if status_filter and status_filter not in ("pending", "delivered", "failed", "cancelled"):
        abort(400, f"unknown delivery status {status_filter!r}")
    endpoints = list(db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))
    return render_template("admin/webhooks.html", sites=_all_sites(), endpoints=endpoints,
                           events=WEBHOOK_EVENTS, status_filter=status_filter,
                           deliveries=webhooks.log(db.session, status=status_filter)), status


@bp.get("/webhooks")
@admin_required
def webhooks_list():
    return _webhooks_page()


@bp.post("/webhooks")
@admin_required
def add_endpoint():
    form = request.form
    site = db.session.scalar(select(Site).where(Site.key == form.get("site", "")))
    try:
        if site is None:
            raise webhooks.WebhookError("site", f"no site {form.get('site', '')!r}")
        endpoint = webhooks.add_endpoint(db.session, site, form.get("url", ""),
                                         form.getlist("events"))
    except webhooks.WebhookError as exc:
        db.session.rollback()
        flash(f"Endpoint not added: {exc.message}.", "error")
        return _webhooks_page(422)
    db.session.commit()
    flash(f"Added endpoint {endpoint.url} for {site.key}. Give its secret to the receiver.", "ok")
    return redirect(url_for("sites_admin.webhooks_list"), code=303)


@bp.post("/webhooks/<int:endpoint_id>")
@admin_required
def change_endpoint(endpoint_id: int):
    """`action`: rotate (new secret, old one still signs), end-rotation, enable, disable."""
    endpoint = db.session.get(WebhookEndpoint, endpoint_id) or abort(404, f"no endpoint {endpoint_id}")
    action = request.form.get("action")
    if action == "rotate":
        webhooks.rotate_secret(endpoint)
        message = "New secret: deliveries are signed with both until you end the rotation."
    elif action == "end-rotation":
        webhooks.end_rotation(endpoint)
        message = "Deliveries are now signed with the new secret only."
    elif action in ("enable", "disable"):
        endpoint.is_active = action == "enable"
        message = f"Endpoint {action}d."
    else:
        abort(400, "action must be rotate, end-rotation, enable or disable")
    db.session.commit()
    flash(message, "ok")
    return redirect(url_for("sites_admin.webhooks_list"), code=303)


@bp.post("/webhooks/deliveries/<int:delivery_id>/retry")
@admin_required
def retry_delivery(delivery_id: int):
    delivery = db.session.get(WebhookDelivery, delivery_id) or abort(404, f"no delivery {delivery_id}")
    if delivery.status == "delivered":
        abort(409, "this delivery has already succeeded")
    webhooks.retry(db.session, delivery)
    db.session.commit()
    flash(f"Delivery {delivery_id} sent again.", "ok")
    return redirect(url_for("sites_admin.webhooks_list"), code=303)
