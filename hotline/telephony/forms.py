"""Forms of the telephony screens. They parse input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hotline.core.models import User
from hotline.core.roles import AGENT_ROLES
from hotline.desk.choices import Urgency
from hotline.desk.models import Category, Queue
from hotline.telephony.choices import CallbackResult, Direction, Outcome
from hotline.telephony.models import Line
from hotline.web.forms import StyledFormMixin


def agents() -> list[User]:
    return list(
        User.objects.filter(role__in=[r.value for r in AGENT_ROLES], is_active=True).order_by(
            "last_name", "first_name", "username"
        )
    )


def category_choices() -> list[tuple[str, str]]:
    rows = Category.objects.filter(is_active=True).order_by("path", "sort_order", "name")
    return [("", "—")] + [(str(c.pk), ("· " * (c.path.count("/") - 2)) + c.name) for c in rows]


class ExtensionForm(StyledFormMixin, forms.Form):
    extension = forms.CharField(
        label=_("Мой внутренний номер"),
        max_length=16,
        required=False,
        help_text=_("Номер телефона на вашем рабочем месте. Пусто — вы без телефона."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": "101"}),
    )


class NewRequestForm(StyledFormMixin, forms.Form):
    """The screen-pop's "new request from this call"; the number and line come from the call itself."""

    subject = forms.CharField(label=_("Суть обращения"), max_length=255)
    description = forms.CharField(label=_("Подробности"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    category = forms.ChoiceField(label=_("Категория"), required=False)
    urgency = forms.TypedChoiceField(label=_("Срочность"), choices=Urgency.choices, coerce=int, initial=Urgency.MEDIUM)
    contact = forms.CharField(required=False, widget=forms.HiddenInput)
    new_contact_name = forms.CharField(label=_("Новый клиент: ФИО"), max_length=320, required=False)

    def __init__(self, *args: Any, prefix_id: str = "pop", **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{prefix_id}_%s")
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = category_choices()


class TransferForm(StyledFormMixin, forms.Form):
    target = forms.ChoiceField(label=_("Кому"))
    reason = forms.CharField(label=_("Причина перевода"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(self, *args: Any, exclude_user: int | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "transfer_%s")
        super().__init__(*args, **kwargs)
        people = [
            (
                f"agent:{a.pk}",
                _("%(name)s · доб. %(ext)s") % {"name": a.display_name, "ext": a.phone_extension}
                if a.phone_extension
                else a.display_name,
            )
            for a in agents()
            if a.pk != exclude_user
        ]
        departments = [
            (f"queue:{q.pk}", q.name) for q in Queue.objects.filter(is_active=True).order_by("line_level", "name")
        ]
        field = self.fields["target"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—"), (_("Сотрудники"), people), (_("Отделы и линии"), departments)]


class CallbackCloseForm(StyledFormMixin, forms.Form):
    result = forms.ChoiceField(label=_("Результат"), choices=[("", "—"), *CallbackResult.choices])
    note = forms.CharField(label=_("Комментарий"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CallFilterForm(forms.Form):
    q = forms.CharField(required=False)
    direction = forms.ChoiceField(required=False, choices=[("", _("все")), *Direction.choices])
    outcome = forms.ChoiceField(
        required=False, choices=[("", _("все")), ("active", _("идут сейчас")), *Outcome.choices]
    )
    agent = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    line = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    date_from = forms.DateField(required=False)
    date_to = forms.DateField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agent_field, line_field = self.fields["agent"], self.fields["line"]
        assert isinstance(agent_field, forms.ChoiceField)
        assert isinstance(line_field, forms.ChoiceField)
        agent_field.choices = [("", _("все"))] + [(a.pk, a.display_name) for a in agents()]
        line_field.choices = [("", _("все"))] + [(line.pk, str(line)) for line in Line.objects.order_by("name")]


class ScriptForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Название"), max_length=160)
    description = forms.CharField(label=_("Описание"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    is_active = forms.BooleanField(label=_("Используется"), required=False, initial=True)
    lines = forms.ModelMultipleChoiceField(
        label=_("Линии"),
        queryset=Line.objects.order_by("name"),
        required=False,
        help_text=_("Для звонков на эти номера"),
    )
    categories = forms.ModelMultipleChoiceField(
        label=_("Категории"),
        queryset=Category.objects.filter(is_active=True).order_by("path", "name"),
        required=False,
        help_text=_("Для заявок этих категорий (и их подкатегорий)"),
    )
    campaign_code = forms.CharField(
        label=_("Код кампании"), max_length=64, required=False, help_text=_("Для исходящего обзвона с этим кодом")
    )
