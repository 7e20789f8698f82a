"""A vote's settings (in the add-step and edit forms), the console's poll control and a
delegate's tap on the ballot."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.forms.boundfield import BoundField
from django.utils.translation import gettext_lazy as _

from sessions.commands import CommandForm, fields_shared
from sessions.models import (
    TITLE_MAX,
    Poll,
    Step,
)
from sessions.voting.services import ACTIONS, MAX_OPTIONS, PollSettings

NO_IDEAS_STEP = _("None: use the options typed above")


class PollFieldsMixin(forms.Form):
    """A vote's settings; the options are typed or pasted one per line, or (on a form the
    view has offered ideas steps with `offer_ideas_steps`) taken from an ideas step's
    clusters."""

    poll_kind = forms.ChoiceField(
        choices=Poll.Kind.choices, initial=Poll.Kind.DOTS, label=_("Kind of vote"), required=False
    )
    options = forms.CharField(
        required=False,
        label=_("Options, one per line"),
        max_length=MAX_OPTIONS * (TITLE_MAX + 2),
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    options_from = forms.TypedChoiceField(
        coerce=int, empty_value=None, required=False, choices=[("", NO_IDEAS_STEP)],
        label=_("Options from the clusters of"),
        help_text=_(
            "The options are the clusters' names as they are when the vote opens (the "
            "ideas step may have none yet); the typed options are ignored."
        ),
        error_messages={"invalid_choice": _("That ideas step is not part of this workshop.")},
    )  # fmt: skip
    budget = forms.IntegerField(
        required=False, min_value=1, max_value=20, label=_("Dots per delegate"),
        help_text=_("Empty: one dot for every three options, between 3 and 5."),
    )  # fmt: skip
    per_option_max = forms.IntegerField(
        initial=2, min_value=1, max_value=20, label=_("Most dots on one option"), required=False
    )
    max_picks = forms.IntegerField(
        initial=3, min_value=1, max_value=MAX_OPTIONS, required=False,
        label=_("Most picks (multiple choice) or places to rank (ranking)"),
    )  # fmt: skip
    show_live = forms.BooleanField(required=False, label=_("Show results live while voting"))
    options_from_snapshot = forms.BooleanField(
        required=False,
        label=_("Options: the challenges delegates picked in the Productivity Snapshot"),
    )
    scale_low_label = forms.CharField(initial="Not at all", max_length=40, required=False)
    scale_high_label = forms.CharField(initial="Very much", max_length=40, required=False)

    POLL_FIELDS = (
        "poll_kind", "options", "options_from", "options_from_snapshot", "budget",
        "per_option_max", "max_picks", "show_live", "scale_low_label", "scale_high_label",
    )  # fmt: skip

    def poll_fields(self) -> list[BoundField]:
        fields = [self[name] for name in self.POLL_FIELDS]
        options_from = self.fields["options_from"]
        assert isinstance(options_from, forms.ChoiceField)
        choices = options_from.choices
        assert isinstance(choices, list)  # ChoiceField normalises what it is given to a list
        if len(choices) < 2:  # no ideas step to take them from
            fields = [field for field in fields if field.name != "options_from"]
        return fields

    def offer_ideas_steps(self, steps: Iterable[Step]) -> None:
        """Let the vote take its options from the clusters of one of these ideas steps."""
        options_from = self.fields["options_from"]
        assert isinstance(options_from, forms.ChoiceField)
        options_from.choices = [("", NO_IDEAS_STEP)] + [(step.pk, step.title) for step in steps]

    def clean_options(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["options"].splitlines()]
        labels = [line for line in lines if line]
        too_long = [label for label in labels if len(label) > TITLE_MAX]
        if too_long:
            raise forms.ValidationError(
                _("Each option can be at most %(n)d characters.") % {"n": TITLE_MAX}
            )
        return labels

    def poll_settings(self) -> PollSettings:
        data = self.cleaned_data
        return PollSettings(
            kind=data.get("poll_kind") or Poll.Kind.DOTS,
            options=data["options"],
            budget=data.get("budget"),
            per_option_max=data.get("per_option_max") or 2,
            max_picks=data.get("max_picks") or 3,
            show_live=data.get("show_live", False),
            scale_low_label=data.get("scale_low_label") or "Not at all",
            scale_high_label=data.get("scale_high_label") or "Very much",
            options_from=data.get("options_from"),
            options_from_snapshot=data.get("options_from_snapshot", False),
        )


class PollForm(PollFieldsMixin):
    pass


class PollControlForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            ("open", "Open"),
            ("close", "Close"),
            ("reveal", "Reveal results"),
            ("hide", "Hide results"),
            ("focus", "Make the top options the focus"),
        ]
    )
    seconds = forms.IntegerField(required=False, min_value=5, max_value=3600)
    top = forms.IntegerField(required=False, min_value=1, max_value=MAX_OPTIONS, initial=2)


@fields_shared
class VoteForm(CommandForm):
    """One tap on a ballot: what the phone page and the socket both send."""

    poll = forms.IntegerField(min_value=1)
    option = forms.IntegerField(min_value=1, required=False)
    action = forms.ChoiceField(choices=[(a, a) for a in sorted(ACTIONS)])
    # A rating 1-5: scale `rate`, 2x2 `impact` and `effort`.
    value = forms.IntegerField(required=False, min_value=1, max_value=5)

    def command(self) -> dict[str, Any]:
        """The validated tap as `voting.cast` takes it."""
        data = self.cleaned_data
        return {
            "poll_id": data["poll"],
            "option_id": data["option"],
            "action": data["action"],
            "value": data["value"],
            "key": self.command_key(),
        }
