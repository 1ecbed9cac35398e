"""Campaigns and their dispositions: create, configure, start, pause, finish."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import time
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.campaigns.choices import (
    CAMPAIGN_TRANSITIONS,
    CallOutcome,
    CampaignKind,
    CampaignStatus,
    DialingMode,
    LeadStatus,
)
from hotline.campaigns.events import CampaignCreated, CampaignStatusChanged
from hotline.campaigns.models import Campaign, Disposition, Gateway, Lead
from hotline.campaigns.rules.windows import LEGAL_DEBT_HOURS
from hotline.campaigns.services.common import actor_id, clean_multiline, clean_text, require_manager
from hotline.core import audit, roles
from hotline.core.contact_points import parse_phone
from hotline.core.errors import Conflict, InvalidTransition, ValidationFailed
from hotline.core.events import publish
from hotline.core.models import AuditLog, User
from hotline.telephony.models import PbxSource

_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MAX_ATTEMPTS_LIMIT = 50


@dataclass(frozen=True)
class DispositionSpec:
    code: str
    name: str
    flags: dict[str, bool] = field(default_factory=dict)
    retry_minutes: int | None = None
    auto_outcome: str = ""


_COMMON = (
    DispositionSpec("no_answer", "Не отвечает", {}, 120, CallOutcome.NO_ANSWER),
    DispositionSpec("busy", "Занято", {}, 30, CallOutcome.BUSY),
    DispositionSpec("failed", "Ошибка вызова", {}, 60, CallOutcome.FAILED),
    DispositionSpec("machine", "Автоответчик", {}, 240),
    DispositionSpec("third_party", "Ответил другой человек", {"human_answered": True}, 240),
    DispositionSpec("callback", "Перезвонить позже", {"human_answered": True, "is_contact": True, "is_callback": True}),
    DispositionSpec(
        "not_interested",
        "Отказ, не интересно",
        {"human_answered": True, "is_contact": True, "not_interested": True, "completes_lead": True},
    ),
    DispositionSpec(
        "do_not_call",
        "Просит больше не звонить",
        {"human_answered": True, "is_contact": True, "is_dnc": True, "completes_lead": True},
    ),
    DispositionSpec(
        "wrong_number", "Неверный номер", {"human_answered": True, "unworkable": True, "completes_lead": True}
    ),
)
_SUCCESS = {"human_answered": True, "is_contact": True, "is_success": True, "completes_lead": True}
_BY_KIND: dict[str, tuple[DispositionSpec, ...]] = {
    CampaignKind.INFORMATION: (DispositionSpec("informed", "Проинформирован", _SUCCESS),),
    CampaignKind.SURVEY: (DispositionSpec("survey_done", "Опрос пройден", _SUCCESS),),
    CampaignKind.DEBT: (
        DispositionSpec("promise_to_pay", "Обещание оплатить", _SUCCESS),
        DispositionSpec("paid", "Уже оплатил", _SUCCESS),
        DispositionSpec(
            "dispute", "Не согласен с долгом", {"human_answered": True, "is_contact": True, "completes_lead": True}
        ),
    ),
    CampaignKind.WINBACK: (DispositionSpec("returned", "Согласен вернуться", _SUCCESS),),
    CampaignKind.ADVERTISING: (DispositionSpec("interested", "Заинтересовался предложением", _SUCCESS),),
}
FLAG_FIELDS = (
    "human_answered",
    "is_contact",
    "is_success",
    "is_callback",
    "is_dnc",
    "not_interested",
    "unworkable",
    "completes_lead",
)


@dataclass(frozen=True)
class CampaignInput:
    name: str
    code: str
    kind: str = CampaignKind.INFORMATION
    description: str = ""
    script: str = ""
    dialing_mode: str = DialingMode.PREVIEW
    gateway_id: int | None = None
    pbx_source_id: int | None = None
    caller_id: str = ""
    ring_timeout_s: int = 30
    max_attempts: int = 3
    default_retry_minutes: int = 120
    workday_start: time = time(9)
    workday_end: time = time(21)
    dayoff_start: time | None = time(10)
    dayoff_end: time | None = time(19)
    callback_grace_minutes: int = 60
    agent_ids: Sequence[int] = ()


def _clean(data: CampaignInput, *, campaign: Campaign | None) -> dict[str, Any]:
    name = clean_text(data.name, field="name", max_length=160, label=_("Название"), required=True)
    code = (data.code or "").strip().lower()
    if not _CODE.match(code):
        raise ValidationFailed(
            _("Код — латиница, цифры, «-» и «_», до 64 символов, например debt-2026-03"), field="code"
        )
    if Campaign.objects.filter(code=code).exclude(pk=campaign.pk if campaign else 0).exists():
        raise ValidationFailed(_("Кампания с кодом «%(code)s» уже есть") % {"code": code}, field="code")
    if data.kind not in CampaignKind.values:
        raise ValidationFailed(_("Неизвестный тип кампании"), field="kind")
    if data.dialing_mode not in DialingMode.values:
        raise ValidationFailed(_("Неизвестный режим набора"), field="dialing_mode")
    if not 1 <= data.max_attempts <= MAX_ATTEMPTS_LIMIT:
        raise ValidationFailed(_("Попыток на номер — от 1 до %(n)d") % {"n": MAX_ATTEMPTS_LIMIT}, field="max_attempts")
    if not 1 <= data.default_retry_minutes <= 60 * 24 * 30:
        raise ValidationFailed(_("Интервал повтора — от 1 минуты до 30 дней"), field="default_retry_minutes")
    if not 0 <= data.callback_grace_minutes <= 60 * 24 * 7:
        raise ValidationFailed(_("Ожидание своего оператора — не больше недели"), field="callback_grace_minutes")
    if data.workday_start >= data.workday_end:
        raise ValidationFailed(_("Время звонков в будни: начало должно быть раньше конца"), field="workday_end")
    if (data.dayoff_start is None) != (data.dayoff_end is None):
        raise ValidationFailed(
            _("Укажите и начало, и конец звонков в выходные (или ни то, ни другое)"), field="dayoff_end"
        )
    if data.dayoff_start is not None and data.dayoff_end is not None and data.dayoff_start >= data.dayoff_end:
        raise ValidationFailed(_("Время звонков в выходные: начало должно быть раньше конца"), field="dayoff_end")
    if data.kind == CampaignKind.DEBT:
        legal_work, legal_off = LEGAL_DEBT_HOURS.workday, LEGAL_DEBT_HOURS.dayoff
        assert legal_work is not None
        assert legal_off is not None
        if data.workday_start < legal_work[0] or data.workday_end > legal_work[1]:
            raise ValidationFailed(
                _("230-ФЗ: должникам в рабочие дни можно звонить только с 08:00 до 22:00 по их местному времени"),
                field="workday_start",
            )
        if (
            data.dayoff_start is not None
            and data.dayoff_end is not None
            and (data.dayoff_start < legal_off[0] or data.dayoff_end > legal_off[1])
        ):
            raise ValidationFailed(
                _(
                    "230-ФЗ: в выходные и праздники должникам можно звонить только с 09:00 до 20:00 "
                    "по их местному времени"
                ),
                field="dayoff_start",
            )
    gateway = None
    if data.gateway_id is not None:
        gateway = Gateway.objects.filter(pk=data.gateway_id, is_active=True).first()
        if gateway is None:
            raise ValidationFailed(_("Шлюз вызовов не найден или выключен"), field="gateway_id")
    pbx_source = None
    if data.pbx_source_id is not None:
        pbx_source = PbxSource.objects.filter(pk=data.pbx_source_id, is_active=True).first()
        if pbx_source is None:
            raise ValidationFailed(_("АТС не найдена или выключена"), field="pbx_source_id")
        if gateway is not None:
            raise ValidationFailed(_("Звоните либо через АТС, либо через шлюз — не через оба"), field="pbx_source_id")
    if data.dialing_mode == DialingMode.PROGRESSIVE and gateway is None and pbx_source is None:
        raise ValidationFailed(
            _("Прогрессивный набор звонит через АТС: выберите АТС или шлюз вызовов"), field="pbx_source_id"
        )
    caller_id = clean_text(data.caller_id, field="caller_id", max_length=32, label=_("Номер, который видит абонент"))
    if caller_id:
        try:
            caller_id = parse_phone(caller_id).e164
        except ValidationFailed as exc:
            raise ValidationFailed(exc.message, field="caller_id") from exc
    if not 5 <= data.ring_timeout_s <= 300:
        raise ValidationFailed(_("Ожидание ответа — от 5 до 300 секунд"), field="ring_timeout_s")
    agents = list(User.objects.filter(pk__in=list(data.agent_ids), is_active=True))
    if len(agents) != len(set(data.agent_ids)) or any(not roles.is_agent(a) for a in agents):
        raise ValidationFailed(_("Операторами кампании могут быть только активные сотрудники"), field="agent_ids")
    return {
        "name": name,
        "code": code,
        "kind": data.kind,
        "description": clean_multiline(data.description, field="description", max_length=5000, label=_("Описание")),
        "script": clean_multiline(data.script, field="script", max_length=20000, label=_("Скрипт")),
        "dialing_mode": data.dialing_mode,
        "gateway": gateway,
        "pbx_source": pbx_source,
        "caller_id": caller_id,
        "ring_timeout_s": data.ring_timeout_s,
        "max_attempts": data.max_attempts,
        "default_retry_minutes": data.default_retry_minutes,
        "workday_start": data.workday_start,
        "workday_end": data.workday_end,
        "dayoff_start": data.dayoff_start,
        "dayoff_end": data.dayoff_end,
        "callback_grace_minutes": data.callback_grace_minutes,
        "agents": agents,
    }


def _default_dispositions(campaign: Campaign) -> None:
    specs = (*_BY_KIND.get(campaign.kind, ()), *_COMMON)
    Disposition.objects.bulk_create(
        Disposition(
            campaign=campaign,
            code=spec.code,
            name=spec.name,
            position=index,
            retry_minutes=spec.retry_minutes,
            auto_outcome=spec.auto_outcome,
            **{flag: spec.flags.get(flag, False) for flag in FLAG_FIELDS},
        )
        for index, spec in enumerate(specs)
    )


@transaction.atomic
def create_campaign(*, actor: User | None, data: CampaignInput) -> Campaign:
    """A draft campaign with the default dispositions of its kind.

    Raises:
        Forbidden: the actor is not a supervisor.
        ValidationFailed: a value is out of range (``field`` names it); hours outside 230-ФЗ for a debt campaign.
    """
    require_manager(actor)
    values = _clean(data, campaign=None)
    agents = values.pop("agents")
    campaign = Campaign.objects.create(created_by=actor, **values)
    campaign.agents.set(agents)
    _default_dispositions(campaign)
    audit.record(actor=actor, action=AuditLog.Action.CREATE, obj=campaign, summary=campaign.name)
    publish(CampaignCreated(actor_id=actor_id(actor), campaign_id=campaign.pk))
    return campaign


@transaction.atomic
def update_campaign(*, actor: User | None, campaign: Campaign, data: CampaignInput) -> Campaign:
    """Change a campaign's settings (its kind is fixed once it has leads: the rules it was loaded under).

    Raises:
        Forbidden, ValidationFailed: as ``create_campaign``.
        Conflict: the campaign is finished, or its kind changes after leads were loaded.
    """
    require_manager(actor)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status == CampaignStatus.FINISHED:
        raise Conflict(_("Кампания завершена, её настройки не меняются"))
    values = _clean(data, campaign=campaign)
    if values["kind"] != campaign.kind and Lead.objects.filter(campaign=campaign).exists():
        raise Conflict(_("Тип кампании не меняется после загрузки списков"), field="kind")
    agents = values.pop("agents")
    changes = {k: [str(getattr(campaign, k)), str(v)] for k, v in values.items() if getattr(campaign, k) != v}
    for key, value in values.items():
        setattr(campaign, key, value)
    campaign.updated_at = timezone.now()
    campaign.save(update_fields=[*values, "updated_at"])
    campaign.agents.set(agents)
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, obj=campaign, summary=campaign.name, changes=changes)
    return campaign


@transaction.atomic
def change_campaign_status(*, actor: User | None, campaign: Campaign, status: str) -> Campaign:
    """Start, pause, resume or finish a campaign.

    Raises:
        Forbidden: the actor is not a supervisor.
        InvalidTransition: the move is not allowed from the current status.
        ValidationFailed: starting without leads, or without a working PBX or gateway for progressive dialing.
    """
    require_manager(actor)
    campaign = (
        Campaign.objects.select_for_update(of=("self",)).select_related("gateway", "pbx_source").get(pk=campaign.pk)
    )
    old = campaign.status
    if status not in CAMPAIGN_TRANSITIONS.get(old, frozenset()):
        raise InvalidTransition(
            _("Нельзя перевести кампанию из состояния «%(old)s» в «%(new)s»")
            % {
                "old": CampaignStatus(old).label,
                "new": CampaignStatus(status).label if status in CampaignStatus.values else status,
            },
            field="status",
        )
    now = timezone.now()
    fields = ["status", "updated_at"]
    if status == CampaignStatus.RUNNING:
        if not Lead.objects.filter(campaign=campaign, call_list__is_active=True).exists():
            raise ValidationFailed(_("Загрузите список обзвона перед запуском"), field="status")
        if not campaign.dispositions.filter(is_active=True).exists():
            raise ValidationFailed(_("Нет ни одного результата звонка"), field="status")
        if campaign.dialing_mode == DialingMode.PROGRESSIVE and not campaign.places_calls:
            raise ValidationFailed(
                _("Прогрессивному набору нужна включённая АТС или шлюз вызовов"), field="pbx_source_id"
            )
        if campaign.started_at is None:
            campaign.started_at = now
            fields.append("started_at")
    if status == CampaignStatus.FINISHED:
        campaign.finished_at = now
        fields.append("finished_at")
        # Reserved leads go back: nobody works a finished campaign.
        Lead.objects.filter(campaign=campaign, status=LeadStatus.IN_PROGRESS).update(
            status=LeadStatus.RETRY, agent=None, reserved_at=None, updated_at=now
        )
    campaign.status = status
    campaign.updated_at = now
    campaign.save(update_fields=fields)
    audit.record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=campaign,
        summary=f"{campaign.name}: {old} → {status}",
        changes={"status": [old, status]},
    )
    publish(CampaignStatusChanged(actor_id=actor_id(actor), campaign_id=campaign.pk, old_status=old, new_status=status))
    return campaign


@dataclass(frozen=True)
class DispositionInput:
    code: str
    name: str
    flags: dict[str, bool] = field(default_factory=dict)
    retry_minutes: int | None = None
    auto_outcome: str = ""
    position: int = 0
    is_active: bool = True


def _clean_disposition(campaign: Campaign, data: DispositionInput, *, existing: Disposition | None) -> dict[str, Any]:
    code = (data.code or "").strip().lower()
    if not _CODE.match(code) or len(code) > 40:
        raise ValidationFailed(_("Код результата — латиница, цифры, «-» и «_», до 40 символов"), field="code")
    clash = Disposition.objects.filter(campaign=campaign, code=code)
    if existing is not None:
        clash = clash.exclude(pk=existing.pk)
    if clash.exists():
        raise ValidationFailed(_("Результат с кодом «%(code)s» уже есть") % {"code": code}, field="code")
    name = clean_text(data.name, field="name", max_length=120, label=_("Название"), required=True)
    unknown = set(data.flags) - set(FLAG_FIELDS)
    if unknown:
        raise ValidationFailed(_("Неизвестные признаки: %(f)s") % {"f": ", ".join(sorted(unknown))}, field="flags")
    flags = {flag: bool(data.flags.get(flag, False)) for flag in FLAG_FIELDS}
    if flags["is_success"] or flags["is_contact"] or flags["is_dnc"] or flags["not_interested"]:
        flags["human_answered"] = True  # a conversation took place: it counts against 230-ФЗ
    if flags["is_callback"] and (flags["completes_lead"] or flags["is_dnc"] or flags["unworkable"]):
        raise ValidationFailed(_("Перезвон не сочетается с завершением работы с номером"), field="flags")
    if data.retry_minutes is not None and not 1 <= data.retry_minutes <= 60 * 24 * 30:
        raise ValidationFailed(_("Повтор — от 1 минуты до 30 дней"), field="retry_minutes")
    if data.auto_outcome and data.auto_outcome not in (CallOutcome.NO_ANSWER, CallOutcome.BUSY, CallOutcome.FAILED):
        raise ValidationFailed(
            _("Автоматически ставятся только «не ответили», «занято», «ошибка»"), field="auto_outcome"
        )
    if data.auto_outcome:
        other = Disposition.objects.filter(campaign=campaign, auto_outcome=data.auto_outcome, is_active=True)
        if existing is not None:
            other = other.exclude(pk=existing.pk)
        if other.exists():
            raise ValidationFailed(_("Для этого исхода автоматический результат уже задан"), field="auto_outcome")
    return {
        "code": code,
        "name": name,
        "retry_minutes": data.retry_minutes,
        "auto_outcome": data.auto_outcome,
        "position": max(0, min(data.position, 32000)),
        "is_active": data.is_active,
        **flags,
    }


@transaction.atomic
def save_disposition(
    *, actor: User | None, campaign: Campaign, data: DispositionInput, disposition: Disposition | None = None
) -> Disposition:
    """Create a disposition or change one (a used code stays: attempts point at it).

    Raises:
        Forbidden, ValidationFailed, Conflict (the campaign is finished).
    """
    require_manager(actor)
    if campaign.status == CampaignStatus.FINISHED:
        raise Conflict(_("Кампания завершена, её настройки не меняются"))
    values = _clean_disposition(campaign, data, existing=disposition)
    if disposition is None:
        disposition = Disposition.objects.create(campaign=campaign, **values)
        action = AuditLog.Action.CREATE
    else:
        if disposition.campaign_id != campaign.pk:
            raise ValidationFailed(_("Результат относится к другой кампании"), field="disposition_id")
        for key, value in values.items():
            setattr(disposition, key, value)
        disposition.save(update_fields=list(values))
        action = AuditLog.Action.UPDATE
    audit.record(actor=actor, action=action, obj=disposition, summary=f"{campaign.code}: {disposition.name}")
    return disposition
