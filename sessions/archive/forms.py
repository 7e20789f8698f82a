"""The archive's forms: sharing it by a read-only link."""

from __future__ import annotations

from django import forms


class ShareForm(forms.Form):
    do = forms.ChoiceField(choices=[("share", "Share"), ("stop", "Stop sharing")])
