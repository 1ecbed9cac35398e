"""Forms of the contact screens: they parse input; the customer services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from hotline.web.forms import StyledFormMixin


class ContactForm(StyledFormMixin, forms.Form):
    last_name = forms.CharField(label=_("Фамилия"), max_length=100, required=False)
    first_name = forms.CharField(label=_("Имя"), max_length=100, required=False)
    middle_name = forms.CharField(label=_("Отчество"), max_length=100, required=False)
    phone = forms.CharField(
        label=_("Телефон"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "placeholder": "+7 912 345-67-89"}),
    )
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    position = forms.CharField(label=_("Должность"), max_length=200, required=False)
    notes = forms.CharField(label=_("Заметки"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class MergeForm(StyledFormMixin, forms.Form):
    duplicate_id = forms.IntegerField(label=_("Номер карточки-дубликата"), min_value=1)


class ConsentForm(forms.Form):
    kind = forms.ChoiceField(choices=[("pd", _("персональные данные")), ("ads", _("реклама"))])
    action = forms.ChoiceField(choices=[("grant", _("дано")), ("withdraw", _("отозвано"))])
    source = forms.CharField(label=_("Как получено / основание"), max_length=200, required=False)
