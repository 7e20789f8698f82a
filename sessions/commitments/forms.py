"""Forms of the commitment card and the follow-up check-in.

Lengths and formats are checked here; the services check the rules that depend on the
workshop (dates in the event's time zone, what can be linked, who can be a buddy).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sessions.commands import CommandForm
from sessions.commitments.services import Card
from sessions.models import (
    ACTION_MAX,
    DONE_BY_DEFAULT_DAYS,
    FIRST_STEP_MAX,
    MEASURE_MAX,
    STORY_MAX,
    HelpWanted,
    Status,
    Verdict,
)

# The phone counts characters; a little slack lets the service say how long it was.
ACTION_INPUT_MAX = ACTION_MAX + 60


class CommitmentForm(CommandForm):
    step = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    action = forms.CharField(
        max_length=ACTION_INPUT_MAX,
        label=_("I will …"),
        help_text=_("A small experiment you can start within two weeks."),
        widget=forms.Textarea(attrs={"rows": 2, "data-limit": ACTION_MAX}),
    )
    link = forms.ChoiceField(label=_("This is about"), required=False, choices=[])
    first_step_when = forms.CharField(
        max_length=FIRST_STEP_MAX,
        label=_("When …"),
        help_text=_("The moment you will take the first step, e.g. “When Monday's shift starts”."),
    )
    first_step_then = forms.CharField(
        max_length=FIRST_STEP_MAX,
        label=_("… then I will"),
        help_text=_("The first step itself, e.g. “time one changeover on line 2”."),
    )
    first_step_on = forms.DateField(
        label=_("First step on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    measure = forms.CharField(
        max_length=MEASURE_MAX,
        label=_("I will know it worked when …"),
        help_text=_("One measure, e.g. “changeovers take under 20 minutes”."),
    )
    done_by = forms.DateField(
        label=_("Done by"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    buddy = forms.TypedChoiceField(
        coerce=int,
        empty_value=None,
        required=False,
        label=_("Buddy (optional)"),
        help_text=_("Someone in this workshop who will ask you how it went."),
        choices=[],
    )
    help_wanted = forms.MultipleChoiceField(
        choices=HelpWanted.choices,
        required=False,
        label=_("Help wanted (optional)"),
        widget=forms.CheckboxSelectMultiple,
    )
    email = forms.EmailField(required=False, label=_("Email address (optional)"), max_length=254)
    consent = forms.BooleanField(
        required=False,
        label=_("Follow me up: send me a few short check-in messages about this commitment"),
    )
    # What the card said when it was drawn: "1" when the room will see the name with it.
    name_shown = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        links: Iterable[tuple[str, str]] = (),
        buddies: Iterable[tuple[int, str]] = (),
        today: datetime.date | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(*args, **kw)
        link, buddy = self.fields["link"], self.fields["buddy"]
        assert isinstance(link, forms.ChoiceField)
        assert isinstance(buddy, forms.ChoiceField)
        link.choices = [("", "Something else")] if not links else list(links)
        buddy.choices = [("", "No buddy"), *buddies]
        if today is not None:
            self.fields["first_step_on"].initial = today
            self.fields["done_by"].initial = today + datetime.timedelta(days=DONE_BY_DEFAULT_DAYS)

    def card(self) -> Card:
        data = self.cleaned_data
        return Card(
            action=data["action"],
            first_step_when=data["first_step_when"],
            first_step_then=data["first_step_then"],
            first_step_on=data["first_step_on"],
            measure=data["measure"],
            done_by=data["done_by"],
            link=data["link"] or "",
            buddy_id=data["buddy"],
            help_wanted=tuple(data["help_wanted"]),
            email=data["email"] or "",
            consent=data["consent"],
            name_shown=data["name_shown"],
        )


class CheckInForm(CommandForm):
    """A one-tap answer: the status button tapped, and whatever else was filled in."""

    status = forms.ChoiceField(choices=Status.choices)
    first_step_taken = forms.TypedChoiceField(
        choices=[("", "—"), ("yes", "Yes"), ("no", "Not yet")],
        coerce=lambda v: v == "yes",
        empty_value=None,
        required=False,
        label=_("Have you taken the first step?"),
    )
    what_happened = forms.CharField(
        max_length=STORY_MAX,
        required=False,
        label=_("What happened?"),
        widget=forms.Textarea(attrs={"rows": 3, "data-limit": STORY_MAX}),
    )
    verdict = forms.ChoiceField(
        choices=[("", "Not decided yet"), *Verdict.choices],
        required=False,
        label=_("Adopt, adapt or abandon?"),
        widget=forms.RadioSelect,
    )
    next_step = forms.CharField(
        max_length=FIRST_STEP_MAX, required=False, label=_("Your next step")
    )
