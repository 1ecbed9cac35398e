"""Forms of the desk screens and the customer portal. They parse input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hotline.desk.choices import Channel, Impact, LinkKind, Priority, ResolutionCode, Status, Urgency
from hotline.desk.models import Category
from hotline.web.forms import StyledFormMixin


def set_choices(form: forms.Form, name: str, choices: list[tuple[Any, Any]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class UniqueIds:
    """Several forms share the ticket page: each form's ids start with its own prefix."""

    id_prefix = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if self.id_prefix:
            kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; size and type rules are the attachment service's."""

    widget = MultipleFileInput

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class CategoryChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        depth = max(str(obj.path).count("/") - 2, 0)
        return "\u2003" * depth + str(obj.name)


def category_field(required: bool = False) -> CategoryChoiceField:
    return CategoryChoiceField(
        label=_("Категория"),
        queryset=Category.objects.filter(is_active=True).order_by("path", "sort_order", "name"),
        required=required,
        empty_label=_("— не выбрана —"),
    )


class NewTicketForm(StyledFormMixin, forms.Form):
    contact_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    subject = forms.CharField(
        label=_("Суть обращения"),
        max_length=255,
        widget=forms.TextInput(attrs={"placeholder": _("Например: нет горячей воды в квартире")}),
    )
    description = forms.CharField(
        label=_("Подробности"),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 5, "placeholder": _("Что говорит абонент: адрес, с какого времени, что уже пробовали")}
        ),
    )
    category = category_field()
    channel = forms.ChoiceField(label=_("Канал"), choices=Channel.choices, initial=Channel.PHONE)
    impact = forms.TypedChoiceField(label=_("Влияние"), choices=Impact.choices, coerce=int, initial=Impact.MEDIUM)
    urgency = forms.TypedChoiceField(label=_("Срочность"), choices=Urgency.choices, coerce=int, initial=Urgency.MEDIUM)
    attachments = MultipleFileField(label=_("Вложения"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].label = _("Категория")


class NewContactForm(StyledFormMixin, forms.Form):
    """Inline "new caller" on the call screen: a name and the number they called from."""

    prefix = "nc"
    full_name = forms.CharField(label=_("ФИО"), max_length=320, required=False)
    phone = forms.CharField(label=_("Телефон"), max_length=40, required=False)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)


class ReplyForm(UniqueIds, StyledFormMixin, forms.Form):
    id_prefix = "reply"
    body = forms.CharField(
        label=_("Ответ клиенту"),
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": _("Ответ увидит клиент (портал, e-mail)")}),
    )
    attachments = MultipleFileField(label=_("Вложения"))
    then_status = forms.ChoiceField(
        label=_("Затем"),
        required=False,
        choices=[
            ("", _("оставить статус")),
            (Status.PENDING_CUSTOMER, _("ждать ответа клиента")),
            (Status.RESOLVED, _("решить заявку")),
        ],
    )


class NoteForm(UniqueIds, StyledFormMixin, forms.Form):
    id_prefix = "note"
    note = forms.CharField(
        label=_("Внутренний комментарий"),
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": _("Виден только сотрудникам")}),
    )
    attachments = MultipleFileField(label=_("Вложения"))


class StatusForm(UniqueIds, StyledFormMixin, forms.Form):
    id_prefix = "status"
    status = forms.ChoiceField(label=_("Статус"), choices=Status.choices)
    reason = forms.CharField(label=_("Комментарий"), required=False, max_length=1000)


class ResolveForm(UniqueIds, StyledFormMixin, forms.Form):
    id_prefix = "resolve"
    resolution_code = forms.ChoiceField(label=_("Результат"), choices=ResolutionCode.choices)
    resolution_note = forms.CharField(label=_("Что сделано"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class PriorityForm(UniqueIds, StyledFormMixin, forms.Form):
    id_prefix = "priority"
    impact = forms.TypedChoiceField(label=_("Влияние"), choices=Impact.choices, coerce=int)
    urgency = forms.TypedChoiceField(label=_("Срочность"), choices=Urgency.choices, coerce=int)
    priority = forms.TypedChoiceField(
        label=_("Приоритет"),
        choices=[("", _("по матрице"))] + [(v, lbl) for v, lbl in Priority.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )


class CategoryForm(UniqueIds, StyledFormMixin, forms.Form):
    id_prefix = "category"
    category = category_field()


class AssignForm(UniqueIds, StyledFormMixin, forms.Form):
    id_prefix = "assign"
    assignee = forms.TypedChoiceField(label=_("Исполнитель"), coerce=int, empty_value=None, required=False)

    def __init__(self, *args: Any, agents: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "assignee", [("", _("— не назначен —")), *(agents or [])])


def queue_choices(queues: Any, *, departments_only: bool = False) -> list[tuple[Any, str]]:
    out: list[tuple[Any, str]] = []
    for q in queues:
        if departments_only and q.line_level is not None:
            continue
        level = _("отдел") if q.line_level is None else _("%(n)s-я линия") % {"n": q.line_level}
        out.append((q.pk, f"{q.name} · {level}"))
    return out


class EscalateForm(UniqueIds, StyledFormMixin, forms.Form):
    id_prefix = "escalate"
    reason = forms.CharField(
        label=_("Причина эскалации"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("Что уже сделано и почему нужна следующая линия")}),
    )
    to_queue = forms.TypedChoiceField(
        label=_("Куда"), coerce=int, empty_value=None, required=False, help_text=_("Пусто — очередь следующей линии")
    )

    def __init__(self, *args: Any, queues: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "to_queue", [("", _("— следующая линия —")), *queue_choices(queues)])


class TransferForm(UniqueIds, StyledFormMixin, forms.Form):
    id_prefix = "transfer"
    to_queue = forms.TypedChoiceField(label=_("Отдел или очередь"), coerce=int)
    reason = forms.CharField(label=_("Причина передачи"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, queues: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "to_queue", [("", _("— выберите —")), *queue_choices(queues)])


class TicketRefForm(StyledFormMixin, forms.Form):
    target = forms.CharField(
        label=_("Номер заявки"), max_length=32, widget=forms.TextInput(attrs={"placeholder": "HL-000123"})
    )


class MergeForm(UniqueIds, TicketRefForm):
    id_prefix = "merge"


class LinkForm(UniqueIds, TicketRefForm):
    id_prefix = "link"
    kind = forms.ChoiceField(label=_("Связь"), choices=LinkKind.choices, initial=LinkKind.RELATED)


class SplitForm(UniqueIds, StyledFormMixin, forms.Form):
    id_prefix = "split"
    subject = forms.CharField(label=_("Тема новой заявки"), max_length=255)
    message_ids = forms.TypedMultipleChoiceField(
        label=_("Сообщения, которые переносятся"), coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, message_choices: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "message_ids", message_choices or [])


class TicketFilterForm(forms.Form):
    """The queue view's filters; every field optional, bad values simply ignored."""

    q = forms.CharField(required=False, label=_("Текст"))
    status = forms.ChoiceField(
        required=False,
        label=_("Статус"),
        choices=[("", _("все")), ("open_all", _("все открытые")), *Status.choices],
    )
    queue = forms.TypedChoiceField(required=False, label=_("Очередь"), coerce=int, empty_value=None)
    assignee = forms.CharField(required=False, label=_("Исполнитель"))
    priority = forms.TypedChoiceField(
        required=False,
        label=_("Приоритет"),
        coerce=int,
        empty_value=None,
        choices=[("", _("любой")), *Priority.choices],
    )
    category = forms.TypedChoiceField(required=False, label=_("Категория"), coerce=int, empty_value=None)
    channel = forms.ChoiceField(required=False, label=_("Канал"), choices=[("", _("любой")), *Channel.choices])
    tag = forms.CharField(required=False, label=_("Метка"), max_length=64)
    created_from = forms.DateField(required=False, label=_("Создана с"), widget=forms.DateInput(attrs={"type": "date"}))
    created_to = forms.DateField(required=False, label=_("по"), widget=forms.DateInput(attrs={"type": "date"}))
    sort = forms.CharField(required=False)

    def __init__(
        self,
        *args: Any,
        queues: Any = (),
        categories: Any = (),
        agents: list[tuple[int, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "queue", [("", _("все мои")), *((q.pk, q.name) for q in queues)])
        set_choices(self, "category", [("", _("любая")), *((c.pk, c.name) for c in categories)])
        self.agent_choices = [("", _("любой")), ("me", _("я")), ("none", _("не назначен")), *(agents or [])]


class BulkForm(forms.Form):
    ticket_ids = forms.TypedMultipleChoiceField(coerce=int, required=True)
    action = forms.ChoiceField(choices=[("assign", "assign"), ("status", "status"), ("merge", "merge")])
    assignee = forms.CharField(required=False)
    status = forms.ChoiceField(required=False, choices=[("", ""), *Status.choices])
    merge_into = forms.CharField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any visible id may be posted; the services check access on each.
        data = self.data.getlist("ticket_ids") if hasattr(self.data, "getlist") else []
        set_choices(self, "ticket_ids", [(v, v) for v in data])


class SaveFilterForm(UniqueIds, StyledFormMixin, forms.Form):
    id_prefix = "savefilter"
    name = forms.CharField(label=_("Название фильтра"), max_length=80)
    query = forms.CharField(widget=forms.HiddenInput, required=False)
    is_shared = forms.BooleanField(label=_("Показывать всем сотрудникам"), required=False)


class ReassignForm(StyledFormMixin, forms.Form):
    from_agent = forms.TypedChoiceField(label=_("У кого забрать"), coerce=int)
    to_agent = forms.TypedChoiceField(label=_("Кому передать"), coerce=int)
    ticket_ids = forms.TypedMultipleChoiceField(coerce=int, required=False)

    def __init__(self, *args: Any, agents: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "from_agent", [("", _("— выберите —")), *(agents or [])])
        set_choices(self, "to_agent", [("", _("— выберите —")), *(agents or [])])
        data = self.data.getlist("ticket_ids") if hasattr(self.data, "getlist") else []
        set_choices(self, "ticket_ids", [(v, v) for v in data])


# ---------- the customer portal ----------


class PortalTicketForm(StyledFormMixin, forms.Form):
    subject = forms.CharField(label=_("Тема"), max_length=255)
    description = forms.CharField(label=_("Опишите вопрос"), widget=forms.Textarea(attrs={"rows": 6}), max_length=20000)
    category = category_field()
    attachments = MultipleFileField(label=_("Файлы"), help_text=_("Фото, скриншоты, документы — до 20 МБ каждый"))


class PortalReplyForm(UniqueIds, StyledFormMixin, forms.Form):
    id_prefix = "preply"
    body = forms.CharField(label=_("Ваш ответ"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20000)
    attachments = MultipleFileField(label=_("Файлы"))


class RatingForm(UniqueIds, StyledFormMixin, forms.Form):
    id_prefix = "rating"
    score = forms.TypedChoiceField(
        label=_("Оценка"),
        coerce=int,
        choices=[(5, "5"), (4, "4"), (3, "3"), (2, "2"), (1, "1")],
        widget=forms.RadioSelect,
        error_messages={"required": _("Поставьте оценку от 1 до 5")},
    )
    comment = forms.CharField(
        label=_("Комментарий"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class SignupForm(StyledFormMixin, forms.Form):
    full_name = forms.CharField(label=_("Имя и фамилия"), max_length=320)
    email = forms.EmailField(label=_("E-mail"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    phone = forms.CharField(
        label=_("Телефон"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    password1 = forms.CharField(
        label=_("Пароль"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), strip=False
    )
    password2 = forms.CharField(
        label=_("Пароль ещё раз"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), strip=False
    )
    consent = forms.BooleanField(
        label=_("Согласен на обработку персональных данных для ответа на мои обращения"),
        error_messages={"required": _("Без согласия мы не сможем обработать обращения")},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", _("Пароли не совпадают"))
        return data
