"""Forms of the workforce screens; they parse, the services decide."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hotline.core.calendar.zones import time_zone_choices
from hotline.core.models import User
from hotline.core.roles import AGENT_ROLES
from hotline.desk.models import Queue
from hotline.web.forms import StyledFormMixin
from hotline.workforce.models import Shift, ShiftTemplate, Team
from hotline.workforce.selectors import zone_of
from hotline.workforce.services.roster import TeamInput

_TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _display_name(user: User) -> str:
    return user.display_name


class PeopleField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return _display_name(obj)


class PersonField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return _display_name(obj)


def _agents() -> Any:
    return User.objects.filter(is_active=True, role__in=[r.value for r in AGENT_ROLES]).order_by(
        "last_name", "username"
    )


class TeamForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Название"), max_length=120)
    time_zone = forms.ChoiceField(label=_("Часовой пояс команды"), choices=time_zone_choices)
    members = PeopleField(
        label=_("Сотрудники"), queryset=_agents(), required=False, widget=forms.SelectMultiple(attrs={"size": 8})
    )
    queues = forms.ModelMultipleChoiceField(
        label=_("Очереди команды"),
        queryset=Queue.objects.order_by("name"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    assign_only_available = forms.BooleanField(
        label=_("Распределять заявки только тем, кто на смене и готов"), required=False, initial=True
    )
    target_service_level = forms.FloatField(
        label=_("Уровень сервиса (доля)"), initial=0.8, min_value=0.01, max_value=0.99
    )
    answer_seconds = forms.IntegerField(label=_("Ответить за, с"), initial=20, min_value=1)
    shrinkage = forms.FloatField(label=_("Потери времени (доля)"), initial=0.3, min_value=0, max_value=0.99)
    default_aht_seconds = forms.IntegerField(label=_("Среднее время обработки, с"), initial=300, min_value=1)
    history_weeks = forms.IntegerField(label=_("Недель истории для прогноза"), initial=4, min_value=1, max_value=26)

    def to_input(self) -> TeamInput:
        d = self.cleaned_data
        return TeamInput(
            name=d["name"],
            time_zone=d["time_zone"],
            member_ids=[u.pk for u in d["members"]],
            queue_ids=[q.pk for q in d["queues"]],
            assign_only_available=d["assign_only_available"],
            target_service_level=d["target_service_level"],
            answer_seconds=d["answer_seconds"],
            shrinkage=d["shrinkage"],
            default_aht_seconds=d["default_aht_seconds"],
            history_weeks=d["history_weeks"],
        )


class TemplateForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Название"), max_length=80)
    start_time = forms.TimeField(label=_("Начало"), widget=_TIME)
    duration_minutes = forms.IntegerField(label=_("Длительность, мин"), min_value=15, max_value=1440, initial=540)
    break_minutes = forms.IntegerField(label=_("Перерывы, мин"), min_value=0, initial=60)


class ShiftForm(StyledFormMixin, forms.Form):
    user = PersonField(label=_("Сотрудник"), queryset=User.objects.none())
    starts_at = forms.DateTimeField(label=_("Начало"), widget=_DATETIME)
    ends_at = forms.DateTimeField(label=_("Конец"), widget=_DATETIME)
    break_minutes = forms.IntegerField(label=_("Перерывы, мин"), min_value=0, initial=0, required=False)
    note = forms.CharField(label=_("Заметка"), max_length=200, required=False)

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = team.members.filter(is_active=True).order_by("last_name", "username")


class FillForm(StyledFormMixin, forms.Form):
    template = forms.ModelChoiceField(label=_("Шаблон"), queryset=ShiftTemplate.objects.none())
    users = PeopleField(
        label=_("Сотрудники"), queryset=User.objects.none(), widget=forms.SelectMultiple(attrs={"size": 6})
    )
    date_from = forms.DateField(label=_("С"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    date_to = forms.DateField(label=_("По"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    weekdays = forms.MultipleChoiceField(
        label=_("Дни недели"),
        choices=[
            ("0", _("пн")),
            ("1", _("вт")),
            ("2", _("ср")),
            ("3", _("чт")),
            ("4", _("пт")),
            ("5", _("сб")),
            ("6", _("вс")),
        ],
        initial=["0", "1", "2", "3", "4"],
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        template = self.fields["template"]
        users = self.fields["users"]
        assert isinstance(template, forms.ModelChoiceField)
        assert isinstance(users, forms.ModelMultipleChoiceField)
        template.queryset = team.templates.all()
        users.queryset = team.members.filter(is_active=True).order_by("last_name", "username")

    def days(self) -> list[date]:
        from datetime import timedelta

        d = self.cleaned_data
        chosen = {int(w) for w in d["weekdays"]}
        days: list[date] = []
        day = d["date_from"]
        while day <= d["date_to"] and len(days) <= 400:
            if day.weekday() in chosen:
                days.append(day)
            day += timedelta(days=1)
        return days


class SwapForm(StyledFormMixin, forms.Form):
    shift = forms.ModelChoiceField(label=_("Моя смена"), queryset=Shift.objects.none())
    counterpart = PersonField(label=_("Кому"), queryset=User.objects.none())
    counterpart_shift = forms.ModelChoiceField(
        label=_("Взамен смена коллеги (необязательно)"), queryset=Shift.objects.none(), required=False
    )
    reason = forms.CharField(label=_("Причина"), max_length=255, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from django.utils import timezone

        now = timezone.now()
        teams = Team.objects.filter(members=user)
        mine = self.fields["shift"]
        counterpart = self.fields["counterpart"]
        theirs = self.fields["counterpart_shift"]
        assert isinstance(mine, forms.ModelChoiceField)
        assert isinstance(counterpart, forms.ModelChoiceField)
        assert isinstance(theirs, forms.ModelChoiceField)
        mine.queryset = Shift.objects.filter(user=user, starts_at__gt=now).select_related("team").order_by("starts_at")
        counterpart.queryset = (
            User.objects.filter(workforce_teams__in=teams, is_active=True)
            .exclude(pk=user.pk)
            .distinct()
            .order_by("last_name")
        )
        theirs.queryset = (
            Shift.objects.filter(team__in=teams, starts_at__gt=now)
            .exclude(user=user)
            .select_related("user")
            .order_by("starts_at")
        )
        zone = zone_of(user)

        def label(shift: Shift, who: bool = False) -> str:
            a, b = shift.starts_at.astimezone(zone), shift.ends_at.astimezone(zone)
            prefix = f"{shift.user.display_name}: " if who else ""
            return f"{prefix}{a:%d.%m %H:%M}–{b:%H:%M}"

        mine.label_from_instance = label  # type: ignore[method-assign,assignment]
        theirs.label_from_instance = lambda shift: label(shift, who=True)  # type: ignore[method-assign,assignment]
