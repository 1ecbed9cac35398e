"""The ticket and what hangs off it: history, links, ratings, idempotent creation."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.customers.models import Contact, Organisation
from hotline.desk.choices import (
    OPEN_STATUSES,
    Channel,
    Impact,
    LinkKind,
    Priority,
    Status,
    Urgency,
)
from hotline.desk.models.config import Category, Queue


class Tag(models.Model):
    name = models.CharField(_("метка"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("метка")
        verbose_name_plural = _("метки")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def format_ticket_number(pk: int) -> str:
    return f"{settings.HOTLINE_TICKET_PREFIX}-{pk:06d}"


class Ticket(models.Model):
    """A request (заявка). Its human number is derived from the id: unique, never reused."""

    subject = models.CharField(_("тема"), max_length=255)
    description = models.TextField(_("описание"), blank=True)
    channel = models.CharField(_("канал"), max_length=16, choices=Channel.choices, default=Channel.PHONE)
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets", verbose_name=_("клиент")
    )
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        verbose_name=_("организация"),
    )
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("очередь"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
        verbose_name=_("исполнитель"),
    )
    status = models.CharField(_("статус"), max_length=20, choices=Status.choices, default=Status.NEW)
    impact = models.PositiveSmallIntegerField(_("влияние"), choices=Impact.choices, default=Impact.MEDIUM)
    urgency = models.PositiveSmallIntegerField(_("срочность"), choices=Urgency.choices, default=Urgency.MEDIUM)
    priority = models.PositiveSmallIntegerField(_("приоритет"), choices=Priority.choices, default=Priority.MEDIUM)
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        verbose_name=_("категория"),
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets")
    custom_fields = models.JSONField(_("дополнительные поля"), default=dict, blank=True)
    watchers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="watched_tickets")
    watcher_contacts = models.ManyToManyField(Contact, blank=True, related_name="watched_tickets")
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        verbose_name=_("родительская заявка"),
    )
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_from",
        verbose_name=_("объединена в"),
    )
    resolution_code = models.CharField(_("код решения"), max_length=20, blank=True)
    resolution_note = models.TextField(_("решение"), blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("уровень эскалации"), default=0)
    # The mailbox the request came to: replies go out from it, routing rules match on it.
    mailbox = models.CharField(_("почтовый ящик"), max_length=254, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Milestones.
    created_at = models.DateTimeField(_("создана"), default=timezone.now)
    updated_at = models.DateTimeField(_("изменена"), default=timezone.now)
    status_changed_at = models.DateTimeField(_("статус изменён"), default=timezone.now)
    assigned_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(_("первый ответ"), null=True, blank=True)
    last_customer_message_at = models.DateTimeField(null=True, blank=True)
    last_agent_message_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(_("решена"), null=True, blank=True)
    closed_at = models.DateTimeField(_("закрыта"), null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopen_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("заявка")
        verbose_name_plural = _("заявки")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["queue", "status", "priority", "created_at"], name="ticket_queue_idx"),
            # The queue page counts a queue's tickets per status under the visibility filter (assignee, watchers
            # by id): covered, those counts are index-only scans (about 9× faster at 100 k tickets, BENCHMARKS.md).
            models.Index(fields=["queue", "status", "assignee"], include=["id"], name="ticket_queue_counts_idx"),
            # …and lists a queue newest first: walked backwards, 50 rows cost ~60 index entries, not a sort of
            # every open ticket in the queue (SQLite picked the counts index and sorted: 50–550 ms at 100 k).
            models.Index(fields=["queue", "created_at", "id"], name="ticket_queue_recent_idx"),
            # Least-loaded assignment counts each candidate's open tickets: covered, an index-only scan (at 1 M
            # tickets 115 -> 29 ms per ticket opened in such a queue, BENCHMARKS.md).
            models.Index(fields=["assignee", "status"], include=["id"], name="ticket_assignee_idx"),
            models.Index(fields=["contact", "created_at"], name="ticket_contact_idx"),
            models.Index(fields=["organisation", "created_at"], name="ticket_org_idx"),
            models.Index(fields=["status", "resolved_at"], name="ticket_status_resolved_idx"),
            models.Index(fields=["created_at", "id"], name="ticket_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def number(self) -> str:
        return format_ticket_number(self.pk) if self.pk else ""

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class TicketHistory(models.Model):
    """One change of one field of a ticket, for the timeline and for reports."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="history")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=32)
    field = models.CharField(max_length=40, blank=True)
    old_value = models.CharField(max_length=255, blank=True)
    new_value = models.CharField(max_length=255, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("изменение заявки")
        verbose_name_plural = _("история заявок")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ticket", "at"], name="ticket_history_idx")]


class TicketLink(models.Model):
    source = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=16, choices=LinkKind.choices, default=LinkKind.RELATED)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("связь заявок")
        verbose_name_plural = _("связи заявок")
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="ticket_link_once"),
            models.CheckConstraint(condition=~models.Q(source=models.F("target")), name="ticket_link_not_self"),
        ]


class SatisfactionRating(models.Model):
    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="rating")
    score = models.PositiveSmallIntegerField(_("оценка"))
    comment = models.TextField(_("комментарий"), blank=True)
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("оценка качества")
        verbose_name_plural = _("оценки качества")
        constraints = [
            models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="rating_score_1_5"),
        ]
