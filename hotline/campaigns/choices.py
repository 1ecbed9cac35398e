"""Choices of campaigns: kinds, states of campaigns, lists, leads and attempts, and the eligibility rules."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CampaignKind(models.TextChoices):
    INFORMATION = "information", _("информирование")
    SURVEY = "survey", _("опрос")
    DEBT = "debt", _("напоминание о задолженности")
    WINBACK = "winback", _("возврат клиентов")
    ADVERTISING = "advertising", _("реклама и акции")


# Calls of these kinds advertise (draw attention to goods or services to win customers): 38-ФЗ «О рекламе» art. 18
# allows them only to subscribers who gave prior consent to advertising, and they stop when it is revoked.
ADVERTISING_KINDS = frozenset({CampaignKind.WINBACK, CampaignKind.ADVERTISING})


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("черновик")
    RUNNING = "running", _("идёт")
    PAUSED = "paused", _("на паузе")
    FINISHED = "finished", _("завершена")


CAMPAIGN_TRANSITIONS: dict[str, frozenset[str]] = {
    CampaignStatus.DRAFT: frozenset({CampaignStatus.RUNNING, CampaignStatus.FINISHED}),
    CampaignStatus.RUNNING: frozenset({CampaignStatus.PAUSED, CampaignStatus.FINISHED}),
    CampaignStatus.PAUSED: frozenset({CampaignStatus.RUNNING, CampaignStatus.FINISHED}),
    CampaignStatus.FINISHED: frozenset(),
}


class DialingMode(models.TextChoices):
    """No predictive mode: it drops answered calls, and 38-ФЗ bans automatic dialing for advertising."""

    PREVIEW = "preview", _("предварительный просмотр")
    PROGRESSIVE = "progressive", _("прогрессивный")


class ListSource(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"
    SEGMENT = "segment", _("сегмент контактов")


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("загружен, ждёт сопоставления столбцов")
    QUEUED = "queued", _("в очереди")
    RUNNING = "running", _("импортируется")
    DONE = "done", _("готово")
    FAILED = "failed", _("ошибка")


class RejectReason(models.TextChoices):
    MISSING_PHONE = "missing_phone", _("нет номера")
    INVALID_PHONE = "invalid_phone", _("неверный номер")
    DUPLICATE_IN_FILE = "duplicate_in_file", _("повтор в файле")
    DUPLICATE_IN_CAMPAIGN = "duplicate_in_campaign", _("номер уже есть в кампании")
    DNC_GLOBAL = "dnc_global", _("номер в общем списке «не звонить»")
    DNC_CAMPAIGN = "dnc_campaign", _("номер в списке «не звонить» кампании")
    BAD_TIME_ZONE = "bad_time_zone", _("неизвестный часовой пояс")
    INVALID_VALUE = "invalid_value", _("недопустимое значение")
    NO_AD_CONSENT = "no_ad_consent", _("нет согласия на рекламу (38-ФЗ)")


class LeadStatus(models.TextChoices):
    NEW = "new", _("новый")
    IN_PROGRESS = "in_progress", _("в работе")
    RETRY = "retry", _("повторный звонок")
    CALLBACK = "callback", _("перезвонить")
    DONE = "done", _("завершён")
    REFUSED = "refused", _("отказ")
    UNWORKABLE = "unworkable", _("недозвон / неверный номер")
    DNC = "dnc", _("не звонить")
    EXHAUSTED = "exhausted", _("попытки исчерпаны")
    STOPPED = "stopped", _("остановлен")


# A lead in one of these may be dialled again (every other rule permitting).
DIALABLE_STATUSES = frozenset({LeadStatus.NEW, LeadStatus.RETRY, LeadStatus.CALLBACK})
FINAL_STATUSES = frozenset(
    {
        LeadStatus.DONE,
        LeadStatus.REFUSED,
        LeadStatus.UNWORKABLE,
        LeadStatus.DNC,
        LeadStatus.EXHAUSTED,
        LeadStatus.STOPPED,
    }
)


class AttemptState(models.TextChoices):
    PREVIEW = "preview", _("просмотр")
    DIALING = "dialing", _("набор")
    RINGING = "ringing", _("вызов")
    TALKING = "talking", _("разговор")
    ENDED = "ended", _("завершён")


ACTIVE_ATTEMPT_STATES = frozenset({AttemptState.DIALING, AttemptState.RINGING, AttemptState.TALKING})


class CallOutcome(models.TextChoices):
    ANSWERED = "answered", _("ответили")
    NO_ANSWER = "no_answer", _("не ответили")
    BUSY = "busy", _("занято")
    FAILED = "failed", _("ошибка вызова")
    CANCELLED = "cancelled", _("вызов отменён")


class CallbackStatus(models.TextChoices):
    PENDING = "pending", _("запланирован")
    DONE = "done", _("выполнен")
    CANCELLED = "cancelled", _("отменён")


class SeatState(models.TextChoices):
    """Where an agent is in the dialing cycle of a campaign."""

    IDLE = "idle", _("не работает")
    WAITING = "waiting", _("ждёт следующего абонента")
    PREVIEW = "preview", _("смотрит карточку")
    DIALING = "dialing", _("набор номера")
    TALKING = "talking", _("разговор")
    WRAPUP = "wrapup", _("результат звонка")


class DncSource(models.TextChoices):
    CALLEE = "callee", _("просьба абонента")
    AGENT = "agent", _("оператор")
    SUPERVISOR = "supervisor", _("руководитель")
    IMPORT = "import", _("загрузка списка")
    CONSENT = "consent", _("отзыв согласия")


class MessageChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    VOICE = "voice", _("голосовое сообщение")
    MESSENGER = "messenger", _("мессенджер")
    EMAIL = "email", _("e-mail")


class Rule(models.TextChoices):
    """Every rule that can hold a lead back; each refusal names one."""

    CAMPAIGN_NOT_RUNNING = "campaign_not_running", _("кампания не запущена")
    LIST_INACTIVE = "list_inactive", _("список отключён")
    STATUS = "status", _("статус не допускает звонка")
    MAX_ATTEMPTS = "max_attempts", _("исчерпаны попытки")
    RETRY_INTERVAL = "retry_interval", _("не прошёл интервал повтора")
    CALLBACK = "callback", _("назначен перезвон")
    DNC_GLOBAL = "dnc_global", _("общий список «не звонить»")
    DNC_CAMPAIGN = "dnc_campaign", _("список «не звонить» кампании")
    OPTED_OUT = "opted_out", _("клиент отозвал согласие")
    NO_AD_CONSENT = "no_ad_consent", _("нет согласия на рекламу (38-ФЗ, ст. 18)")
    CALLING_WINDOW = "calling_window", _("вне разрешённого времени по местному времени абонента")
    DEBT_DAY = "debt_day", _("230-ФЗ: лимит взаимодействий в сутки")
    DEBT_WEEK = "debt_week", _("230-ФЗ: лимит взаимодействий в неделю")
    DEBT_MONTH = "debt_month", _("230-ФЗ: лимит взаимодействий в месяц")
