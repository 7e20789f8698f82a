"""The console's timer forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from sessions.commands import CommandForm
from sessions.models import TIMER_LABEL_MAX, TIMER_MINUTES_MAX
from sessions.timer.read import PRESET_MINUTES

MINUTES_WANTED = format_lazy(
    _("Give the minutes as a whole number from 1 to {most}."), most=TIMER_MINUTES_MAX
)


class TimerStartForm(CommandForm):
    """A preset button (`preset`) or the custom `minutes`, and an optional label."""

    preset = forms.TypedChoiceField(
        choices=[(str(m), str(m)) for m in PRESET_MINUTES], coerce=int, required=False
    )
    minutes = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=TIMER_MINUTES_MAX,
        label=_("Other (minutes)"),
        error_messages={
            "invalid": MINUTES_WANTED,
            "min_value": MINUTES_WANTED,
            "max_value": MINUTES_WANTED,
        },
    )
    label = forms.CharField(
        required=False,
        max_length=TIMER_LABEL_MAX,
        label=_("Label (optional)"),
        help_text=_("Shown with the timer, e.g. “5 minutes to fill your card”."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        if data.get("preset"):
            data["minutes"] = data["preset"]
        elif data.get("minutes") is None and "minutes" not in self.errors:
            self.add_error("minutes", _("Choose a time, or give the minutes here."))
        return data


class TimerForm(CommandForm):
    """A minute more, or stop: names the timer the console showed."""

    timer = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
