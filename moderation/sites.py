"""Sites: every install has `default`; admins add more."""
from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Site


def ensure_default(session: Session) -> Site:
    """The `default` site, created when missing (not committed)."""
    site = session.scalar(select(Site).where(Site.key == "default"))
    if site is None:
        site = Site(key="default", name="Default site", allowed_origins=[], policy={})
        session.add(site)
    return site
