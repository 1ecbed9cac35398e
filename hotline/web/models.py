"""What the UI remembers per person: saved queue filters and what they have already seen."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SavedFilter(models.Model):
    """A named set of list filters (a query string) one agent keeps, or shares with everyone."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters")
    scope = models.CharField(max_length=32, default="tickets")
    name = models.CharField(_("название"), max_length=80)
    query = models.CharField(_("условия"), max_length=1000)
    is_shared = models.BooleanField(_("видят все сотрудники"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("сохранённый фильтр")
        verbose_name_plural = _("сохранённые фильтры")
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["owner", "scope", "name"], name="saved_filter_name_once")]

    def __str__(self) -> str:
        return self.name


class SeenMarker(models.Model):
    """When a person last looked at something (``key`` like "ticket:42"), for "new since" notices."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="seen_marker_once")]
