"""Forms of the knowledge screens. They parse input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hotline.core.models import User
from hotline.desk.choices import Status
from hotline.desk.forms import MultipleFileField, category_field
from hotline.desk.models import Queue
from hotline.knowledge.models import ArticleCategory, ArticleStatus, AssignTo, CannedResponse, Language, Visibility
from hotline.web.forms import StyledFormMixin


def section_field(required: bool = True) -> forms.ModelChoiceField:  # type: ignore[type-arg]
    return forms.ModelChoiceField(
        label=_("Раздел"),
        queryset=ArticleCategory.objects.select_related("parent").order_by("parent_id", "sort_order", "name"),
        required=required,
        empty_label=_("— выберите —") if required else _("— верхний уровень —"),
    )


class ArticleForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label=_("Заголовок"), max_length=255)
    category = section_field()
    body = forms.CharField(
        label=_("Текст"),
        required=False,
        max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text=_("Простой текст (пустая строка — новый абзац) или HTML: заголовки, списки, ссылки, картинки."),
    )
    visibility = forms.ChoiceField(label=_("Кому видна"), choices=Visibility.choices, initial=Visibility.INTERNAL)
    language = forms.ChoiceField(label=_("Язык"), choices=Language.choices, initial=Language.RU)
    status = forms.ChoiceField(label=_("Статус"), choices=ArticleStatus.choices, initial=ArticleStatus.DRAFT)
    keywords = forms.CharField(label=_("Ключевые слова"), max_length=500, required=False)
    note = forms.CharField(
        label=_("Что изменено"), max_length=255, required=False, help_text=_("Попадёт в историю версий")
    )


class CategoryForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Название раздела"), max_length=120)
    name_en = forms.CharField(label=_("Название по-английски"), max_length=120, required=False)
    parent = section_field(required=False)


class AttachmentForm(StyledFormMixin, forms.Form):
    attachments = MultipleFileField(label=_("Файлы и картинки"))


class TranslationForm(StyledFormMixin, forms.Form):
    translation_id = forms.IntegerField(label=_("Номер статьи-перевода"), min_value=1)


class RelatedForm(StyledFormMixin, forms.Form):
    article_ids = forms.CharField(
        label=_("Связанные статьи"), required=False, help_text=_("Номера статей через запятую"), max_length=500
    )

    def clean_article_ids(self) -> list[int]:
        raw = str(self.cleaned_data.get("article_ids") or "")
        parts = [p.strip().lstrip("#") for p in raw.replace(";", ",").split(",") if p.strip()]
        if any(not p.isdigit() for p in parts):
            raise forms.ValidationError(_("Укажите номера статей через запятую"))
        return list(dict.fromkeys(int(p) for p in parts))[:50]


class FeedbackForm(forms.Form):
    helpful = forms.TypedChoiceField(choices=[("1", "yes"), ("0", "no")], coerce=lambda v: v == "1")
    comment = forms.CharField(required=False, max_length=2000)


class LinkArticleForm(forms.Form):
    article_id = forms.IntegerField(min_value=1)


SCOPES = [("personal", _("личный")), ("queue", _("для очереди")), ("global", _("для всех"))]


class ScopeMixin(forms.Form):
    scope = forms.ChoiceField(label=_("Для кого"), choices=SCOPES, initial="personal")
    queue: forms.ModelChoiceField[Queue] = forms.ModelChoiceField(
        label=_("Очередь"), queryset=Queue.objects.none(), required=False
    )

    def __init__(self, *args: Any, queues: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["queue"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = queues

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("scope") == "queue" and not data.get("queue"):
            self.add_error("queue", _("Выберите очередь"))
        return data


class CannedResponseForm(StyledFormMixin, ScopeMixin):
    # Both forms share one page: prefixes keep their fields' names and ids apart.
    prefix = "response"
    name = forms.CharField(label=_("Название"), max_length=120)
    shortcut = forms.CharField(label=_("Сокращение"), max_length=40, required=False, help_text=_("Набор ::сокращение"))
    body = forms.CharField(label=_("Текст"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 6}))
    is_active = forms.BooleanField(label=_("Действует"), required=False, initial=True)


class MacroForm(StyledFormMixin, ScopeMixin):
    prefix = "macro"
    name = forms.CharField(label=_("Название"), max_length=120)
    reply: forms.ModelChoiceField[CannedResponse] = forms.ModelChoiceField(
        label=_("Ответить шаблоном"), queryset=CannedResponse.objects.none(), required=False
    )
    set_status = forms.ChoiceField(
        label=_("Установить статус"), required=False, choices=[("", _("не менять")), *Status.choices]
    )
    set_category = category_field()
    assign_to = forms.ChoiceField(label=_("Исполнитель"), required=False, choices=AssignTo.choices)
    assignee: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        label=_("Сотрудник"), queryset=User.objects.none(), required=False
    )
    add_tags = forms.CharField(label=_("Добавить метки"), required=False, max_length=500, help_text=_("Через запятую"))
    is_active = forms.BooleanField(label=_("Действует"), required=False, initial=True)

    def __init__(self, *args: Any, responses: Any = None, agents: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["set_category"].label = _("Категория")
        for name, queryset in (("reply", responses), ("assignee", agents)):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = queryset

    def clean_add_tags(self) -> list[str]:
        raw = str(self.cleaned_data.get("add_tags") or "")
        return [t.strip() for t in raw.split(",") if t.strip()]
