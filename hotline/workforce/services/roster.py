"""Teams, shift templates, shifts and swaps.

Shifts are instants (UTC in the database); a template's start is a wall-clock time in the team's zone, so a
09:00 shift stays 09:00 there across a DST change, and each viewer sees the roster in their own zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core import audit, roles
from hotline.core.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed
from hotline.core.events import publish
from hotline.core.models import AuditLog, User
from hotline.desk.models import Queue
from hotline.workforce import permissions
from hotline.workforce.events import ShiftSwapDecided, ShiftSwapRequested
from hotline.workforce.models import Shift, ShiftSwap, ShiftTemplate, SwapStatus, Team

MAX_SHIFT = timedelta(hours=24)
MAX_FILL_DAYS = 62


def _require_manager(actor: User | None) -> None:
    if actor is not None and not permissions.can_manage_roster(actor):
        raise Forbidden(_("Расписанием управляет руководитель"))


def _zone(name: str, field: str = "time_zone") -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError) as exc:
        raise ValidationFailed(_("Неизвестный часовой пояс «%(z)s»") % {"z": name[:64]}, field=field) from exc


@dataclass(frozen=True)
class TeamInput:
    name: str
    time_zone: str = "Europe/Moscow"
    member_ids: Sequence[int] = ()
    queue_ids: Sequence[int] = ()
    assign_only_available: bool = True
    target_service_level: float = 0.8
    answer_seconds: int = 20
    shrinkage: float = 0.3
    default_aht_seconds: int = 300
    history_weeks: int = 4


def _clean_team(data: TeamInput, team: Team | None) -> dict[str, Any]:
    name = " ".join((data.name or "").split())
    if not name or len(name) > 120:
        raise ValidationFailed(_("Название команды — от 1 до 120 символов"), field="name")
    if Team.objects.filter(name=name).exclude(pk=team.pk if team else 0).exists():
        raise ValidationFailed(_("Команда «%(n)s» уже есть") % {"n": name}, field="name")
    _zone(data.time_zone)
    if not 0 < data.target_service_level < 1:
        raise ValidationFailed(_("Целевой уровень сервиса — строго между 0 и 1"), field="target_service_level")
    if not 0 <= data.shrinkage < 1:
        raise ValidationFailed(_("Потери времени — от 0 до 1 (не включая 1)"), field="shrinkage")
    if not 1 <= data.answer_seconds <= 3600:
        raise ValidationFailed(_("Время ответа — от 1 до 3600 секунд"), field="answer_seconds")
    if not 1 <= data.default_aht_seconds <= 4 * 3600:
        raise ValidationFailed(_("Время обработки — от 1 секунды до 4 часов"), field="default_aht_seconds")
    if not 1 <= data.history_weeks <= 26:
        raise ValidationFailed(_("История для прогноза — от 1 до 26 недель"), field="history_weeks")
    members = list(User.objects.filter(pk__in=list(data.member_ids), is_active=True))
    if len(members) != len(set(data.member_ids)) or any(not roles.is_agent(m) for m in members):
        raise ValidationFailed(_("В команде могут быть только активные сотрудники"), field="member_ids")
    queues = list(Queue.objects.filter(pk__in=list(data.queue_ids)))
    if len(queues) != len(set(data.queue_ids)):
        raise ValidationFailed(_("Очередь не найдена"), field="queue_ids")
    return {
        "name": name,
        "time_zone": data.time_zone,
        "assign_only_available": data.assign_only_available,
        "target_service_level": data.target_service_level,
        "answer_seconds": data.answer_seconds,
        "shrinkage": data.shrinkage,
        "default_aht_seconds": data.default_aht_seconds,
        "history_weeks": data.history_weeks,
        "members": members,
        "queues": queues,
    }


@transaction.atomic
def save_team(*, actor: User | None, data: TeamInput, team: Team | None = None) -> Team:
    """Create a team or change one (members, queues, staffing targets).

    Raises:
        Forbidden, ValidationFailed (``field`` names the value).
    """
    _require_manager(actor)
    values = _clean_team(data, team)
    members, queues = values.pop("members"), values.pop("queues")
    if team is None:
        team = Team.objects.create(**values)
        action = AuditLog.Action.CREATE
    else:
        for key, value in values.items():
            setattr(team, key, value)
        team.save(update_fields=list(values))
        action = AuditLog.Action.UPDATE
    team.members.set(members)
    team.queues.set(queues)
    audit.record(actor=actor, action=action, obj=team, summary=team.name)
    return team


@transaction.atomic
def save_template(
    *, actor: User | None, team: Team, name: str, start_time: time, duration_minutes: int, break_minutes: int = 0
) -> ShiftTemplate:
    """A named shift of the team ("День 09–18"); the start is the team's local time.

    Raises:
        Forbidden, ValidationFailed.
    """
    _require_manager(actor)
    name = " ".join((name or "").split())
    if not name or len(name) > 80:
        raise ValidationFailed(_("Название шаблона — от 1 до 80 символов"), field="name")
    if not 15 <= duration_minutes <= 24 * 60:
        raise ValidationFailed(_("Смена — от 15 минут до 24 часов"), field="duration_minutes")
    if not 0 <= break_minutes < duration_minutes:
        raise ValidationFailed(_("Перерывы должны быть короче смены"), field="break_minutes")
    template, _created = ShiftTemplate.objects.update_or_create(
        team=team,
        name=name,
        defaults={"start_time": start_time, "duration_minutes": duration_minutes, "break_minutes": break_minutes},
    )
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, obj=template, summary=f"{team.name}: {name}")
    return template


def _check_free(user: User, starts_at: datetime, ends_at: datetime, *, exclude: Sequence[int] = ()) -> None:
    clash = (
        Shift.objects.filter(user=user, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .exclude(pk__in=list(exclude))
        .first()
    )
    if clash is not None:
        local = timezone.localtime(clash.starts_at, ZoneInfo(user.time_zone or "Europe/Moscow"))
        raise Conflict(
            _("У %(name)s уже есть смена с %(at)s") % {"name": user.display_name, "at": local.strftime("%d.%m %H:%M")},
            field="user_id",
        )


def _lock_user(user: User) -> None:
    # Two supervisors rostering the same person at once: one waits for the other's overlap check.
    User.objects.select_for_update().filter(pk=user.pk).first()


@transaction.atomic
def create_shift(
    *,
    actor: User | None,
    team: Team,
    user: User,
    starts_at: datetime,
    ends_at: datetime,
    break_minutes: int = 0,
    note: str = "",
    template: ShiftTemplate | None = None,
) -> Shift:
    """Put an agent of the team on a shift.

    Raises:
        Forbidden; ValidationFailed (not a member, an empty or over-24-hour shift, naive times);
        Conflict (the agent already works then, field="user_id").
    """
    _require_manager(actor)
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValidationFailed(_("Время смены без часового пояса"), field="starts_at")
    if not team.members.filter(pk=user.pk).exists():
        raise ValidationFailed(
            _("%(name)s не состоит в команде «%(team)s»") % {"name": user.display_name, "team": team.name},
            field="user_id",
        )
    if ends_at <= starts_at or ends_at - starts_at > MAX_SHIFT:
        raise ValidationFailed(_("Смена должна длиться от минуты до 24 часов"), field="ends_at")
    if not 0 <= break_minutes < (ends_at - starts_at).total_seconds() / 60:
        raise ValidationFailed(_("Перерывы должны быть короче смены"), field="break_minutes")
    _lock_user(user)
    _check_free(user, starts_at, ends_at)
    shift = Shift.objects.create(
        team=team,
        user=user,
        template=template,
        starts_at=starts_at,
        ends_at=ends_at,
        break_minutes=break_minutes,
        note=note[:200],
        created_by=actor,
    )
    audit.record(actor=actor, action=AuditLog.Action.CREATE, obj=shift, summary=f"{team.name}: {user.username}")
    return shift


@dataclass
class FillResult:
    created: list[Shift] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


@transaction.atomic
def fill_from_template(
    *, actor: User | None, team: Team, template: ShiftTemplate, users: Sequence[User], days: Sequence[date]
) -> FillResult:
    """Roster each of ``users`` on ``template`` on each of ``days`` (team-local dates); clashes are skipped, named.

    Raises:
        Forbidden; ValidationFailed (more than two months at once, a template of another team).
    """
    _require_manager(actor)
    if template.team_id != team.pk:
        raise ValidationFailed(_("Шаблон другой команды"), field="template_id")
    if len(set(days)) > MAX_FILL_DAYS:
        raise ValidationFailed(_("Не больше двух месяцев за раз"), field="days")
    tz = _zone(team.time_zone)
    result = FillResult()
    for day in sorted(set(days)):
        starts_at = datetime.combine(day, template.start_time, tzinfo=tz)
        ends_at = starts_at + timedelta(minutes=template.duration_minutes)
        for user in users:
            try:
                with transaction.atomic():
                    result.created.append(
                        create_shift(
                            actor=actor,
                            team=team,
                            user=user,
                            starts_at=starts_at,
                            ends_at=ends_at,
                            break_minutes=template.break_minutes,
                            template=template,
                        )
                    )
            except (Conflict, ValidationFailed) as exc:
                result.skipped.append(f"{day:%d.%m} {user.display_name}: {exc.message}")
    return result


@transaction.atomic
def delete_shift(*, actor: User | None, shift: Shift) -> None:
    """Raises: Forbidden."""
    _require_manager(actor)
    ShiftSwap.objects.filter(Q(shift=shift) | Q(counterpart_shift=shift), status=SwapStatus.PENDING).update(
        status=SwapStatus.CANCELLED, decided_at=timezone.now(), decided_by=actor
    )
    audit.record(actor=actor, action=AuditLog.Action.DELETE, obj=shift, summary=f"{shift.user_id} {shift.starts_at}")
    shift.delete()


# --- swaps -------------------------------------------------------------------------------------------------------
@transaction.atomic
def request_swap(
    *, actor: User, shift: Shift, counterpart: User, counterpart_shift: Shift | None = None, reason: str = ""
) -> ShiftSwap:
    """Ask to hand one's shift to a teammate (or exchange it for theirs); a supervisor decides.

    Raises:
        Forbidden (not one's own shift); ValidationFailed (past shift, not a teammate, their shift not theirs);
        Conflict (a request for this shift is already waiting).
    """
    if shift.user_id != actor.pk:
        raise Forbidden(_("Обменять можно только свою смену"))
    now = timezone.now()
    if shift.starts_at <= now:
        raise ValidationFailed(_("Смена уже началась"), field="shift_id")
    if counterpart.pk == actor.pk or not shift.team.members.filter(pk=counterpart.pk).exists():
        raise ValidationFailed(_("Выберите коллегу из своей команды"), field="counterpart_id")
    if counterpart_shift is not None and (
        counterpart_shift.user_id != counterpart.pk or counterpart_shift.starts_at <= now
    ):
        raise ValidationFailed(_("Выберите будущую смену коллеги"), field="counterpart_shift_id")
    if ShiftSwap.objects.filter(shift=shift, status=SwapStatus.PENDING).exists():
        raise Conflict(_("Запрос на обмен этой смены уже ждёт решения"))
    swap = ShiftSwap.objects.create(
        shift=shift,
        requested_by=actor,
        counterpart=counterpart,
        counterpart_shift=counterpart_shift,
        reason=" ".join(reason.split())[:255],
    )
    audit.record(
        actor=actor, action=AuditLog.Action.CREATE, obj=swap, summary=f"shift {shift.pk} → {counterpart.username}"
    )
    publish(ShiftSwapRequested(actor_id=actor.pk, swap_id=swap.pk))
    return swap


@transaction.atomic
def decide_swap(*, actor: User, swap: ShiftSwap, approve: bool) -> ShiftSwap:
    """Approve (the shifts change hands) or reject a pending swap.

    Raises:
        Forbidden (not a supervisor); InvalidTransition (already decided);
        Conflict (after the swap someone would work two shifts at once).
    """
    _require_manager(actor)
    swap = (
        ShiftSwap.objects.select_for_update(of=("self",)).select_related("shift", "counterpart_shift").get(pk=swap.pk)
    )
    if swap.status != SwapStatus.PENDING:
        raise InvalidTransition(_("Запрос уже рассмотрен"))
    if approve:
        shift, other = swap.shift, swap.counterpart_shift
        requester = User.objects.get(pk=shift.user_id)
        _lock_user(requester)
        _lock_user(swap.counterpart)
        exclude = [shift.pk] + ([other.pk] if other else [])
        _check_free(swap.counterpart, shift.starts_at, shift.ends_at, exclude=exclude)
        if other is not None:
            _check_free(requester, other.starts_at, other.ends_at, exclude=exclude)
        shift.user = swap.counterpart
        shift.save(update_fields=["user"])
        if other is not None:
            other.user = requester
            other.save(update_fields=["user"])
    swap.status = SwapStatus.APPROVED if approve else SwapStatus.REJECTED
    swap.decided_by = actor
    swap.decided_at = timezone.now()
    swap.save(update_fields=["status", "decided_by", "decided_at"])
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, obj=swap, summary=swap.status)
    publish(ShiftSwapDecided(actor_id=actor.pk, swap_id=swap.pk, status=swap.status))
    return swap


@transaction.atomic
def cancel_swap(*, actor: User, swap: ShiftSwap) -> ShiftSwap:
    """Raises: Forbidden (someone else's request), InvalidTransition (already decided)."""
    swap = ShiftSwap.objects.select_for_update().get(pk=swap.pk)
    if swap.requested_by_id != actor.pk:
        raise Forbidden(_("Отменить можно только свой запрос"))
    if swap.status != SwapStatus.PENDING:
        raise InvalidTransition(_("Запрос уже рассмотрен"))
    swap.status = SwapStatus.CANCELLED
    swap.decided_at = timezone.now()
    swap.save(update_fields=["status", "decided_at"])
    return swap


def get_team(team_id: int) -> Team:
    """Raises: NotFound."""
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise NotFound(_("Команда не найдена"))
    return team
