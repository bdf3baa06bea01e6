"""Where imported items came from: one row per record a source exported, keyed by the
source's own id, so running an import again stores nothing twice and a reply finds a
parent that an earlier run stored."""
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from moderation.extensions import db
from moderation.store.core import Item, utcnow


class ImportRecord(db.Model):
    __tablename__ = "import_record"
    # source_id first: a batch looks its records up with source_id = ANY(...), which this
    # index then answers whatever the planner's statistics say (with site_id first, a
    # table not analysed yet was scanned per site for every batch).
    __table_args__ = (UniqueConstraint("source_id", "site_id", "source"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    source: Mapped[str] = mapped_column(String(20))  # wordpress, disqus, isso, json
    source_id: Mapped[str] = mapped_column(String(200))
    # Erasing a reader's data (privacy.erase) deletes the item but keeps this row, so a
    # later run of the same import does not bring the erased comment back.
    item_id: Mapped[int | None] = mapped_column(
        ForeignKey("item.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[Item | None] = relationship()
