"""Contacts, organisations and their contact points."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def search_text(value: str) -> str:
    """The form names are compared in: case-folded, «ё» as «е», single spaces.

    Kept in a column so search is an indexed exact/prefix match on every database: SQLite's
    LIKE and UPPER fold only ASCII, and people type «Семенов» for «Семёнов».
    """
    return " ".join(value.casefold().replace("ё", "е").split())


def _with_search_field(update_fields: Iterable[str] | None, source: str) -> list[str] | None:
    if update_fields is None:
        return None
    fields = list(update_fields)
    if source in fields and "search_name" not in fields:
        fields.append("search_name")
    return fields


class Tag(models.Model):
    name = models.CharField(_("метка"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("метка клиента")
        verbose_name_plural = _("метки клиентов")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    name = models.CharField(_("название"), max_length=255)
    search_name = models.CharField(max_length=255, blank=True, db_index=True, editable=False)
    inn = models.CharField(_("ИНН"), max_length=12, blank=True, db_index=True)
    kpp = models.CharField(_("КПП"), max_length=9, blank=True)
    address = models.CharField(_("адрес"), max_length=500, blank=True)
    phone = models.CharField(_("телефон (E.164)"), max_length=20, blank=True, db_index=True)
    phone_extension = models.CharField(_("добавочный"), max_length=10, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    domain = models.CharField(_("почтовый домен"), max_length=255, blank=True, db_index=True)
    notes = models.TextField(_("заметки"), blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="organisations")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("организация")
        verbose_name_plural = _("организации")
        ordering = ["name"]
        constraints = [
            # Branches share an INN and differ by KPP; the same pair twice is the same legal entity.
            models.UniqueConstraint(fields=["inn", "kpp"], condition=~Q(inn=""), name="organisation_inn_kpp_once"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_name = search_text(self.name)
        kwargs["update_fields"] = _with_search_field(kwargs.get("update_fields"), "name")
        super().save(*args, **kwargs)


class Contact(models.Model):
    """A person: a caller, a resident, an employee who asks for help."""

    last_name = models.CharField(_("фамилия"), max_length=100, blank=True)
    first_name = models.CharField(_("имя"), max_length=100, blank=True)
    middle_name = models.CharField(_("отчество"), max_length=100, blank=True)
    full_name = models.CharField(_("ФИО"), max_length=320, blank=True)
    # The full name in search form (see ``search_text``), so name search is one indexed prefix scan.
    search_name = models.CharField(max_length=320, blank=True, db_index=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    position = models.CharField(_("должность"), max_length=200, blank=True)
    notes = models.TextField(_("заметки"), blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="contacts")
    language = models.CharField(_("язык"), max_length=8, default="ru")
    time_zone = models.CharField(_("часовой пояс"), max_length=64, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="contact"
    )
    # Granted per person: a customer sees the tickets of their whole organisation.
    can_view_organisation_tickets = models.BooleanField(_("видит заявки организации"), default=False)
    pd_consent_at = models.DateTimeField(_("согласие на обработку ПДн"), null=True, blank=True)
    pd_consent_source = models.CharField(_("источник согласия"), max_length=200, blank=True)
    pd_consent_withdrawn_at = models.DateTimeField(_("согласие отозвано"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    merged_at = models.DateTimeField(_("объединён"), null=True, blank=True)
    erased_at = models.DateTimeField(_("обезличен"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("контакт")
        verbose_name_plural = _("контакты")
        ordering = ["full_name", "id"]

    def __str__(self) -> str:
        return self.full_name or f"#{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_name = search_text(self.full_name)
        kwargs["update_fields"] = _with_search_field(kwargs.get("update_fields"), "full_name")
        super().save(*args, **kwargs)

    @property
    def is_active(self) -> bool:
        return self.merged_into_id is None and self.erased_at is None

    @property
    def has_consent(self) -> bool:
        """Consent to personal-data processing is given and not withdrawn since."""
        return self.pd_consent_at is not None and (
            self.pd_consent_withdrawn_at is None or self.pd_consent_withdrawn_at < self.pd_consent_at
        )


class ConsentRecord(models.Model):
    """One grant or withdrawal of consent: the evidence, kept after the contact is erased.

    ``kind``: to personal-data processing (152-ФЗ art. 9; its current state is also on the contact), or to
    advertising calls and messages (38-ФЗ «О рекламе» art. 18: prior consent, revocable at any time; its current
    state is the contact's latest advertising record).
    """

    class Action(models.TextChoices):
        GRANTED = "granted", _("дано")
        WITHDRAWN = "withdrawn", _("отозвано")

    class Kind(models.TextChoices):
        PERSONAL_DATA = "pd", _("обработка персональных данных")
        ADVERTISING = "advertising", _("реклама (38-ФЗ, ст. 18)")

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="consent_records")
    kind = models.CharField(_("на что"), max_length=16, choices=Kind.choices, default=Kind.PERSONAL_DATA)
    action = models.CharField(_("действие"), max_length=16, choices=Action.choices)
    at = models.DateTimeField(_("когда"), default=timezone.now)
    source = models.CharField(_("источник"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("согласие на обработку ПДн")
        verbose_name_plural = _("согласия на обработку ПДн")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["contact", "at"], name="consent_contact_idx"),
            models.Index(fields=["kind", "contact", "at"], name="consent_kind_contact_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} {self.kind} {self.action} {self.at:%Y-%m-%d}"

    @property
    def is_granted(self) -> bool:
        return self.action == self.Action.GRANTED


class ContactPhone(models.Model):
    class Kind(models.TextChoices):
        MOBILE = "mobile", _("мобильный")
        WORK = "work", _("рабочий")
        HOME = "home", _("домашний")
        OTHER = "other", _("другой")

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phones")
    # E.164 without the extension: the screen-pop looks calls up by this column alone.
    e164 = models.CharField(_("номер (E.164)"), max_length=20, db_index=True)
    extension = models.CharField(_("добавочный"), max_length=10, blank=True)
    kind = models.CharField(_("тип"), max_length=10, choices=Kind.choices, default=Kind.MOBILE)
    is_primary = models.BooleanField(default=False)
    failing = models.BooleanField(_("недоступен"), default=False)

    class Meta:
        verbose_name = _("телефон")
        verbose_name_plural = _("телефоны")
        constraints = [
            models.UniqueConstraint(fields=["contact", "e164", "extension"], name="contact_phone_once"),
        ]

    def __str__(self) -> str:
        return f"{self.e164} доб. {self.extension}" if self.extension else self.e164


class ContactEmail(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="emails")
    email = models.EmailField(_("e-mail"), db_index=True)  # stored lower-cased
    is_primary = models.BooleanField(default=False)
    failing = models.BooleanField(_("письма не доходят"), default=False)
    failing_reason = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name = _("e-mail")
        verbose_name_plural = _("e-mail")
        constraints = [models.UniqueConstraint(fields=["contact", "email"], name="contact_email_once")]

    def __str__(self) -> str:
        return self.email


class MessengerAccount(models.Model):
    class Kind(models.TextChoices):
        TELEGRAM = "telegram", "Telegram"
        WHATSAPP = "whatsapp", "WhatsApp"
        VK = "vk", "VK"
        MAX = "max", "MAX"
        VIBER = "viber", "Viber"
        OTHER = "other", _("другой")

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="messengers")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    external_id = models.CharField(_("идентификатор"), max_length=128)

    class Meta:
        verbose_name = _("мессенджер")
        verbose_name_plural = _("мессенджеры")
        constraints = [
            models.UniqueConstraint(fields=["contact", "kind", "external_id"], name="contact_messenger_once"),
        ]
        indexes = [models.Index(fields=["kind", "external_id"], name="messenger_lookup_idx")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.external_id}"
