"""The peers page's forms: opting in (what an introduction would share) and an answer."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sessions.models import COMPANY_MAX, PEER_NAME_MAX, PeerOffer


class OptInForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=PEER_NAME_MAX)
    company = forms.CharField(label=_("Your company"), max_length=COMPANY_MAX)
    email = forms.EmailField(label=_("Your email address"), max_length=254)
    agree = forms.BooleanField(
        label=_("Yes: offer me peers, and share these three details when we both accept"),
        required=True,
        error_messages={"required": _("Tick the box to opt in.")},
        widget=forms.CheckboxInput(attrs={"aria-describedby": "peers-shared"}),
    )


class AnswerForm(forms.Form):
    offer = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    answer = forms.ChoiceField(choices=PeerOffer.Answer.choices)
