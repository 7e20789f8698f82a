"""Forms of the Q&A (validated here; the service says what is wrong with a question's text)."""

from django import forms

from sessions.commands import CommandForm, fields_shared
from sessions.models import QUESTION_MAX

# Far above a question's limit: the service measures it and says what is wrong.
TEXT_INPUT_MAX = 10 * QUESTION_MAX


class AskForm(CommandForm):
    text = forms.CharField(max_length=TEXT_INPUT_MAX, required=False, strip=False)
    name_shown = forms.BooleanField(required=False)


@fields_shared
class UpvoteForm(CommandForm):
    question = forms.IntegerField(min_value=1, max_value=2**63 - 1)
    up = forms.TypedChoiceField(coerce=lambda v: v == "1", choices=[("1", "1"), ("0", "0")])


class SwitchForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            (name, name)
            for name in (
                "open",
                "close",
                "approval_on",
                "approval_off",
                "projector_off",
                "projector_beside",
                "projector_instead",
            )
        ]
    )


class ModerateForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            (name, name) for name in ("show", "hide", "pin", "unpin", "answered", "unanswered")
        ]
    )


class EditForm(forms.Form):
    text = forms.CharField(max_length=TEXT_INPUT_MAX, required=False, strip=False)
