"""Forms of the word cloud: a delegate's words, withdrawing one, the console's controls and
the add-step form's fields (validated here; the words' rules are the service's, which says
what was wrong)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sessions.commands import CommandForm
from sessions.models import CLOUD_PROMPT_MAX, CLOUD_WORDS_DEFAULT, CLOUD_WORDS_MOST

# Far above a word's limit: the service measures the word and says what is wrong.
WORD_INPUT_MAX = 500


class WordsField(forms.Field):
    """Every `word` field of the form, as a list (blanks kept: the service leaves them out)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[str]:
        if not value:
            return []
        if not isinstance(value, list | tuple):
            raise forms.ValidationError(_("That was not understood; nothing was changed."))
        return [str(v) for v in value]

    def validate(self, value: list[str]) -> None:
        if len(value) > CLOUD_WORDS_MOST or any(len(v) > WORD_INPUT_MAX for v in value):
            raise forms.ValidationError(_("That was not understood; nothing was changed."))


class CloudWordsForm(CommandForm):
    cloud = forms.IntegerField(min_value=1)
    word = WordsField(required=False)


class WithdrawWordForm(CommandForm):
    cloud = forms.IntegerField(min_value=1)
    word = forms.IntegerField(min_value=1)


class CloudControlForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            ("open", "Open"),
            ("close", "Close"),
            ("approval-on", "Approve before showing"),
            ("approval-off", "Show without approval"),
        ]
    )


class CloudModerateForm(forms.Form):
    action = forms.ChoiceField(choices=[("show", "Show"), ("hide", "Hide"), ("merge", "Merge")])
    term = forms.IntegerField(min_value=1)
    into = forms.IntegerField(min_value=1, required=False)


class CloudFieldsMixin(forms.Form):
    """A word cloud step's prompt and settings (in the add-step form)."""

    cloud_prompt = forms.CharField(
        max_length=CLOUD_PROMPT_MAX,
        required=False,
        label=_("Prompt"),
        help_text=_("Left empty: “One word for how productive your business feels today”."),
    )
    words_each = forms.IntegerField(
        min_value=1,
        max_value=CLOUD_WORDS_MOST,
        required=False,
        initial=CLOUD_WORDS_DEFAULT,
        label=_("Words each delegate may give"),
    )
    cloud_approval = forms.BooleanField(
        required=False, label=_("Approve words before they reach the projector")
    )


class CloudEditForm(forms.Form):
    """A word cloud step's prompt and how many words each delegate may give, on the step's
    edit page (the number can change until the first word is given: the service says so)."""

    prompt = forms.CharField(
        max_length=CLOUD_PROMPT_MAX,
        label=_("Prompt"),
        error_messages={"required": _("A word cloud needs a prompt.")},
    )
    words_each = forms.IntegerField(
        min_value=1, max_value=CLOUD_WORDS_MOST, label=_("Words each delegate may give")
    )
