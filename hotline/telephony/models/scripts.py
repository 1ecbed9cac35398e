"""Call scripts: versioned graphs of what the operator says and asks, and the runs made of them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.customers.models import Contact
from hotline.desk.models import Category, Ticket
from hotline.telephony.choices import RunStatus, ScriptStatus
from hotline.telephony.models.calls import Call, Line


class CallScript(models.Model):
    """A script and where it applies: its lines, ticket categories, or an outbound campaign's code."""

    name = models.CharField(_("название"), max_length=160)
    description = models.TextField(_("описание"), blank=True)
    is_active = models.BooleanField(_("используется"), default=True)
    lines = models.ManyToManyField(Line, blank=True, related_name="scripts", verbose_name=_("линии"))
    categories = models.ManyToManyField(Category, blank=True, related_name="+", verbose_name=_("категории"))
    # Campaigns sit above telephony, so they are named by code rather than referenced.
    campaign_code = models.SlugField(_("код кампании"), max_length=64, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("скрипт разговора")
        verbose_name_plural = _("скрипты разговора")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class ScriptVersion(models.Model):
    """One version of a script's graph. A draft is edited; a published version never changes again."""

    script = models.ForeignKey(CallScript, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("версия"))
    status = models.CharField(_("состояние"), max_length=10, choices=ScriptStatus.choices, default=ScriptStatus.DRAFT)
    graph: models.JSONField[dict[str, Any]] = models.JSONField(default=dict)
    note = models.CharField(_("что изменилось"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("версия скрипта")
        verbose_name_plural = _("версии скриптов")
        ordering = ["script", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["script", "number"], name="script_version_number_once"),
            models.UniqueConstraint(fields=["script"], condition=Q(status=ScriptStatus.DRAFT), name="script_one_draft"),
            models.UniqueConstraint(
                fields=["script"], condition=Q(status=ScriptStatus.PUBLISHED), name="script_one_published"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.script} v{self.number}"

    @property
    def nodes(self) -> list[dict[str, Any]]:
        nodes = self.graph.get("nodes", [])
        return nodes if isinstance(nodes, list) else []


class ScriptRun(models.Model):
    """An operator going through a script during a call: the path, the answers typed in, what it ended with.

    It points at the exact version used (PROTECT), so a ticket keeps the script it was handled by.
    """

    version = models.ForeignKey(ScriptVersion, on_delete=models.PROTECT, related_name="runs")
    call = models.ForeignKey(Call, null=True, blank=True, on_delete=models.SET_NULL, related_name="script_runs")
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.ACTIVE)
    # [{"node": key, "answer": index | None, "values": {...}, "at": iso}], the current node is the last one's target.
    path: models.JSONField[list[dict[str, Any]]] = models.JSONField(default=list, blank=True)
    current = models.CharField(max_length=64)
    values: models.JSONField[dict[str, Any]] = models.JSONField(default=dict, blank=True)
    context: models.JSONField[dict[str, Any]] = models.JSONField(default=dict, blank=True)
    outcome: models.JSONField[dict[str, Any]] = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("прохождение скрипта")
        verbose_name_plural = _("прохождения скриптов")
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["ticket", "started_at"], name="script_run_ticket_idx"),
            models.Index(fields=["call"], name="script_run_call_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.version} · {self.get_status_display()}"
