"""Forms for the Snapshot: one answer, the profile and consent, the challenges, and the
organiser's set-up."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from sessions.models import CHALLENGE_MAX, ITEM_TEXT_MAX, MAX_CHALLENGES, TOP_PICKS
from sessions.models import SnapshotResponse as Response
from sessions.models import SnapshotSetup as Setup
from sessions.snapshot.bank import CORE_CODES, EDITABLE_CODES, ITEM_BY_CODE, SCALE

UNSURE = "unsure"


class AnswerForm(forms.Form):
    value = forms.ChoiceField(
        choices=[(str(v), label) for v, label in SCALE] + [(UNSURE, "Not sure")],
        error_messages={"invalid_choice": _("Choose one of the answers shown, or “not sure”.")},
    )

    def answer(self) -> int | None:
        value = self.cleaned_data["value"]
        return None if value == UNSURE else int(value)


class AboutForm(forms.Form):
    sector = forms.ChoiceField(choices=[("", "Choose…"), *Response.Sector.choices])
    employees = forms.ChoiceField(
        choices=[("", "Choose…"), *Response.Employees.choices], label=_("Employees")
    )
    region = forms.CharField(max_length=60, required=False, label=_("Region (optional)"))
    role = forms.ChoiceField(
        choices=[("", "Choose…"), *Response.Role.choices], label=_("Your role")
    )
    consent_export = forms.BooleanField(
        required=False,
        label=_(
            "The organiser may include my answers, without my name, in the event's "
            "export for its report to funders."
        ),
    )
    consent_contact = forms.BooleanField(
        required=False,
        label=_("The organiser may contact me about my results and a retake in 90 days."),
    )


class ChallengesForm(forms.Form):
    picks = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=format_lazy(_("Pick up to {n}"), n=TOP_PICKS),
        error_messages={"invalid_choice": _("Pick challenges from the list.")},
    )
    other = forms.CharField(
        max_length=CHALLENGE_MAX, required=False, label=_("Another challenge (optional)")
    )

    def __init__(self, *args: Any, offered: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        picks = self.fields["picks"]
        assert isinstance(picks, forms.ChoiceField)
        picks.choices = [(label, label) for label in offered]

    def clean_picks(self) -> list[str]:
        picks: list[str] = self.cleaned_data["picks"]
        if len(picks) > TOP_PICKS:
            raise forms.ValidationError(_("Pick at most %(n)d challenges.") % {"n": TOP_PICKS})
        return picks


def item_field(code: str) -> str:
    return f"item_{code}"


class SetupForm(forms.Form):
    """The organiser's set-up. Core items are not fields; a post that tries to change one is
    refused with a message rather than silently ignored."""

    state = forms.ChoiceField(choices=Setup.State.choices, label=_("Snapshot"))
    challenges = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        label=_("Challenges delegates pick from, one per line"),
        max_length=MAX_CHALLENGES * (CHALLENGE_MAX + 2),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code in EDITABLE_CODES:
            item = ITEM_BY_CODE[code]
            self.fields[item_field(code)] = forms.CharField(
                required=False,
                max_length=ITEM_TEXT_MAX,
                label=_("Third item of this dimension (shipped: “%(text)s”)") % {"text": item.text},
                help_text=_("Reword it or replace it with another item; empty: the shipped words."),
            )

    def clean(self) -> dict[str, Any] | None:
        data = super().clean()
        if self.data and any(item_field(code) in self.data for code in CORE_CODES):
            raise forms.ValidationError(
                _(
                    "Core items keep their wording at every event so results compare across "
                    "events; only the third item of each dimension can change."
                )
            )
        return data

    def clean_challenges(self) -> list[str]:
        lines = [" ".join(line.split()) for line in self.cleaned_data["challenges"].splitlines()]
        labels = list(dict.fromkeys(line for line in lines if line))
        if len(labels) > MAX_CHALLENGES:
            raise forms.ValidationError(_("At most %(n)d challenges.") % {"n": MAX_CHALLENGES})
        if any(len(label) > CHALLENGE_MAX for label in labels):
            raise forms.ValidationError(
                _("Each challenge: at most %(n)d characters.") % {"n": CHALLENGE_MAX}
            )
        return labels

    def wording(self) -> dict[str, str]:
        return {code: self.cleaned_data[item_field(code)] for code in EDITABLE_CODES}
