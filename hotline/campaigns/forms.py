"""Forms of the campaign screens; they only parse — the services validate and decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hotline.campaigns.choices import CampaignKind, DialingMode, LeadStatus, MessageChannel
from hotline.campaigns.importing import FIELDS
from hotline.campaigns.models import Disposition, Gateway
from hotline.campaigns.services.campaigns import FLAG_FIELDS, CampaignInput
from hotline.core.models import User
from hotline.core.roles import AGENT_ROLES
from hotline.customers.models import Organisation, Tag
from hotline.telephony.models import PbxSource
from hotline.web.forms import StyledFormMixin

_TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class CampaignForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Название"), max_length=160)
    code = forms.SlugField(
        label=_("Код"), max_length=64, help_text=_("Латиница и цифры; по нему скрипты разговора находят кампанию")
    )
    kind = forms.ChoiceField(
        label=_("Тип"),
        choices=CampaignKind.choices,
        help_text=_("Возврат клиентов и реклама — только тем, кто дал согласие на рекламу (38-ФЗ «О рекламе», ст. 18)"),
    )
    dialing_mode = forms.ChoiceField(label=_("Режим набора"), choices=DialingMode.choices)
    gateway = forms.ModelChoiceField(
        label=_("Шлюз вызовов"),
        queryset=Gateway.objects.filter(is_active=True),
        required=False,
        empty_label=_("— оператор набирает сам —"),
    )
    pbx_source = forms.ModelChoiceField(
        label=_("АТС для вызовов"),
        queryset=PbxSource.objects.filter(is_active=True),
        required=False,
        empty_label=_("— не через АТС телефонии —"),
        help_text=_("Звонки идут через АТС, подключённую к телефонии: Asterisk, Zadarma, Mango или свой вебхук"),
    )
    caller_id = forms.CharField(label=_("Номер, который видит абонент"), max_length=32, required=False)
    ring_timeout_s = forms.IntegerField(
        label=_("Ожидание ответа, с"), min_value=5, max_value=300, initial=30, required=False
    )
    max_attempts = forms.IntegerField(label=_("Попыток на номер"), min_value=1, max_value=50, initial=3)
    default_retry_minutes = forms.IntegerField(label=_("Повтор по умолчанию через, мин"), min_value=1, initial=120)
    workday_start = forms.TimeField(label=_("Будни: с"), initial="09:00", widget=_TIME)
    workday_end = forms.TimeField(label=_("Будни: до"), initial="21:00", widget=_TIME)
    dayoff_start = forms.TimeField(label=_("Выходные и праздники: с"), initial="10:00", required=False, widget=_TIME)
    dayoff_end = forms.TimeField(label=_("Выходные и праздники: до"), initial="19:00", required=False, widget=_TIME)
    callback_grace_minutes = forms.IntegerField(label=_("Перезвон ждёт своего оператора, мин"), min_value=0, initial=60)
    agents = forms.ModelMultipleChoiceField(
        label=_("Операторы (пусто — все)"),
        queryset=User.objects.filter(is_active=True, role__in=[r.value for r in AGENT_ROLES]).order_by(
            "last_name", "username"
        ),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    description = forms.CharField(label=_("Описание"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    script = forms.CharField(
        label=_("Скрипт для оператора"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Подстановки: {name}, {phone}, {external_id} и названия столбцов списка в фигурных скобках"),
    )

    def to_input(self) -> CampaignInput:
        data = self.cleaned_data
        return CampaignInput(
            name=data["name"],
            code=data["code"],
            kind=data["kind"],
            description=data["description"],
            script=data["script"],
            dialing_mode=data["dialing_mode"],
            gateway_id=data["gateway"].pk if data["gateway"] else None,
            pbx_source_id=data["pbx_source"].pk if data["pbx_source"] else None,
            caller_id=data["caller_id"],
            ring_timeout_s=data["ring_timeout_s"] or 30,
            max_attempts=data["max_attempts"],
            default_retry_minutes=data["default_retry_minutes"],
            workday_start=data["workday_start"],
            workday_end=data["workday_end"],
            dayoff_start=data["dayoff_start"],
            dayoff_end=data["dayoff_end"],
            callback_grace_minutes=data["callback_grace_minutes"],
            agent_ids=[a.pk for a in data["agents"]],
        )


class DispositionForm(StyledFormMixin, forms.Form):
    code = forms.SlugField(label=_("Код"), max_length=40)
    name = forms.CharField(label=_("Название"), max_length=120)
    position = forms.IntegerField(label=_("Порядок"), min_value=0, initial=0, required=False)
    retry_minutes = forms.IntegerField(label=_("Повтор через, мин"), min_value=1, required=False)
    auto_outcome = forms.ChoiceField(
        label=_("Ставится автоматически"),
        required=False,
        choices=[("", "—"), ("no_answer", _("не ответили")), ("busy", _("занято")), ("failed", _("ошибка вызова"))],
    )
    is_active = forms.BooleanField(label=_("Используется"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = {f.name: f.verbose_name for f in Disposition._meta.get_fields() if f.name in FLAG_FIELDS}  # type: ignore[union-attr]
        for flag in FLAG_FIELDS:
            self.fields[flag] = forms.BooleanField(label=str(labels[flag]).capitalize(), required=False)

    def flags(self) -> dict[str, bool]:
        return {flag: bool(self.cleaned_data.get(flag)) for flag in FLAG_FIELDS}


class UploadForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=_("Файл CSV или XLSX"), help_text=_("Первая строка — заголовки столбцов; до 20 МБ"))


class MappingForm(StyledFormMixin, forms.Form):
    list_name = forms.CharField(label=_("Название списка"), max_length=160, required=False)

    def __init__(self, *args: Any, headers: list[str], initial_mapping: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("— не загружать —")), *[(h, h) for h in headers]]
        for field, label in FIELDS.items():
            self.fields[f"map_{field}"] = forms.ChoiceField(
                label=str(label), choices=choices, required=field == "phone", initial=initial_mapping.get(field, "")
            )

    def mapping(self) -> dict[str, str]:
        return {field: self.cleaned_data.get(f"map_{field}") or "" for field in FIELDS}


class SegmentForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Название списка"), max_length=160, required=False)
    tags = forms.ModelMultipleChoiceField(
        label=_("Контакты с метками"),
        queryset=Tag.objects.order_by("name"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    organisations = forms.ModelMultipleChoiceField(
        label=_("Контакты организаций"),
        queryset=Organisation.objects.order_by("name"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )


class DncForm(StyledFormMixin, forms.Form):
    phone = forms.CharField(label=_("Номер"), max_length=40)
    reason = forms.CharField(label=_("Причина"), max_length=255, required=False)


class LeadFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Статус"), choices=[("", _("все")), *LeadStatus.choices], required=False)
    q = forms.CharField(label=_("Номер, имя, лицевой счёт"), required=False, max_length=100)


class DispositionChoiceForm(StyledFormMixin, forms.Form):
    disposition = forms.ModelChoiceField(
        label=_("Результат звонка"), queryset=Disposition.objects.none(), empty_label=None
    )
    callback_at = forms.DateTimeField(
        label=_("Перезвонить (для «перезвонить»)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    note = forms.CharField(label=_("Комментарий"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, campaign_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["disposition"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Disposition.objects.filter(campaign_id=campaign_id, is_active=True).order_by("position", "pk")
        field.widget = forms.RadioSelect()
        field.widget.choices = field.choices


class MessageForm(StyledFormMixin, forms.Form):
    channel = forms.ChoiceField(label=_("Канал"), choices=MessageChannel.choices)
    text = forms.CharField(label=_("Текст"), widget=forms.Textarea(attrs={"rows": 2}))
