"""The run sheets' forms: saving a workshop as a run sheet, renaming, sharing, importing a
file, duplicating a workshop, importing another workshop's steps, and the run sheet a new
workshop starts from. Ids chosen in a form are looked up through `sessions.access` by the
view (what is not the facilitator's answers like what does not exist)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sessions.commands import CommandForm
from sessions.models import TEXT_MAX, TITLE_MAX, Event, RunSheet, Workshop
from sessions.runsheets.document import MAX_BYTES
from sessions.runsheets.library import built_ins

EMPTY = ""


class SaveSheetForm(CommandForm):
    title = forms.CharField(max_length=TITLE_MAX, label=_("Run sheet title"))


class EditSheetForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX, label=_("Title"))
    description = forms.CharField(
        max_length=TEXT_MAX,
        required=False,
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _id_choice(label: str, choices: list[tuple[Any, str]], **kwargs: Any) -> forms.IntegerField:
    return forms.IntegerField(
        min_value=1, label=label, widget=forms.Select(choices=choices), **kwargs
    )


class ShareSheetForm(forms.Form):
    event = forms.IntegerField(min_value=1, label=_("Event"))
    shared = forms.ChoiceField(choices=[("share", "Share"), ("unshare", "Stop sharing")])

    def __init__(self, *args: Any, events: Iterable[Event] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["event"].widget = forms.Select(choices=[(e.pk, e.name) for e in events])


class ImportFileForm(CommandForm):
    file = forms.FileField(
        label=_("Run sheet file (.json)"),
        help_text=_("A file exported from facilitate, at most %(kb)d KB.")
        % {"kb": MAX_BYTES // 1024},
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}),
    )


class DuplicateForm(CommandForm):
    event = forms.IntegerField(min_value=1, label=_("Into the event"))
    title = forms.CharField(max_length=TITLE_MAX, label=_("New workshop's title"))

    def __init__(self, *args: Any, events: Iterable[Event] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["event"].widget = forms.Select(choices=[(e.pk, e.name) for e in events])


class ImportStepsForm(CommandForm):
    source = forms.IntegerField(min_value=1, label=_("Steps of the workshop"))

    def __init__(self, *args: Any, workshops: Iterable[Workshop] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(w.pk, f"{w.title} ({w.event.name})") for w in workshops]
        self.fields["source"].widget = forms.Select(choices=choices)


class StartFromForm(CommandForm):
    """What a new workshop starts from: empty, one of the facilitator's run sheets (mine or
    shared: "sheet:<id>") or a built-in one ("built-in:<slug>")."""

    start_from = forms.CharField(
        required=False, max_length=100, label=_("Start from"),
        help_text=_("Its steps, settings and presenter notes; you can change them after."),
    )  # fmt: skip

    def __init__(self, *args: Any, sheets: Iterable[RunSheet] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        mine = [(f"sheet:{s.pk}", s.title) for s in sheets]
        library = [(f"built-in:{b.slug}", b.title) for b in built_ins()]
        choices: list[Any] = [(EMPTY, _("An empty agenda"))]
        if mine:
            choices.append((_("Run sheets"), mine))
        choices.append((_("Built-in library"), library))
        self.fields["start_from"].widget = forms.Select(choices=choices)

    def clean_start_from(self) -> tuple[str, str]:
        value: str = self.cleaned_data["start_from"]
        if not value:
            return ("", "")
        source, colon, name = value.partition(":")
        if not colon or source not in ("sheet", "built-in") or not name:
            raise forms.ValidationError(_("Choose a run sheet from the list."))
        return (source, name)
