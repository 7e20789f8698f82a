"""The remote's one command form: what to do, on which step, shown in which state."""

from __future__ import annotations

from django import forms

from sessions.commands import CommandForm

# What a remote can do: move the room, and the step on screen's main controls.
MOVES = ("next", "previous")
CONTROLS = ("open", "close", "reveal", "hide")


class RemoteCommandForm(CommandForm):
    """A tap on the remote. `step` is the step on screen when the remote drew the button
    (blank on the waiting screen); the hidden `shown` field (`sessions.agenda.shown`) says
    the state it was drawn in, so a stale button changes nothing."""

    go = forms.ChoiceField(choices=[(value, value) for value in (*MOVES, *CONTROLS)])
    step = forms.IntegerField(required=False, min_value=1, max_value=2**62)
