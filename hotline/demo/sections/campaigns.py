"""Campaigns: a debt-reminder campaign (informing residents of arrears, no advertising) in preview mode with no
call gateway, so nothing is dialled for real: a call list built from tagged contacts and a few calls already
made with their results. Calls are placed only inside the legal calling hours (230-ФЗ, the debtor's local
time): outside them the list waits, as it would for a real agent."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from hotline.campaigns.choices import CampaignKind, CampaignStatus, DialingMode
from hotline.campaigns.models import Campaign, Disposition
from hotline.campaigns.services.campaigns import CampaignInput, change_campaign_status, create_campaign
from hotline.campaigns.services.dialer import dial_lead, join_campaign, leave_campaign, next_lead, set_disposition
from hotline.campaigns.services.imports import build_segment_list, run_import
from hotline.core.errors import Conflict
from hotline.customers.models import Tag
from hotline.customers.services import set_tags, update_contact

if TYPE_CHECKING:
    from hotline.demo.modules import Demo

DEBTOR_TAG = "должник"  # tags are kept lower-case
SCRIPT = (
    "Здравствуйте! Вас беспокоит абонентский отдел управляющей компании «Домовой». Меня зовут {оператор}. "
    "Могу я поговорить с {ФИО}?\n\n"
    "Напоминаем, что по лицевому счёту {лицевой счёт} есть задолженность за жилищно-коммунальные услуги. "
    "Оплатить можно по QR-коду в квитанции или в личном кабинете. Если вы уже оплатили — назовите, пожалуйста, "
    "дату платежа, мы проверим.\n\n"
    "Если есть трудности с оплатой, можно заключить соглашение о рассрочке в абонентском отделе."
)
# The results the agents recorded, in the order the leads came up.
RESULTS = (
    ("promise_to_pay", "Обещала оплатить до 25-го числа"),
    ("paid", "Оплатил вчера через банк, проверить поступление"),
    ("no_answer", ""),
    ("callback", "Просит перезвонить вечером, сейчас за рулём"),
    ("dispute", "Не согласен с начислением за отопление, направлен в абонентский отдел"),
    ("busy", ""),
)


def is_loaded() -> bool:
    return Campaign.objects.exists()


def _callback_time(now: datetime) -> datetime:
    """Tomorrow at 18:00 Moscow time: inside the calling hours and well within the 30 days allowed."""
    local = timezone.localtime(now) + timedelta(days=1)
    return local.replace(hour=18, minute=0, second=0, microsecond=0)


def _calls(demo: Demo, campaign: Campaign) -> int:
    agents = [demo.users["operator2"], demo.users["operator3"]]
    for agent in agents:
        join_campaign(actor=agent, campaign=campaign)
    dispositions = {d.code: d for d in Disposition.objects.filter(campaign=campaign)}
    made = 0
    try:
        for index, (code, note) in enumerate(RESULTS):
            agent = agents[index % len(agents)]
            picked = next_lead(actor=agent)
            if picked.lead is None:
                break  # nobody may be called right now (the hour, the 230-ФЗ limits): the list waits
            attempt = dial_lead(actor=agent, lead=picked.lead)
            callback_at = _callback_time(timezone.now()) if code == "callback" else None
            set_disposition(
                actor=agent,
                attempt=attempt,
                disposition_id=dispositions[code].pk,
                note=note,
                callback_at=callback_at,
            )
            made += 1
    except Conflict:
        pass  # a rule refused the call at the last moment: as for an agent, the lead waits for its time
    for agent in agents:
        leave_campaign(actor=agent)
    return made


def load_section(demo: Demo) -> str:
    supervisor = demo.supervisor
    debtors = demo.contacts[2:40:4]
    for contact in debtors:
        # They live in Moscow: the calling hours are theirs, not those of every zone a mobile number might be in.
        update_contact(actor=supervisor, contact=contact, time_zone="Europe/Moscow")
        set_tags(actor=supervisor, contact=contact, tags=[*contact.tags.values_list("name", flat=True), DEBTOR_TAG])
    campaign = create_campaign(
        actor=supervisor,
        data=CampaignInput(
            name="Напоминание о задолженности за ЖКУ",
            code="debt-reminder",
            kind=CampaignKind.DEBT,
            description=(
                "Информирование жителей с долгом больше двух месяцев. Не реклама: только напоминание о сумме "
                "и способах оплаты, без угроз и давления (230-ФЗ)."
            ),
            script=SCRIPT,
            dialing_mode=DialingMode.PREVIEW,
            max_attempts=3,
            default_retry_minutes=24 * 60,
            workday_start=time(9),
            workday_end=time(20),
            dayoff_start=time(10),
            dayoff_end=time(18),
            agent_ids=[demo.users["operator2"].pk, demo.users["operator3"].pk],
        ),
    )
    tag = Tag.objects.get(name=DEBTOR_TAG)
    job = build_segment_list(actor=supervisor, campaign=campaign, name="Долг больше 2 месяцев", tag_ids=[tag.pk])
    run_import(job_id=job.pk)
    campaign = change_campaign_status(actor=supervisor, campaign=campaign, status=CampaignStatus.RUNNING)
    calls = _calls(demo, campaign)
    return f"кампания «{campaign.name}», {len(debtors)} абонентов в списке, звонков сделано: {calls}"
