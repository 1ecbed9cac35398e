"""The notify app's models, re-exported: ``from hotline.notify.models import EmailDelivery``."""

from hotline.notify.models.config import MailOptOut, NotificationPreference, NotificationTemplate, Webhook
from hotline.notify.models.records import (
    RETRYABLE,
    DeliveryState,
    DeliveryStatus,
    EmailDelivery,
    Notification,
    WebhookDelivery,
)

__all__ = [
    "RETRYABLE",
    "DeliveryState",
    "DeliveryStatus",
    "EmailDelivery",
    "MailOptOut",
    "Notification",
    "NotificationPreference",
    "NotificationTemplate",
    "Webhook",
    "WebhookDelivery",
]
