"""The privacy pages' forms: the address a delegate asks their data for, and the erase check."""

from __future__ import annotations

from django import forms


class AddressForm(forms.Form):
    email = forms.EmailField(label="The email address you gave us", max_length=254)


class EraseForm(forms.Form):
    confirm = forms.BooleanField(label="Yes, erase my data", required=True)
