"""Run sheets' verbs: save a workshop's agenda as a run sheet, start a workshop from one,
duplicate a workshop, import another workshop's steps, import a run sheet file, and keep
one's own sheets (rename, delete, share with an event's team).

Each verb is keyword-only and runs in one transaction: a step refused (by the add-step
form's rules or its kind) refuses the whole command and nothing is created. Commands that
make something carry a client-generated key (`SheetCommand`): a replay makes nothing new
and answers with what the first one made. Steps are added through each kind's `add`, which
records the workshop's changes and pushes them after commit.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from sessions.agenda.services import create_workshop, lock_open_workshop
from sessions.errors import Refused
from sessions.models import Event, RunSheet, SheetCommand, Step, Workshop
from sessions.runsheets.document import (
    BadSheet,
    checked,
    document_of,
    parse,
    refuse_invalid,
    step_form,
    step_name,
)
from sessions.steps import kind_of

# --- the document of a workshop ------------------------------------------------------------


def steps_document(steps: list[Step]) -> list[dict[str, Any]]:
    """The run sheet entries of `steps` (in order): no results, no delegates. A vote on an
    ideas step's clusters names that step by its number among `steps`."""
    numbers = {step.pk: number for number, step in enumerate(steps, start=1)}
    entries = []
    for step in steps:
        settings = kind_of(step.kind).sheet_settings(step)
        if settings.get("options_from") is not None:
            settings["options_from"] = numbers.get(settings["options_from"])
        entries.append(
            {
                "kind": step.kind,
                "title": step.title,
                "text": step.body,
                "notes": step.notes,
                "planned_minutes": step.planned_minutes,
                "settings": settings,
            }
        )
    return entries


def workshop_document(workshop: Workshop, title: str | None = None) -> dict[str, Any]:
    """The workshop's agenda as a run sheet document (what the export file holds)."""
    steps = list(workshop.steps.order_by("position"))
    return document_of(title or workshop.title, workshop.description, steps_document(steps))


def total_minutes(document: dict[str, Any]) -> int:
    return sum(step.get("planned_minutes") or 0 for step in document["steps"])


# --- building steps ------------------------------------------------------------------------


def build_steps(*, workshop: Workshop, steps: list[dict[str, Any]]) -> list[Step]:
    """Append a document's steps (checked) to `workshop`, each through the add-step form and
    its kind's `add`; a vote planned on an ideas step's clusters is planned on the new
    step. Refuses (BadSheet, naming the step) and adds nothing when one step is refused;
    call inside the command's transaction."""
    lock_open_workshop(workshop.pk)
    new_ids: dict[int, int] = {}  # the sheet's step number to the new step's id
    ideas_steps: list[tuple[int, str]] = []
    made = []
    for number, entry in enumerate(steps, start=1):
        settings = dict(entry["settings"])
        if settings.get("options_from") is not None:
            settings["options_from"] = new_ids.get(settings["options_from"], 0)
        planned = {**entry, "settings": settings}
        form = step_form(number, planned, ideas_steps)
        refuse_invalid(number, planned, form)
        kind = kind_of(entry["kind"])
        try:
            step = kind.add(workshop, form)
        except Refused as refused:
            raise BadSheet(f"{step_name(number, entry['title'])}: {refused.message}") from None
        assert step is not None  # added without a key: never a replay
        kind.sheet_restore(step, settings)
        step.body = entry.get("text", "")
        step.notes = entry.get("notes", "")
        step.planned_minutes = entry.get("planned_minutes")
        step.save(update_fields=["body", "notes", "planned_minutes"])
        new_ids[number] = step.pk
        if step.kind == Step.Kind.IDEAS:
            ideas_steps.append((step.pk, step.title))
        made.append(step)
    return made


# --- commands ------------------------------------------------------------------------------


def _command(user: User, key: str | None) -> tuple[SheetCommand | None, SheetCommand | None]:
    """(the new command's record, None), or (None, the earlier record) for a replayed key;
    (None, None) without a key."""
    if not key:
        return None, None
    scoped = f"{user.pk}:{key}"
    try:
        with transaction.atomic():
            return SheetCommand.objects.create(key=scoped), None
    except IntegrityError:
        return None, SheetCommand.objects.get(key=scoped)


def _made(record: SheetCommand | None, **made: Any) -> None:
    if record is not None:
        for name, value in made.items():
            setattr(record, name, value)
        record.save()


@transaction.atomic
def create_run_sheet(
    *, user: User, document: dict[str, Any], key: str | None = None
) -> RunSheet | None:
    """A new run sheet of `user`'s from a document (checked again here). A replayed key
    makes nothing and returns the first one's sheet (None if it was deleted since)."""
    record, earlier = _command(user, key)
    if earlier is not None:
        return earlier.run_sheet
    document = checked(document)
    sheet = RunSheet.objects.create(
        owner=user,
        title=document["title"],
        description=document["description"],
        document=document,
    )
    _made(record, run_sheet=sheet)
    return sheet


def save_workshop(
    *, user: User, workshop: Workshop, title: str, key: str | None = None
) -> RunSheet | None:
    """Save the workshop's agenda (its steps and their settings; no results, no
    delegates) as a new run sheet of `user`'s called `title`."""
    return create_run_sheet(user=user, document=workshop_document(workshop, title), key=key)


def import_file(*, user: User, raw: bytes, key: str | None = None) -> RunSheet | None:
    """A new run sheet from an uploaded file's bytes; refuses (BadSheet) a bad file."""
    return create_run_sheet(user=user, document=parse(raw), key=key)


@transaction.atomic
def start_workshop(
    *,
    user: User,
    event: Event,
    title: str,
    description: str = "",
    document: dict[str, Any] | None = None,
    key: str | None = None,
) -> Workshop | None:
    """A new workshop in `event`, with the steps of `document` when given (else empty).
    A replayed key returns the first one's workshop (None if it was deleted since)."""
    record, earlier = _command(user, key)
    if earlier is not None:
        return earlier.workshop
    workshop = create_workshop(event=event, title=title, description=description)
    if document is not None and document.get("steps"):  # a duplicated empty agenda: none
        build_steps(workshop=workshop, steps=checked(document)["steps"])
    _made(record, workshop=workshop)
    return workshop


def duplicate_workshop(
    *, user: User, workshop: Workshop, event: Event, title: str, key: str | None = None
) -> Workshop | None:
    """A new workshop in `event` with `workshop`'s steps and settings: new links and codes,
    no results."""
    return start_workshop(
        user=user,
        event=event,
        title=title,
        description=workshop.description,
        document=workshop_document(workshop),
        key=key,
    )


@transaction.atomic
def import_steps(
    *, user: User, workshop: Workshop, source: Workshop, key: str | None = None
) -> list[Step]:
    """Append `source`'s steps (and settings, no results) to the end of `workshop`'s agenda.
    A replay adds nothing (an empty list)."""
    record, earlier = _command(user, key)
    if earlier is not None:
        return []
    document = workshop_document(source)
    if not document["steps"]:
        raise BadSheet(_("That workshop has no steps to import."))
    document = checked(document)
    made = build_steps(workshop=workshop, steps=document["steps"])
    _made(record, workshop=workshop)
    return made


@transaction.atomic
def rename_run_sheet(*, sheet: RunSheet, title: str, description: str) -> RunSheet:
    """A new title and description, in the sheet and in its document."""
    locked = RunSheet.objects.select_for_update().get(pk=sheet.pk)
    locked.title = title
    locked.description = description
    locked.document = {**locked.document, "title": title, "description": description}
    locked.save(update_fields=["title", "description", "document", "updated_at"])
    return locked


@transaction.atomic
def delete_run_sheet(*, sheet: RunSheet) -> None:
    RunSheet.objects.filter(pk=sheet.pk).delete()


@transaction.atomic
def share_run_sheet(*, sheet: RunSheet, event: Event, shared: bool) -> None:
    """Share the sheet with the event's facilitators, or stop (either twice is once)."""
    if shared:
        sheet.shared_with.add(event)
    else:
        sheet.shared_with.remove(event)


def new_key() -> str:
    """A fresh command key for a form the console shows."""
    return str(uuid.uuid4())
