"""The agenda's forms: events, workshops, adding, editing, moving and showing steps.

Every feature's forms validate its commands' input, for HTML forms and htmx alike."""

import zoneinfo
from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from sessions.cloud.forms import CloudFieldsMixin
from sessions.commands import CommandForm
from sessions.ideas.forms import IdeasFieldsMixin
from sessions.models import (
    DEFAULT_RETENTION_DAYS,
    NOTES_MAX,
    PLANNED_MINUTES_MAX,
    TEXT_MAX,
    TITLE_MAX,
    Event,
    Step,
    Workshop,
    default_time_zone,
)
from sessions.moderation import HELD_WORDS_MAX, event_words
from sessions.steps import kind_of
from sessions.voting.forms import PollFieldsMixin


class EventForm(forms.ModelForm[Event]):
    class Meta:
        model = Event
        fields = ["name", "date", "venue", "time_zone", "retention_days", "held_words"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "held_words": forms.Textarea(attrs={"rows": 3, "maxlength": HELD_WORDS_MAX}),
        }
        labels = {
            "retention_days": "Keep personal data for (days after the event)",
            "held_words": "Words to hold back for you (optional)",
        }
        help_texts = {
            "time_zone": "Commitment dates and the hour follow-up messages go out follow it, "
            "e.g. Europe/London.",
            "retention_days": "After this, contact details and the links between delegates "
            "and their words are removed; totals stay.",
            "held_words": "One word or phrase per line. Word clouds and questions that use "
            "one wait for you before the room sees them, as do those on the standard list "
            "of English swear words.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Left empty: the server's zone and the default retention.
        self.fields["time_zone"].required = False
        # The model's default is a function, which would add a hidden copy of the initial
        # zone, carrying the field's aria-describedby (not allowed on a hidden input).
        self.fields["time_zone"].show_hidden_initial = False
        retention_days = self.fields["retention_days"]
        assert isinstance(retention_days, forms.IntegerField)  # a PositiveIntegerField's
        retention_days.required = False
        retention_days.max_value = 3650

    def clean_time_zone(self) -> str:
        zone = (self.cleaned_data["time_zone"] or "").strip() or default_time_zone()
        if zone not in zoneinfo.available_timezones():
            raise forms.ValidationError(_("Give a time zone such as Europe/London."))
        return zone

    def clean_held_words(self) -> str:
        words: str = self.cleaned_data["held_words"]
        if len(words) > HELD_WORDS_MAX:
            raise forms.ValidationError(
                _("Keep the list under %(most)d characters.") % {"most": HELD_WORDS_MAX}
            )
        return "\n".join(event_words(words))

    def clean_retention_days(self) -> int:
        days = self.cleaned_data["retention_days"]
        return DEFAULT_RETENTION_DAYS if days is None else days


class WorkshopForm(forms.ModelForm[Workshop]):
    class Meta:
        model = Workshop
        fields = ["title", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3, "maxlength": TEXT_MAX})}


MINUTES_WANTED = format_lazy(
    _("Give the planned minutes as a whole number from 1 to {most}."), most=PLANNED_MINUTES_MAX
)


class PlanFieldsMixin(forms.Form):
    """A step's presenter notes and planned minutes: what the facilitator reads and plans at
    the front (the console and the remote; never the projector or the phones)."""

    planned_minutes = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=PLANNED_MINUTES_MAX,
        label=_("Planned minutes (optional)"),
        help_text=_("The console's clock says whether the workshop is behind or ahead."),
        error_messages={
            "invalid": MINUTES_WANTED,
            "min_value": MINUTES_WANTED,
            "max_value": MINUTES_WANTED,
        },
    )
    notes = forms.CharField(
        required=False,
        label=_("Presenter notes (optional)"),
        help_text=_("Only you see them, on the console: never the projector or the phones."),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": NOTES_MAX}),
    )

    def clean_notes(self) -> str:
        # Counted as stored: a browser sends each line break as two characters.
        notes = str(self.cleaned_data["notes"]).replace("\r\n", "\n").strip()
        if len(notes) > NOTES_MAX:
            raise forms.ValidationError(
                _("Keep the notes to %(most)d characters (they have %(n)d).")
                % {"most": NOTES_MAX, "n": len(notes)}
            )
        return notes

    def plan(self) -> dict[str, Any]:
        """The cleaned notes and planned minutes, as `services.plan_step` takes them."""
        return {
            "notes": self.cleaned_data.get("notes", ""),
            "planned_minutes": self.cleaned_data.get("planned_minutes"),
        }


class StepForm(CommandForm, PollFieldsMixin, IdeasFieldsMixin, CloudFieldsMixin, PlanFieldsMixin):
    kind = forms.ChoiceField(choices=Step.Kind.choices, initial=Step.Kind.MESSAGE)
    title = forms.CharField(max_length=TITLE_MAX)
    body = forms.CharField(
        max_length=TEXT_MAX,
        required=False,
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    field_order = ["key", "kind", "title", "body"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        if data.get("kind") in Step.Kind.values:
            kind_of(data["kind"]).clean(self, data)  # what that kind needs of the form
        return data


class StepEditForm(PlanFieldsMixin):
    title = forms.CharField(max_length=TITLE_MAX)
    body = forms.CharField(
        max_length=TEXT_MAX,
        required=False,
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    field_order = ["title", "body", "planned_minutes", "notes"]


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])

    def offset(self) -> int:
        return -1 if self.cleaned_data["direction"] == "up" else 1


class ShowStepForm(forms.Form):
    """Move the room. `current` is the step the console showed, so repeats change nothing."""

    step = forms.IntegerField(required=False, min_value=1)
    current = forms.IntegerField(required=False, min_value=1)
    go = forms.ChoiceField(
        choices=[
            ("step", "Show step"),
            ("next", "Next"),
            ("previous", "Previous"),
            ("none", "Clear"),
        ],
        initial="step",
    )
