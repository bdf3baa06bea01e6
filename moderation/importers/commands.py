"""`flask --app moderation import wordpress|disqus|isso|json FILE` and `export SITE`.

An import reads the file twice. The first pass checks all of it and stores nothing, so
a file that cannot be read as a whole (not well-formed, not UTF-8, an entity
declaration, another format) is refused before anything is stored. The second pass
stores it in batches, committing each: a run that stops keeps whole batches only, and
running the same command again resumes (what is stored is skipped by its source id)."""
import sys
from datetime import timedelta
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from moderation import sites
from moderation.extensions import db
from moderation.importers import disqus, isso, json_format, storing, wordpress
from moderation.importers.records import Comment, ImportFileError
from moderation.importers.summary import Summary
from moderation.store import Site, utcnow
from moderation.web.policy_admin import LISTS, parse_policy

READERS = {"wordpress": wordpress, "disqus": disqus, "isso": isso, "json": json_format}
HELP = {
    "wordpress": "Import a WordPress export (WXR: Tools > Export).",
    "disqus": "Import a Disqus export (XML).",
    "isso": "Import an Isso database (comments.db) or Isso's generic JSON.",
    "json": "Import a site from `flask --app moderation export` (ours).",
}


def register(app: Flask) -> None:
    @app.cli.group("import")
    def import_group():
        """Import comments from WordPress, Disqus, Isso or our own export (idempotent:
        running it again stores nothing twice and resumes a run that stopped)."""

    for source in READERS:
        import_group.command(source, help=HELP[source])(_options(_command(app, source)))

    @app.cli.command("export")
    @click.argument("site")
    def export(site: str):
        """Write everything of SITE as JSON to standard output (`import json` reads it)."""
        try:
            count = json_format.export(db.session, site, sys.stdout)
        except LookupError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"exported {count} item(s) of site {site!r}", err=True)


def _options(function):
    function = click.argument("path", type=click.Path(exists=True, dir_okay=False))(function)
    function = click.option("--site", "site_key", default=None,
                            help="the site to import into (default: `default`; for json, "
                                 "the export's own site)")(function)
    function = click.option("--learn", is_flag=True,
                            help="teach the spam model from the imported spam and approved "
                                 "comments")(function)
    return click.option("--batch", default=storing.BATCH, show_default=True,
                        help="records per committed batch")(function)


def _command(app: Flask, source: str):
    def command(path: str, site_key: str | None, learn: bool, batch: int):
        run_import(app, source, path, site_key, learn=learn, batch=batch)
    return command


def run_import(app: Flask, source: str, path: str, site_key: str | None, *, learn: bool = False,
               batch: int = storing.BATCH) -> Summary:
    """Check the file, then store it batch by batch; prints the summary. Raises
    click.ClickException for a file refused as a whole (nothing stored) and for a run
    that stopped (its committed batches kept)."""
    reader = READERS[source]
    size = isso.size(path) if source == "isso" else Path(path).stat().st_size
    try:
        found = _check(reader, path, size)
        site = _site(source, path, site_key)
    except ImportFileError as exc:
        db.session.rollback()
        raise click.ClickException(f"{path}: {exc}. Nothing was imported.") from None
    db.session.commit()
    cutoff = utcnow() - timedelta(days=app.config["MODERATION_IP_DAYS"])
    run = storing.Run(site_id=site.id, source=source, summary=Summary(source, site.key),
                      learn=learn, ip_cutoff=cutoff)
    click.echo(f"{path}: {found} record(s) to import into site {site.key!r}", err=True)
    try:
        with click.progressbar(length=size, label="importing", file=sys.stderr) as bar:
            records = []
            for record in reader.read(path, bar.update):
                records.append(record)
                if len(records) >= batch:
                    _commit(run, records)
                    records = []
            _commit(run, records)
        storing.finish(db.session, run)
        db.session.commit()
    except (ImportFileError, SQLAlchemyError, KeyboardInterrupt) as exc:
        db.session.rollback()
        _echo(run.summary)
        why = (str(exc).splitlines() or [type(exc).__name__])[0][:300]
        raise click.ClickException(
            f"stopped in batch {run.summary.batches + 1}: {why}. The {run.summary.batches} "
            "batch(es) committed before are kept; run the same command again to resume."
        ) from None
    _echo(run.summary)
    return run.summary


def _check(reader, path: str, size: int) -> int:
    """Read the whole file, storing nothing; the number of records it holds."""
    count = 0
    with click.progressbar(length=size, label="checking", file=sys.stderr) as bar:
        for record in reader.read(path, bar.update):
            count += isinstance(record, Comment)
    return count


def _commit(run: storing.Run, records: list) -> None:
    storing.store(db.session, run, records)
    db.session.commit()
    run.summary.batches += 1


def _echo(summary: Summary) -> None:
    for line in summary.lines():
        click.echo(line)


def _site(source: str, path: str, key: str | None) -> Site:
    """The site to import into. For our own export, its site, created with the export's
    name, origins and policy when there is none of that key here."""
    settings = json_format.header(path) if source == "json" else None
    key = key or (settings["key"] if settings else "default")
    site = db.session.scalar(select(Site).where(Site.key == key))
    if site is not None:
        return site  # its settings stay as they are here
    if settings is None:
        raise ImportFileError(f"there is no site {key!r}; create it at /admin/sites first")
    policy = settings["policy"]
    form = {name: "\n".join(map(str, policy.get(name) or [])) for name in LISTS
            if isinstance(policy.get(name) or [], list)}
    form |= {name: str(policy[name]) for name in ("spam_threshold", "auto_approve_below")
             if name in policy}
    form["auto_approve"] = "1" if policy.get("auto_approve") else ""
    try:
        site = sites.create_site(db.session, key, settings["name"] or key)
        sites.update_site(site, site.name, "\n".join(settings["allowed_origins"]))
        site.policy = parse_policy(form) if policy else {}
        site.created_at = settings["created_at"] or site.created_at
    except (sites.SiteError, ValueError) as exc:
        raise ImportFileError(f"the export's site cannot be created here: {exc}") from None
    db.session.flush()
    return site
