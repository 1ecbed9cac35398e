"""Names of statuses, priorities and SLA targets in the recipient's language.

Mail goes to people whatever language the sender's screen is in, so these do not depend on the
active translation: Russian comes from the desk's choices, English from here.
"""

from __future__ import annotations

from django.utils import translation

from hotline.desk.choices import Priority, Status

_EN_STATUS = {
    Status.NEW: "new",
    Status.OPEN: "in progress",
    Status.PENDING_CUSTOMER: "waiting for you",
    Status.PENDING_THIRD_PARTY: "waiting for a third party",
    Status.RESOLVED: "resolved",
    Status.CLOSED: "closed",
    Status.CANCELLED: "cancelled",
}
# What a customer reads: "waiting for the customer" is "waiting for you" to them.
_RU_STATUS_FOR_CUSTOMER = {Status.PENDING_CUSTOMER: "ожидает вашего ответа"}
_EN_PRIORITY = {Priority.CRITICAL: "critical", Priority.HIGH: "high", Priority.MEDIUM: "medium", Priority.LOW: "low"}
_SLA_TARGETS = {
    "ru": {"first_response": "первый ответ", "next_response": "следующий ответ", "resolution": "решение"},
    "en": {"first_response": "first response", "next_response": "next response", "resolution": "resolution"},
}


def _russian(label: object) -> str:
    with translation.override("ru"):
        return str(label)


def status_label(status: str, language: str, *, for_customer: bool = False) -> str:
    if status not in Status.values:
        return status
    if language == "en":
        label = _EN_STATUS[Status(status)]
        return "waiting for the customer" if status == Status.PENDING_CUSTOMER and not for_customer else label
    if for_customer and status in _RU_STATUS_FOR_CUSTOMER:
        return _RU_STATUS_FOR_CUSTOMER[Status(status)]
    return _russian(Status(status).label)


def priority_label(priority: int, language: str) -> str:
    if priority not in Priority.values:
        return str(priority)
    if language == "en":
        return _EN_PRIORITY[Priority(priority)]
    return _russian(Priority(priority).label)


def sla_target_label(target: str, language: str) -> str:
    return _SLA_TARGETS.get(language, _SLA_TARGETS["ru"]).get(target, target)
