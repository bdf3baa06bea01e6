"""The stored concepts, one module per area; import them from here."""
from .core import KINDS, SUBMISSION_KINDS, Decision, Item, Moderator, Site, Thread, utcnow
from .workplace import AuditEvent, ItemEdit, LoginThrottle, Note, SubmitterMessage
from .webhooks import WEBHOOK_EVENTS, WebhookDelivery, WebhookEndpoint, WebhookEvent
from .spam import Fingerprint, FingerprintBand, SpamModel, TrainingExample

__all__ = ["KINDS", "SUBMISSION_KINDS", "Decision", "Item", "Moderator", "Site", "Thread",
           "utcnow", "AuditEvent", "ItemEdit", "LoginThrottle", "Note", "SubmitterMessage",
           "WEBHOOK_EVENTS", "WebhookDelivery", "WebhookEndpoint", "WebhookEvent",
           "Fingerprint", "FingerprintBand", "SpamModel", "TrainingExample"]
