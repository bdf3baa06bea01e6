"""The stored concepts, one module per area; import them from here."""
from .core import KINDS, SUBMISSION_KINDS, Decision, Item, Moderator, Site, Thread, utcnow

__all__ = ["KINDS", "SUBMISSION_KINDS", "Decision", "Item", "Moderator", "Site", "Thread",
           "utcnow"]
