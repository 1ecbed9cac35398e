"""Choices of telephony: PBX kinds, normalised call events, call states and outcomes, callbacks, scripts."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SourceKind(models.TextChoices):
    GENERIC = "generic", _("Универсальный вебхук (HMAC)")
    ASTERISK = "asterisk", _("Asterisk AMI")
    ZADARMA = "zadarma", _("Zadarma")
    MANGO = "mango", _("Mango Office")


class EventKind(models.TextChoices):
    """The normalised events every adapter produces."""

    RINGING = "ringing", _("вызов")
    ANSWERED = "answered", _("ответ")
    TRANSFERRED = "transferred", _("перевод")
    ENDED = "ended", _("завершение")
    RECORDING = "recording", _("запись разговора")


# Events that happen at one moment are applied in this order (a PBX may stamp them with one second).
KIND_RANK: dict[str, int] = {
    EventKind.RINGING.value: 0,
    EventKind.ANSWERED.value: 1,
    EventKind.TRANSFERRED.value: 2,
    EventKind.ENDED.value: 3,
    EventKind.RECORDING.value: 4,
}


class Direction(models.TextChoices):
    INBOUND = "inbound", _("входящий")
    OUTBOUND = "outbound", _("исходящий")
    INTERNAL = "internal", _("внутренний")


class CallStatus(models.TextChoices):
    RINGING = "ringing", _("вызов")
    TALKING = "talking", _("разговор")
    ENDED = "ended", _("завершён")


class Outcome(models.TextChoices):
    ANSWERED = "answered", _("принят")
    MISSED = "missed", _("пропущен")
    ABANDONED = "abandoned", _("абонент не дождался")
    NO_ANSWER = "no_answer", _("не дозвонились")


MISSED_OUTCOMES = frozenset({Outcome.MISSED, Outcome.ABANDONED})


class CallbackStatus(models.TextChoices):
    OPEN = "open", _("ждёт звонка")
    DONE = "done", _("выполнен")
    CANCELLED = "cancelled", _("снят")


class CallbackResult(models.TextChoices):
    REACHED = "reached", _("дозвонились")
    NO_ANSWER = "no_answer", _("не ответил")
    WRONG_NUMBER = "wrong_number", _("неверный номер")
    NOT_NEEDED = "not_needed", _("звонок не нужен")


class TransferSource(models.TextChoices):
    AGENT = "agent", _("оператор")
    PBX = "pbx", _("АТС")


class ScriptStatus(models.TextChoices):
    DRAFT = "draft", _("черновик")
    PUBLISHED = "published", _("опубликована")
    RETIRED = "retired", _("заменена")


class NodeKind(models.TextChoices):
    STEP = "step", _("шаг")
    END = "end", _("завершение")


class OutcomeAction(models.TextChoices):
    OPEN_TICKET = "open_ticket", _("открыть заявку")
    TRANSFER = "transfer", _("перевести в отдел")
    RESOLVE = "resolve", _("решить при первом обращении")
    DISPOSITION = "disposition", _("только результат звонка")


class OriginationState(models.TextChoices):
    """Where an outbound call Hotline asked the PBX to place stands."""

    REQUESTED = "requested", _("запрошен")
    PLACED = "placed", _("принят АТС")
    RINGING = "ringing", _("вызов")
    ANSWERED = "answered", _("разговор")
    ENDED = "ended", _("завершён")
    FAILED = "failed", _("не удался")


FINAL_ORIGINATION_STATES = frozenset({OriginationState.ENDED, OriginationState.FAILED})


class OriginationResult(models.TextChoices):
    """How an originated call ended, whatever PBX placed it."""

    ANSWERED = "answered", _("ответили")
    NO_ANSWER = "no_answer", _("не ответили")
    BUSY = "busy", _("занято")
    FAILED = "failed", _("ошибка вызова")


class RunStatus(models.TextChoices):
    ACTIVE = "active", _("идёт")
    FINISHED = "finished", _("завершён")
    CANCELLED = "cancelled", _("прерван")
