"""Run sheets: saving a workshop's agenda, starting workshops from a sheet (mine, shared or
built-in), duplicating a workshop, importing another's steps, and the run sheet file, with
every kind's settings kept and every bad input refused with nothing created."""

from __future__ import annotations

import datetime
import json
import uuid
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from sessions.agenda import services
from sessions.ideas import services as ideas
from sessions.models import Board, Change, Poll, RunSheet, Step, Workshop
from sessions.runsheets import services as runsheets
from sessions.runsheets.document import FORMAT, MAX_STEPS, BadSheet, checked
from sessions.runsheets.library import built_in, built_ins
from sessions.snapshot.demo import seed_snapshots
from sessions.voting import services as voting

pytestmark = pytest.mark.django_db

LENGTHS = {
    "challenge-to-commitment": 90,
    "pick-and-commit": 45,
    "opening-pulse": 15,
    "closing-commitments": 20,
}


def add(client: Client, workshop: Workshop, **data: Any) -> None:
    """Add a step through the console's add-step form, as a facilitator types it."""
    response = client.post(
        reverse("workshops:step_add", args=[workshop.pk]), {"key": str(uuid.uuid4()), **data}
    )
    assert response.status_code == 302, response.content.decode()


def every_kind(client: Client, workshop: Workshop) -> None:
    """One step of every kind, each with settings away from their defaults, typed in the
    console; then presenter notes and planned minutes on each row."""
    seed_snapshots(workshop.event)
    add(client, workshop, kind="benchmark", title="Where we are", body="The room's profile")
    add(client, workshop, kind="message", title="Welcome", body="Join on your phone")
    add(
        client, workshop, kind="cloud", title="In one word", cloud_prompt="One word for Monday",
        words_each=2, cloud_approval="on",
    )  # fmt: skip
    add(
        client, workshop, kind="vote", title="Pick the challenge", body="Dots",
        poll_kind="dots", options="Changeover\nSkills\nStock\nEnergy", budget=4,
        per_option_max=3, show_live="on",
    )  # fmt: skip
    add(
        client, workshop, kind="vote", title="Seeded", poll_kind="multiple",
        options_from_snapshot="on", max_picks=2,
    )  # fmt: skip
    add(
        client, workshop, kind="ideas", title="Ideas", prompt="How might we cut changeover?",
        staged="on", show_names="on", needs_approval="on", delegates_suggest="on",
    )  # fmt: skip
    ideas_step = workshop.steps.get(title="Ideas")
    Board.objects.filter(step=ideas_step).update(stages=[30, 90, 180, 240], reaction_budget=5)
    add(
        client, workshop, kind="vote", title="Prioritise", poll_kind="matrix",
        options_from=ideas_step.pk,
    )  # fmt: skip
    add(
        client, workshop, kind="vote", title="How confident", poll_kind="scale",
        options="Measuring\nImproving", scale_low_label="Not yet", scale_high_label="Very",
    )  # fmt: skip
    add(client, workshop, kind="vote", title="Rank", poll_kind="ranking", options="A\nB\nC")
    add(client, workshop, kind="vote", title="One", poll_kind="single", options="Yes\nNo")
    add(client, workshop, kind="commit", title="Commit", body="Next two weeks")
    Step.objects.filter(workshop=workshop, title="Commit").update(config={"show_names": True})
    add(client, workshop, kind="pulse", title="Pulse", body="Two questions")
    for minutes, step in enumerate(workshop.steps.all(), start=1):
        Step.objects.filter(pk=step.pk).update(notes=f"Say {step.title}", planned_minutes=minutes)


def upload(client: Client, document: object, name: str = "sheet.json", raw: bytes | None = None):
    data = raw if raw is not None else json.dumps(document).encode()
    return client.post(
        reverse("workshops:run_sheet_import"),
        {"key": str(uuid.uuid4()), "file": SimpleUploadedFile(name, data, "application/json")},
    )


def sheet(steps: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"format": FORMAT, "version": 1, "title": "Mine", "steps": steps, **extra}


def message(title: str = "Welcome", **extra: Any) -> dict[str, Any]:
    return {"kind": "message", "title": title, "text": "Hello", **extra}


# --- the built-in library ------------------------------------------------------------------


def test_every_built_in_sheet_loads_and_its_minutes_add_up_to_its_length():
    assert [b.slug for b in built_ins()] == list(LENGTHS)
    for b in built_ins():
        assert checked(b.document) == b.document
        steps = b.document["steps"]
        assert sum(step["planned_minutes"] for step in steps) == LENGTHS[b.slug]
        assert all(len(step["notes"]) > 40 for step in steps), b.slug


def test_the_full_flow_starts_a_workshop_with_its_matrix_planned_on_the_ideas_clusters(
    facilitator, event
):
    flow = built_in("challenge-to-commitment")
    assert flow is not None
    workshop = runsheets.start_workshop(
        user=facilitator, event=event, title="Morning", document=flow.document
    )
    kinds = list(workshop.steps.values_list("kind", flat=True))
    assert kinds == [
        "benchmark", "message", "cloud", "vote", "ideas", "vote", "commit", "pulse"
    ]  # fmt: skip
    prioritise = workshop.steps.get(title="Prioritise")
    assert voting.planned_source(prioritise) == workshop.steps.get(kind="ideas").pk
    assert prioritise.poll.kind == "matrix"
    assert workshop.steps.get(title="Ideas").board.staged
    assert sum(workshop.steps.values_list("planned_minutes", flat=True)) == 90


# --- services ------------------------------------------------------------------------------


def test_every_kind_round_trips_through_the_file_with_identical_settings(
    facilitator, facilitator_client, workshop, event
):
    every_kind(facilitator_client, workshop)
    exported = facilitator_client.get(
        reverse("workshops:workshop_sheet_export", args=[workshop.pk])
    )
    assert exported.status_code == 200
    assert exported["Content-Disposition"] == 'attachment; filename="small-steps.run-sheet.json"'
    document = json.loads(exported.content)
    assert len(document["steps"]) == 12
    response = upload(facilitator_client, None, raw=exported.content)
    assert response.status_code == 302
    stored = RunSheet.objects.get(owner=facilitator)
    assert stored.document == document
    copy = runsheets.start_workshop(
        user=facilitator, event=event, title="Copy", document=stored.document
    )
    assert runsheets.workshop_document(copy)["steps"] == document["steps"]
    by_title = {entry["title"]: entry for entry in document["steps"]}
    assert by_title["Prioritise"]["settings"]["options_from"] == 6  # the sheet's 6th step
    assert by_title["Seeded"]["settings"]["options_from_snapshot"] is True
    assert by_title["Ideas"]["settings"]["stages"] == [30, 90, 180, 240]
    assert by_title["Ideas"]["settings"]["reaction_budget"] == 5
    assert by_title["In one word"]["settings"] == {
        "cloud_prompt": "One word for Monday", "words_each": 2, "cloud_approval": True,
    }  # fmt: skip
    assert by_title["Commit"]["settings"] == {"show_names": True}
    assert by_title["Pick the challenge"]["settings"]["budget"] == 4
    assert by_title["Welcome"]["notes"] == "Say Welcome"


def test_saving_a_workshop_keeps_its_steps_and_no_results(
    facilitator, facilitator_client, workshop
):
    every_kind(facilitator_client, workshop)
    poll = workshop.steps.get(title="Pick the challenge").poll
    services.show_step(workshop=workshop, step=poll.step)
    voting.open_poll(poll=poll)
    response = facilitator_client.post(
        reverse("workshops:workshop_sheet_save", args=[workshop.pk]),
        {"key": str(uuid.uuid4()), "title": "Our standard morning"},
    )
    saved = RunSheet.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/console/run-sheets/#sheet-{saved.pk}"
    assert saved.title == "Our standard morning"
    assert saved.owner == facilitator
    text = json.dumps(saved.document)
    assert "is_open" not in text
    assert "ballot" not in text


def test_duplicating_a_workshop_copies_its_steps_with_new_codes_and_no_results(
    facilitator, facilitator_client, workshop, event
):
    every_kind(facilitator_client, workshop)
    second = services.create_event(
        user=facilitator, name="Next year", date=datetime.date(2027, 11, 20)
    )
    url = reverse("workshops:workshop_duplicate", args=[workshop.pk])
    data = {"key": str(uuid.uuid4()), "event": second.pk, "title": "Small steps 2027"}
    # Its vote seeded from the Snapshot needs the new event's Snapshot, as typing it would.
    refused = facilitator_client.post(url, data)
    assert refused.status_code == 400
    assert (
        "Step 5 (Seeded): This event has no Snapshot, so there are no picked challenges."
        in refused.content.decode()
    )
    assert not Workshop.objects.filter(event=second).exists()
    seed_snapshots(second)
    poll = workshop.steps.get(title="Pick the challenge").poll
    services.show_step(workshop=workshop, step=poll.step)
    voting.open_poll(poll=poll)
    response = facilitator_client.post(url, {**data, "key": str(uuid.uuid4())})
    copy = Workshop.objects.get(event=second)
    assert response.status_code == 302
    assert response["Location"] == reverse("workshops:console", args=[copy.pk])
    assert copy.title == "Small steps 2027"
    assert copy.join_token != workshop.join_token
    assert copy.join_code != workshop.join_code
    assert copy.display_token != workshop.display_token
    assert (
        runsheets.workshop_document(copy)["steps"] == runsheets.workshop_document(workshop)["steps"]
    )
    copied = copy.steps.get(title="Pick the challenge").poll
    assert (copied.is_open, copied.ballots.count()) == (False, 0)


def test_importing_steps_appends_them_after_the_agenda(facilitator, workshop, event):
    services.add_step(workshop=workshop, title="Already here")
    source = runsheets.start_workshop(
        user=facilitator, event=event, title="Source",
        document=built_in("closing-commitments").document,
    )  # fmt: skip
    made = runsheets.import_steps(
        user=facilitator, workshop=workshop, source=source, key=str(uuid.uuid4())
    )
    assert [s.title for s in made] == ["Small steps", "Commit", "Pulse"]
    assert list(workshop.steps.values_list("title", "position")) == [
        ("Already here", 0), ("Small steps", 1), ("Commit", 2), ("Pulse", 3)
    ]  # fmt: skip


def test_a_sheet_refused_at_its_third_step_creates_no_workshop_and_no_step(facilitator):
    bare = services.create_event(
        user=facilitator, name="No Snapshot", date=datetime.date(2027, 1, 5)
    )
    document = sheet(
        [
            message(),
            message("Second"),
            {"kind": "vote", "title": "Seeded", "settings": {"options_from_snapshot": True}},
        ]
    )
    with pytest.raises(BadSheet) as refused:
        runsheets.start_workshop(user=facilitator, event=bare, title="W", document=document)
    assert refused.value.message == (
        "Step 3 (Seeded): This event has no Snapshot, so there are no picked challenges."
    )
    assert not Workshop.objects.filter(event=bare).exists()
    assert not Step.objects.exists()


def test_the_planned_cluster_vote_gets_the_new_workshops_clusters(
    facilitator, facilitator_client, workshop, event
):
    ideas_step = ideas.add_ideas_step(workshop=workshop, title="Changeover ideas", prompt="How?")
    add(
        facilitator_client, workshop, kind="vote", title="Which cluster first?",
        poll_kind="dots", options_from=ideas_step.pk,
    )  # fmt: skip
    saved = runsheets.save_workshop(user=facilitator, workshop=workshop, title="Plan")
    new = runsheets.start_workshop(
        user=facilitator, event=event, title="Next room", document=saved.document
    )
    new_ideas = new.steps.get(kind="ideas")
    vote_step = new.steps.get(kind="vote")
    assert voting.planned_source(vote_step) == new_ideas.pk
    ideas.create_cluster(board=new_ideas.board, name="Quick changeover kits")
    ideas.create_cluster(board=new_ideas.board, name="Training")
    ideas.create_cluster(board=ideas_step.board, name="From the old room")
    services.show_step(workshop=new, step=vote_step)
    poll = voting.open_poll(poll=Poll.objects.get(step=vote_step))
    labels = list(poll.options.values_list("label", flat=True))
    assert labels == ["Quick changeover kits", "Training"]


# --- the file ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "message_text"),
    [
        (
            b'{\n "format": "facilitate-run-sheet",\n "version": 1,,\n}',
            "Not JSON (line 3, column 15).",
        ),
        (b'{"format": "other", "version": 1}', "Not a facilitate run sheet."),
        (b"[1, 2]", "Not a facilitate run sheet."),
        (
            b'{"format": "facilitate-run-sheet", "version": 2, "title": "T", "steps": []}',
            "Version 2 is newer than this installation reads (1).",
        ),
        (b"\xff\xfe", "Not a text file: a run sheet is JSON in UTF-8."),
    ],
)
def test_a_malformed_file_is_refused_saying_why(facilitator_client, raw, message_text):
    response = upload(facilitator_client, None, raw=raw)
    assert response.status_code == 400
    assert message_text in response.content.decode()
    assert not RunSheet.objects.exists()


@pytest.mark.parametrize(
    ("steps", "message_text"),
    [
        (
            [
                message("1"),
                message("2"),
                message("3"),
                {"kind": "vote", "title": "Pick the challenge", "settings": {"options": ["Only"]}},
            ],
            "Step 4 (Pick the challenge): Options, one per line: A vote needs at least 2 "
            "options, one per line.",
        ),
        (
            [message(), {"kind": "karaoke", "title": "Sing"}],
            "Step 2 (Sing): unknown kind of step “karaoke”.",
        ),
        ([message(title="")], "Step 1: Title: This field is required."),
        ([message(title="x" * 121)], "Step 1 (" + "x" * 120),
        (
            [message(planned_minutes=241)],
            "Step 1 (Welcome): planned minutes must be a whole number from 1 to 240.",
        ),
        (
            [message(notes="n" * 2001)],
            "Step 1 (Welcome): its notes can be at most 2000 characters.",
        ),
        (
            [message(settings={"budget": 3})],
            "Step 1 (Welcome): a message step has no setting “budget”.",
        ),
        (
            [{"kind": "ideas", "title": "Ideas", "settings": {"prompt": "How?", "stages": [1, 2]}}],
            "Step 1 (Ideas): “stages”: Give each of the 4 stages a time between 10 seconds",
        ),
        (
            [
                {
                    "kind": "vote",
                    "title": "Prioritise",
                    "settings": {"poll_kind": "matrix", "options_from": 1},
                }
            ],
            "Step 1 (Prioritise): its options come from the clusters of step “1”, which is "
            "not an ideas step before it.",
        ),
        (
            [message()] * (MAX_STEPS + 1),
            "Too many steps: a run sheet can have at most 100; this one has 101.",
        ),
        ([], "The run sheet has no steps."),
    ],
)
def test_a_bad_step_in_a_file_is_refused_naming_the_step_and_setting(
    facilitator_client, steps, message_text
):
    response = upload(facilitator_client, sheet(steps))
    assert response.status_code == 400
    assert message_text in response.content.decode()
    assert not RunSheet.objects.exists()


def test_a_file_over_the_size_limit_is_refused(facilitator_client):
    padding = " " * (256 * 1024)
    response = upload(
        facilitator_client, None, raw=(json.dumps(sheet([message()])) + padding).encode()
    )
    assert response.status_code == 400
    assert (
        "The file is too big: a run sheet file can be at most 256 KB." in response.content.decode()
    )
    assert not RunSheet.objects.exists()


@pytest.mark.parametrize(
    ("title", "problem"), [("  ", "is missing"), ("t" * 121, "can be at most 120")]
)
def test_a_file_with_a_blank_or_over_long_title_is_refused(facilitator_client, title, problem):
    response = upload(facilitator_client, sheet([message()], title=title))
    assert response.status_code == 400
    assert f"The run sheet title {problem}" in response.content.decode()
    assert not RunSheet.objects.exists()


# --- commands: replays, titles -------------------------------------------------------------


def test_replayed_commands_make_nothing_new(facilitator, facilitator_client, workshop, event):
    services.add_step(workshop=workshop, title="Only step")
    key = str(uuid.uuid4())
    save = reverse("workshops:workshop_sheet_save", args=[workshop.pk])
    first = facilitator_client.post(save, {"key": key, "title": "Once"})
    again = facilitator_client.post(save, {"key": key, "title": "Once"})
    assert (first.status_code, again.status_code) == (302, 302)
    assert first["Location"] == again["Location"]
    assert RunSheet.objects.count() == 1
    key = str(uuid.uuid4())
    new = reverse("workshops:workshop_new", args=[event.pk])
    data = {"key": key, "title": "From the library", "start_from": "built-in:opening-pulse"}
    first = facilitator_client.post(new, data)
    again = facilitator_client.post(new, data)
    assert first["Location"] == again["Location"]
    assert Workshop.objects.filter(title="From the library").count() == 1
    key = str(uuid.uuid4())
    other = services.create_workshop(event=event, title="Other")
    url = reverse("workshops:workshop_steps_import", args=[other.pk])
    for _ in range(2):
        response = facilitator_client.post(url, {"key": key, "source": workshop.pk})
        assert response.status_code == 302
    assert list(other.steps.values_list("title", flat=True)) == ["Only step"]
    key = str(uuid.uuid4())
    url = reverse("workshops:workshop_duplicate", args=[workshop.pk])
    for _ in range(2):
        response = facilitator_client.post(url, {"key": key, "event": event.pk, "title": "Dup"})
        assert response.status_code == 302
    assert Workshop.objects.filter(title="Dup").count() == 1


@pytest.mark.parametrize("title", ["", "   ", "t" * 121])
def test_a_blank_or_over_long_title_is_refused(facilitator_client, workshop, title):
    services.add_step(workshop=workshop, title="Only step")
    response = facilitator_client.post(
        reverse("workshops:workshop_sheet_save", args=[workshop.pk]),
        {"key": str(uuid.uuid4()), "title": title},
    )
    assert response.status_code == 400
    assert not RunSheet.objects.exists()


def test_renaming_sharing_and_deleting_my_run_sheet(
    facilitator, facilitator_client, outsider, workshop, event
):
    services.add_step(workshop=workshop, title="Only step")
    mine = runsheets.save_workshop(user=facilitator, workshop=workshop, title="Mine")
    edit = reverse("workshops:run_sheet_edit", args=[mine.pk])
    prefix = f"sheet-{mine.pk}"
    response = facilitator_client.post(
        edit, {f"{prefix}-title": "Renamed", f"{prefix}-description": "D"}
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert (mine.title, mine.document["title"], mine.document["description"]) == (
        "Renamed",
        "Renamed",
        "D",
    )
    response = facilitator_client.post(edit, {f"{prefix}-title": " "})
    assert response.status_code == 400
    event.facilitators.add(outsider)
    share = reverse("workshops:run_sheet_share", args=[mine.pk])
    response = facilitator_client.post(
        share, {f"share-{mine.pk}-event": event.pk, f"share-{mine.pk}-shared": "share"}
    )
    assert response.status_code == 302
    assert list(RunSheet.objects.visible_to(outsider)) == [mine]
    outsider_client = Client()
    outsider_client.force_login(outsider)
    page = outsider_client.get(reverse("workshops:run_sheets")).content.decode()
    assert "Renamed" in page
    assert "From fran." in page
    # Shared: they may use it, not change it.
    used = outsider_client.post(
        reverse("workshops:workshop_new", args=[event.pk]),
        {"key": str(uuid.uuid4()), "title": "Their room", "start_from": f"sheet:{mine.pk}"},
    )
    assert used.status_code == 302
    theirs = Workshop.objects.get(title="Their room")
    assert list(theirs.steps.values_list("title", flat=True)) == ["Only step"]
    assert outsider_client.post(edit, {f"{prefix}-title": "Theirs"}).status_code == 404
    response = facilitator_client.post(
        share, {f"share-{mine.pk}-event": event.pk, f"share-{mine.pk}-shared": "unshare"}
    )
    assert list(RunSheet.objects.visible_to(outsider)) == []
    response = facilitator_client.post(reverse("workshops:run_sheet_delete", args=[mine.pk]))
    assert response.status_code == 302
    assert not RunSheet.objects.exists()


def test_sharing_with_an_event_i_do_not_facilitate_is_refused(
    facilitator, facilitator_client, outsider, workshop
):
    services.add_step(workshop=workshop, title="Only step")
    mine = runsheets.save_workshop(user=facilitator, workshop=workshop, title="Mine")
    theirs = outsider.facilitated_events.get()
    response = facilitator_client.post(
        reverse("workshops:run_sheet_share", args=[mine.pk]),
        {f"share-{mine.pk}-event": theirs.pk, f"share-{mine.pk}-shared": "share"},
    )
    assert response.status_code == 404
    assert not mine.shared_with.exists()


# --- another facilitator's things: 404 everywhere -------------------------------------------


def test_another_facilitators_private_run_sheet_and_workshop_are_not_found_on_every_route(
    facilitator, facilitator_client, outsider, other_workshop, workshop, event
):
    services.add_step(workshop=other_workshop, title="Theirs")
    theirs = runsheets.save_workshop(user=outsider, workshop=other_workshop, title="Private")
    missing = RunSheet.objects.order_by("-pk")[0].pk + 100
    for sheet_id in (theirs.pk, missing):
        for name, method in [
            ("run_sheet_edit", "post"), ("run_sheet_delete", "post"),
            ("run_sheet_share", "post"), ("run_sheet_download", "get"),
        ]:  # fmt: skip
            response = getattr(facilitator_client, method)(
                reverse(f"workshops:{name}", args=[sheet_id])
            )
            assert response.status_code == 404, name
            assert (
                "That run sheet does not exist, or you do not have access to it."
                in response.content.decode()
            )
        response = facilitator_client.post(
            reverse("workshops:workshop_new", args=[event.pk]),
            {"key": str(uuid.uuid4()), "title": "W", "start_from": f"sheet:{sheet_id}"},
        )
        assert response.status_code == 404
    for name, method in [
        ("workshop_sheet", "get"), ("workshop_sheet_save", "post"),
        ("workshop_sheet_export", "get"), ("workshop_duplicate", "post"),
        ("workshop_steps_import", "post"),
    ]:  # fmt: skip
        response = getattr(facilitator_client, method)(
            reverse(f"workshops:{name}", args=[other_workshop.pk])
        )
        assert response.status_code == 404, name
    # Naming theirs from inside my own workshop's forms is refused alike.
    response = facilitator_client.post(
        reverse("workshops:workshop_steps_import", args=[workshop.pk]),
        {"key": str(uuid.uuid4()), "source": other_workshop.pk},
    )
    assert response.status_code == 404
    response = facilitator_client.post(
        reverse("workshops:workshop_duplicate", args=[workshop.pk]),
        {"key": str(uuid.uuid4()), "event": other_workshop.event_id, "title": "Mine now"},
    )
    assert response.status_code == 404
    assert "Private" not in facilitator_client.get(reverse("workshops:run_sheets")).content.decode()
    assert RunSheet.objects.get(pk=theirs.pk).title == "Private"
    assert not workshop.steps.exists()
    assert Workshop.objects.count() == 2


def test_the_pages_show_each_sheet_with_its_steps_and_minutes(facilitator_client, workshop, event):
    page = facilitator_client.get(reverse("workshops:run_sheets")).content.decode()
    assert "Challenge to commitment (90 minutes)" in page
    assert "8 steps, 90 minutes planned." in page
    assert 'Where we are <span class="sheet-kind">(Where we are, 8 min)</span>' in page
    new = facilitator_client.get(
        reverse("workshops:workshop_new", args=[event.pk])
    ).content.decode()
    assert '<option value="built-in:pick-and-commit">' in new
    assert (
        facilitator_client.get(reverse("workshops:workshop_sheet", args=[workshop.pk])).status_code
        == 200
    )


def test_a_command_without_a_key_changes_nothing_on_the_workshop_it_reads(
    facilitator, workshop, event
):
    services.add_step(workshop=workshop, title="Only")
    before = Change.objects.filter(workshop=workshop).count()
    runsheets.save_workshop(user=facilitator, workshop=workshop, title="S")
    runsheets.duplicate_workshop(user=facilitator, workshop=workshop, event=event, title="D")
    assert Change.objects.filter(workshop=workshop).count() == before


def test_a_finished_workshop_takes_no_imported_steps_but_may_be_saved_and_duplicated(
    facilitator, facilitator_client, workshop, event
):
    services.add_step(workshop=workshop, title="Only step")
    source = services.create_workshop(event=event, title="Source")
    services.add_step(workshop=source, title="From the source")
    services.close_workshop(workshop=workshop)
    response = facilitator_client.post(
        reverse("workshops:workshop_steps_import", args=[workshop.pk]),
        {"key": str(uuid.uuid4()), "source": source.pk},
    )
    assert response.status_code == 409
    assert "This workshop has finished" in response.content.decode()
    assert list(workshop.steps.values_list("title", flat=True)) == ["Only step"]
    response = facilitator_client.post(
        reverse("workshops:workshop_duplicate", args=[workshop.pk]),
        {"key": str(uuid.uuid4()), "event": event.pk, "title": "Again"},
    )
    assert response.status_code == 302
    again = Workshop.objects.get(title="Again")
    assert not again.is_closed
    assert list(again.steps.values_list("title", flat=True)) == ["Only step"]


def test_an_empty_workshop_duplicates_empty_and_has_no_steps_to_import(
    facilitator, facilitator_client, workshop, event
):
    response = facilitator_client.post(
        reverse("workshops:workshop_duplicate", args=[workshop.pk]),
        {"key": str(uuid.uuid4()), "event": event.pk, "title": "Empty too"},
    )
    assert response.status_code == 302
    assert not Workshop.objects.get(title="Empty too").steps.exists()
    other = services.create_workshop(event=event, title="Other")
    services.add_step(workshop=other, title="Kept")
    response = facilitator_client.post(
        reverse("workshops:workshop_steps_import", args=[other.pk]),
        {"key": str(uuid.uuid4()), "source": workshop.pk},
    )
    assert response.status_code == 400
    assert "That workshop has no steps to import." in response.content.decode()
    assert list(other.steps.values_list("title", flat=True)) == ["Kept"]
