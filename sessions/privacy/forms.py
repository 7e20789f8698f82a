"""The privacy pages' forms: the address a delegate asks their data for, and the erase check."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class AddressForm(forms.Form):
    email = forms.EmailField(label=_("The email address you gave us"), max_length=254)


class EraseForm(forms.Form):
    confirm = forms.BooleanField(label=_("Yes, erase my data"), required=True)
