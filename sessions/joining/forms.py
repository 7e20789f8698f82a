"""Joining a workshop: the typed short code and the optional display name."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sessions.models import (
    NAME_MAX,
)
from sessions.tokens import JOIN_CODE_LENGTH, normalise_join_code


class JoinCodeForm(forms.Form):
    code = forms.CharField(
        max_length=20,
        label=_("Workshop code"),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "inputmode": "text",
            }
        ),
    )

    def clean_code(self) -> str:
        code = normalise_join_code(self.cleaned_data["code"])
        if len(code) != JOIN_CODE_LENGTH:
            raise forms.ValidationError(
                f"A workshop code has {JOIN_CODE_LENGTH} letters and numbers."
            )
        return code


class JoinForm(forms.Form):
    display_name = forms.CharField(
        max_length=NAME_MAX,
        required=False,
        label=_("Your name (optional)"),
        help_text=_("Shown only where the facilitator chooses to show names."),
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )

    def clean_display_name(self) -> str:
        return " ".join(self.cleaned_data["display_name"].split())
