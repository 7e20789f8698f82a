"""The remote's one command form: what to do, on which step, shown in which state."""

from __future__ import annotations

from django import forms

from sessions.commands import CommandForm
from sessions.timer.read import PRESET_MINUTES

# What a remote can do: move the room, and the step on screen's main controls.
MOVES = ("next", "previous")
CONTROLS = ("open", "close", "reveal", "hide")


class RemoteCommandForm(CommandForm):
    """A tap on the remote. `step` is the step on screen when the remote drew the button
    (blank on the waiting screen); the hidden `shown` field (`sessions.agenda.shown`) says
    the state it was drawn in, so a stale button changes nothing."""

    go = forms.ChoiceField(choices=[(value, value) for value in (*MOVES, *CONTROLS)])
    step = forms.IntegerField(required=False, min_value=1, max_value=2**62)


class RemoteTimerForm(CommandForm):
    """A timer button on the remote: start one of the presets, or a minute more or stop for
    the timer it showed (`timer`; a timer stopped meanwhile refuses it)."""

    do = forms.ChoiceField(choices=[(value, value) for value in ("start", "minute", "stop")])
    preset = forms.TypedChoiceField(
        choices=[(str(m), str(m)) for m in PRESET_MINUTES], coerce=int, required=False
    )
    timer = forms.IntegerField(required=False, min_value=1, max_value=2**62)

    def clean(self) -> dict[str, object]:
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        if data.get("do") == "start" and not data.get("preset"):
            self.add_error("preset", "")
        if data.get("do") in ("minute", "stop") and not data.get("timer"):
            self.add_error("timer", "")
        return data
