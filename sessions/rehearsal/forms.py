"""The console's form that starts a rehearsal."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sessions.models.rehearsal import PHONES_MOST


class RehearsalForm(forms.Form):
    phones = forms.IntegerField(
        label=_("Phones"),
        min_value=1,
        max_value=PHONES_MOST,
        initial=100,
        help_text=_("How many simulated phones join, vote and send, from 1 to %(most)d.")
        % {"most": PHONES_MOST},
    )
