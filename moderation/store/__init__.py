"""The stored concepts, one module per area; import them from here."""
from moderation.store.community import Report, Reporter, Standing, Verification
from moderation.store.core import (
           KINDS,
           SUBMISSION_KINDS,
           Decision,
           Item,
           Moderator,
           Site,
           Thread,
           utcnow,
)
from moderation.store.imports import ImportRecord
from moderation.store.intake import IdempotencyKey, SpentFormToken
from moderation.store.mail import Mail
from moderation.store.outbox import Event
from moderation.store.spam import Fingerprint, FingerprintBand, SpamModel, TrainingExample
from moderation.store.toxicity import Nudge, ToxicityExample, ToxicityModel
from moderation.store.webhooks import (
           WEBHOOK_EVENTS,
           WebhookDelivery,
           WebhookEndpoint,
           WebhookEvent,
)
from moderation.store.workplace import AuditEvent, ItemEdit, LoginThrottle, Note, SubmitterMessage

__all__ = ["KINDS", "SUBMISSION_KINDS", "Decision", "Item", "Moderator", "Site", "Thread",
           "utcnow", "IdempotencyKey", "SpentFormToken", "ImportRecord", "Mail", "Event", "AuditEvent", "ItemEdit",
           "LoginThrottle", "Note", "SubmitterMessage", "WEBHOOK_EVENTS", "WebhookDelivery",
           "WebhookEndpoint", "WebhookEvent", "Fingerprint", "FingerprintBand", "SpamModel",
           "TrainingExample", "Report", "Reporter", "Standing", "Verification", "Nudge",
           "ToxicityExample", "ToxicityModel"]
