"""Forms of the pulse: a delegate's answer and the console's control (validated here;
ranges and the one-word rule are the service's, which says what was wrong)."""

from django import forms

from sessions.commands import CommandForm
from sessions.models import PULSE_POINTS

# Far above a word's limit: the service measures the word and says what is wrong.
WORD_INPUT_MAX = 500
USEFULNESS_MISSING = f"Choose how useful the workshop was, from 1 to {PULSE_POINTS}."


class PulseAnswerForm(CommandForm):
    pulse = forms.IntegerField(min_value=1)
    usefulness = forms.TypedChoiceField(
        coerce=int,
        choices=[(str(p), str(p)) for p in range(1, PULSE_POINTS + 1)],
        error_messages={"required": USEFULNESS_MISSING, "invalid_choice": USEFULNESS_MISSING},
    )
    word = forms.CharField(max_length=WORD_INPUT_MAX, required=False)


class PulseControlForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            ("open", "Open"),
            ("close", "Close"),
            ("reveal", "Reveal results"),
            ("hide", "Hide results"),
        ]
    )
