"""The organiser's forms: joining a series, and the mapping of an edition's wordings."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrPromise

from sessions.commands import CommandForm
from sessions.editions.services import NEW, Wording, suggestion
from sessions.models import TITLE_MAX, Event, Poll, Return, SeriesChallenge


class SeriesForm(forms.Form):
    """Start a series with this event, or make it the next edition of an earlier event."""

    previous = forms.ModelChoiceField(
        queryset=Event.objects.none(),
        required=False,
        label=_("This event is the next edition of"),
        empty_label=_("(none: this is the first edition)"),
        help_text=_("Events whose team you are on."),
    )
    name = forms.CharField(
        max_length=TITLE_MAX,
        required=False,
        label=_("Name of the series"),
        help_text=_(
            "For example the conference's name without the year. Needed for a first edition."
        ),
    )

    def __init__(self, *args: Any, events: QuerySet[Event], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        previous = self.fields["previous"]
        assert isinstance(previous, forms.ModelChoiceField)
        previous.queryset = events

    def clean(self) -> dict[str, Any] | None:
        data = super().clean()
        if data is not None and not data.get("previous") and not data.get("name"):
            self.add_error("name", _("Name the series, or choose the edition this one follows."))
        return data


def field_name(wording: Wording) -> str:
    return f"map_{wording.key}"


class MappingForm(forms.Form):
    """One choice per wording: a series challenge, a new one, or "not a challenge".

    Unconfirmed wordings start on the series challenge that reads the same (a suggestion),
    else on a new challenge for a dot vote's option or a Snapshot text, else on "not a
    challenge" (a poll's other options are rarely challenges)."""

    def __init__(
        self,
        *args: Any,
        wordings: list[Wording],
        challenges: list[SeriesChallenge],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.wordings = wordings
        self.suggested: set[str] = set()
        for wording in wordings:
            choices: list[tuple[str, str | StrPromise]] = [
                ("", _("Not a challenge")),
                (NEW, _("A new challenge with these words")),
            ]
            choices += [(str(c.pk), c.label) for c in challenges]
            self.fields[field_name(wording)] = forms.ChoiceField(
                choices=choices,
                required=False,
                label=wording.text,
                help_text=wording.source,
                initial=self._initial(wording, challenges),
            )

    def _initial(self, wording: Wording, challenges: list[SeriesChallenge]) -> str:
        if wording.link is not None:
            return str(wording.link.challenge_id)
        suggested = suggestion(wording.text, challenges)
        if suggested is not None:
            self.suggested.add(wording.key)
            return str(suggested.pk)
        is_dots = wording.option is not None and wording.option.poll.kind == Poll.Kind.DOTS
        return NEW if wording.option is None or is_dots else ""

    def rows(self) -> list[tuple[Wording, forms.BoundField, bool]]:
        return [(w, self[field_name(w)], w.key in self.suggested) for w in self.wordings]

    def choices(self) -> dict[str, str]:
        return {w.key: self.cleaned_data[field_name(w)] for w in self.wordings}


class ReturnForm(CommandForm):
    """One tap on a brought-back commitment: done, or renewed."""

    outcome = forms.ChoiceField(choices=Return.Outcome.choices)
