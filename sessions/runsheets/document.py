"""The run sheet document: one versioned JSON format for a stored run sheet and its file.

    {"format": "facilitate-run-sheet", "version": 1, "title": "...", "description": "...",
     "steps": [{"kind": "vote", "title": "...", "text": "...", "notes": "...",
                "planned_minutes": 10, "settings": {...}}, ...]}

A step's `settings` are the console's add-step form data for its kind (`StepForm`, the
names in the kind's `sheet_fields`), plus the kind's `sheet_extras`: each step is checked
by the same form and rules as typing it (`step_form`). A vote taking its options from an
ideas step's clusters names that step by its number in the sheet (`options_from`: 1 is
the first step), which must be an earlier ideas step. docs/run-sheets.md describes it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from sessions.agenda.forms import StepForm
from sessions.errors import InvalidInput
from sessions.models import NOTES_MAX, PLANNED_MINUTES_MAX, TEXT_MAX, TITLE_MAX, Step
from sessions.steps import kind_of
from sessions.voting.forms import NO_IDEAS_STEP

FORMAT = "facilitate-run-sheet"
VERSION = 1
MAX_BYTES = 256 * 1024
MAX_STEPS = 100
STEP_KEYS = {"kind", "title", "text", "notes", "planned_minutes", "settings"}


class BadSheet(InvalidInput):
    """A run sheet document (a file, a stored sheet) that cannot be read or used."""


def parse(raw: bytes) -> dict[str, Any]:
    """The checked document in an uploaded file's bytes; refuses (BadSheet) saying why."""
    if len(raw) > MAX_BYTES:
        raise BadSheet(
            _("The file is too big: a run sheet file can be at most %(kb)d KB.")
            % {"kb": MAX_BYTES // 1024}
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadSheet(_("Not a text file: a run sheet is JSON in UTF-8.")) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise BadSheet(
            _("Not JSON (line %(line)d, column %(column)d).")
            % {"line": error.lineno, "column": error.colno}
        ) from None
    return checked(document)


def checked(document: object) -> dict[str, Any]:
    """`document` checked and tidied (the form's rules for every step); refuses (BadSheet)
    with the first problem, naming the step (its number and title) and the setting."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BadSheet(_("Not a facilitate run sheet."))
    version = document.get("version")
    if type(version) is not int or version < 1:
        raise BadSheet(_("Not a facilitate run sheet: it has no version number."))
    if version > VERSION:
        raise BadSheet(
            _("Version %(version)d is newer than this installation reads (%(reads)d).")
            % {"version": version, "reads": VERSION}
        )
    title = _text(document.get("title"), TITLE_MAX, _("The run sheet title"), required=True)
    description = _text(document.get("description"), TEXT_MAX, _("The run sheet description"))
    steps = document.get("steps")
    if not isinstance(steps, list):
        raise BadSheet(_("The run sheet has no list of steps."))
    if not steps:
        raise BadSheet(_("The run sheet has no steps."))
    if len(steps) > MAX_STEPS:
        raise BadSheet(
            _("Too many steps: a run sheet can have at most %(most)d; this one has %(n)d.")
            % {"most": MAX_STEPS, "n": len(steps)}
        )
    tidy: list[dict[str, Any]] = []
    for number, entry in enumerate(steps, start=1):
        tidy.append(_checked_step(number, entry, tidy))
    return document_of(title, description, tidy)


def document_of(title: str, description: str, steps: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "title": title,
        "description": description,
        "steps": steps,
    }


def _text(value: object, most: int, what: str, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise BadSheet(_("%(what)s must be text.") % {"what": what})
    value = value.strip()
    if required and not value:
        raise BadSheet(_("%(what)s is missing.") % {"what": what})
    if len(value) > most:
        raise BadSheet(
            _("%(what)s can be at most %(most)d characters.") % {"what": what, "most": most}
        )
    return value


def step_name(number: int, title: object) -> str:
    if isinstance(title, str) and title.strip():
        return _("Step %(n)d (%(title)s)") % {"n": number, "title": title.strip()[:TITLE_MAX]}
    return _("Step %(n)d") % {"n": number}


def _checked_step(number: int, entry: object, earlier: list[dict[str, Any]]) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise BadSheet(_("Step %(n)d is not a step.") % {"n": number})
    name = step_name(number, entry.get("title"))

    def refuse(message: str) -> BadSheet:
        return BadSheet(f"{name}: {message}")

    unknown = sorted(set(entry) - STEP_KEYS)
    if unknown:
        raise refuse(_("unknown field “%(name)s”.") % {"name": unknown[0]})
    kind = entry.get("kind")
    if kind not in Step.Kind.values:
        raise refuse(_("unknown kind of step “%(kind)s”.") % {"kind": str(kind)[:40]})
    settings = entry.get("settings", {})
    if not isinstance(settings, dict):
        raise refuse(_("its settings are not a set of names and values."))
    step_kind = kind_of(kind)
    allowed = set(step_kind.sheet_fields) | set(step_kind.sheet_extras)
    unknown = sorted(set(settings) - allowed)
    if unknown:
        raise refuse(_("a %(kind)s step has no setting “%(name)s”.") % {
            "kind": kind, "name": unknown[0][:40]})  # fmt: skip
    try:
        notes = _text(entry.get("notes"), NOTES_MAX, _("its notes"))
    except BadSheet as bad:
        raise refuse(bad.message) from None
    minutes = entry.get("planned_minutes")
    if minutes is not None and (
        type(minutes) is not int or not 1 <= minutes <= PLANNED_MINUTES_MAX
    ):
        raise refuse(
            _("planned minutes must be a whole number from 1 to %(most)d.")
            % {"most": PLANNED_MINUTES_MAX}
        )
    tidy = {
        "kind": kind,
        "title": entry.get("title"),
        "text": entry.get("text", ""),
        "notes": notes,
        "planned_minutes": minutes,
        "settings": settings,
    }
    ideas_steps = [(n, e["title"]) for n, e in enumerate(earlier, 1) if e["kind"] == "ideas"]
    source = settings.get("options_from")
    if source not in (None, "") and source not in dict(ideas_steps):
        raise refuse(
            _("its options come from the clusters of step “%(source)s”, which is not an "
              "ideas step before it.") % {"source": str(source)[:20]}
        )  # fmt: skip
    form = step_form(number, tidy, ideas_steps)
    refuse_invalid(number, tidy, form)
    data = form.cleaned_data
    tidy["title"], tidy["text"] = data["title"], data["body"]
    return tidy


def step_form(
    number: int, entry: Mapping[str, Any], ideas_steps: Iterable[tuple[int, str]]
) -> StepForm:
    """The add-step form filled from a document's step; a vote may take its options from
    the clusters of `ideas_steps` (value, title), the values its `options_from` names."""
    data: dict[str, Any] = {}
    for name, value in entry["settings"].items():
        if name in StepForm.base_fields:
            data[name] = "\n".join(map(str, value)) if isinstance(value, list) else value
    for name in ("kind", "title"):
        data[name] = entry[name]
    data["body"] = entry.get("text", "")
    for name, value in list(data.items()):
        if value is None:
            data[name] = ""
        elif value is False:  # an unticked box sends nothing
            del data[name]
    form = StepForm(data)
    options_from = form.fields["options_from"]
    assert isinstance(options_from, forms.ChoiceField)
    options_from.choices = [("", NO_IDEAS_STEP), *ideas_steps]
    return form


def refuse_invalid(number: int, entry: Mapping[str, Any], form: StepForm) -> None:
    """Refuses (BadSheet) a step whose form or extra settings do not validate: the first
    error, naming the step and the setting."""
    name = step_name(number, entry.get("title"))
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        where = _field_name(form, field)
        raise BadSheet(f"{name}: {where}{errors[0]}", {field: errors})
    extra = kind_of(entry["kind"]).sheet_clean(entry["settings"])
    if extra:
        field, message = next(iter(extra.items()))
        raise BadSheet(f"{name}: “{field}”: {message}", {field: [message]})


def _field_name(form: StepForm, field: str) -> str:
    if field == "__all__" or field not in form.fields:
        return ""
    label = form.fields[field].label or field.replace("_", " ")
    return f"{capfirst(str(label).rstrip(':'))}: "
