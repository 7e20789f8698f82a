"""Ideas steps: the board, sending ideas and their limits, moderation, clusters and undo."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import partial

import pytest
from django.db import DataError, IntegrityError, connections, transaction
from django.utils import timezone

from sessions.access import NOT_FOUND
from sessions.agenda import services
from sessions.agenda.services import FINISHED
from sessions.errors import Conflict, InvalidInput, NotFound, Refused
from sessions.ideas import services as ideas
from sessions.joining import services as joining
from sessions.live import broadcast
from sessions.models import (
    IDEA_MAX,
    MAX_CLUSTERS,
    MAX_IDEAS_PER_DELEGATE,
    Board,
    Change,
    Cluster,
    ClusterUndo,
    Delegate,
    Idea,
    Step,
    Workshop,
)
from sessions.voting import services as voting

pytestmark = pytest.mark.django_db

PROMPT = "How might we cut changeover time?"
NO_IDEA = "That idea is not part of this step."


# --- helpers -------------------------------------------------------------------------------


def make_board(workshop: Workshop, open_: bool = True, **settings) -> Board:
    step = ideas.add_ideas_step(workshop=workshop, title="Generate", prompt=PROMPT, **settings)
    board = step.board
    if open_:
        ideas.open_board(board=board)
    return Board.objects.get(pk=board.pk)


def new_delegate(workshop: Workshop, name: str = "") -> Delegate:
    return joining.join_workshop(workshop=workshop, delegate_key=None, display_name=name)


def send(board: Board, delegate: Delegate, text: str, key: str | None = None) -> Idea | None:
    return ideas.submit_idea(
        workshop_id=board.step.workshop_id,
        delegate_id=delegate.pk,
        board_id=board.pk,
        text=text,
        key=key or str(uuid.uuid4()),
    )


def wall(board: Board) -> list[str]:
    return list(Idea.objects.for_board(board).visible().values_list("text", flat=True))


def changes() -> int:
    return Change.objects.count()


def state(board: Board) -> tuple:
    """Everything a verb could change about a board, to compare before and after."""
    fresh = Board.objects.get(pk=board.pk)
    return (
        changes(),
        Step.objects.count(),
        (fresh.prompt, fresh.show_names, fresh.needs_approval, fresh.is_open, fresh.staged),
        (fresh.stages, fresh.stage, fresh.stage_ends_at),
        list(
            Idea.objects.values_list(
                "id", "board", "text", "status", "merged_into", "cluster", "edited", "author_name"
            )
        ),
        list(Cluster.objects.values_list("id", "board", "name", "position")),
        list(ClusterUndo.objects.values_list("id", "label")),
    )


def refused(board: Board, error: type[Refused], call: Callable[[], object]) -> str:
    """Run `call`, which must raise `error` and change nothing; returns its message."""
    before = state(board)
    with pytest.raises(error) as caught:
        call()
    assert state(board) == before
    return caught.value.message


@contextmanager
def one_change() -> Iterator[None]:
    before = changes()
    yield
    assert changes() == before + 1


def layout(board: Board) -> tuple[list[tuple], dict[int, int | None]]:
    """The board's clusters and which cluster each idea is in."""
    clusters = list(Cluster.objects.filter(board=board).values_list("id", "name", "position"))
    assigned = dict(Idea.objects.for_board(board).values_list("id", "cluster_id"))
    return clusters, assigned


@pytest.fixture
def dana(delegate_client) -> Delegate:
    return delegate_client.delegate


@pytest.fixture
def board(workshop) -> Board:
    return make_board(workshop)


@pytest.fixture
def pushed(monkeypatch) -> list[set[str]]:
    """The regions each change asked to push, in order."""
    seen: list[set[str]] = []
    monkeypatch.setattr(
        broadcast, "regions_changed", lambda workshop_id, regions, **kw: seen.append(regions)
    )
    return seen


@pytest.fixture
def appended(monkeypatch) -> list[list[int]]:
    """The ideas each change asked to append to the walls, in order."""
    seen: list[list[int]] = []
    monkeypatch.setattr(broadcast, "ideas_added", lambda workshop_id, ids: seen.append(list(ids)))
    return seen


# --- the board -----------------------------------------------------------------------------


def test_facilitator_adds_an_ideas_step_at_the_end_of_the_agenda(workshop):
    services.add_step(workshop=workshop, title="Welcome")
    with one_change():
        step = ideas.add_ideas_step(workshop=workshop, title="Generate", prompt=f"  {PROMPT} ")
    assert (step.kind, step.position, step.title) == ("ideas", 1, "Generate")
    board = step.board
    assert board.prompt == PROMPT
    assert not board.is_open
    assert not board.show_names
    assert not board.needs_approval
    assert not board.staged
    assert board.stages == [60, 120, 240, 300]
    assert board.stage is None


@pytest.mark.parametrize(
    ("prompt", "message"),
    [
        ("   ", 'Write a prompt for the room, such as "How might we ...?".'),
        ("x" * 301, "A prompt can be at most 300 characters; this one has 301."),
    ],
)
def test_an_ideas_step_needs_a_prompt_within_its_limit(workshop, prompt, message):
    with pytest.raises(InvalidInput) as caught:
        ideas.add_ideas_step(workshop=workshop, title="Generate", prompt=prompt)
    assert caught.value.message == message
    assert not Step.objects.exists()
    assert not Change.objects.exists()


def test_a_replayed_add_ideas_step_adds_one_step(workshop):
    first = ideas.add_ideas_step(workshop=workshop, title="Generate", prompt=PROMPT, key="k1")
    again = ideas.add_ideas_step(workshop=workshop, title="Generate", prompt=PROMPT, key="k1")
    assert first is not None
    assert again is None
    assert Board.objects.count() == 1
    assert changes() == 1


def test_prompt_starters_come_from_the_challenges_in_focus(workshop):
    step = voting.add_vote_step(
        workshop=workshop,
        title="Pick",
        body="",
        settings=voting.PollSettings(kind="dots", options=["Changeovers", "OEE", "Data entry"]),
    )
    workshop.focus_options.set(step.poll.options.exclude(label="Data entry"))
    assert ideas.prompt_starters(workshop) == [
        "How might we improve changeovers?",
        "How might we improve OEE?",
    ]


def test_facilitator_changes_the_prompt_and_settings(board):
    with one_change():
        ideas.configure_board(
            board=board,
            prompt="How might we train new starters faster?",
            show_names=True,
            needs_approval=True,
            staged=True,
            stages=[30, 60, 120, 180],
        )
    board.refresh_from_db()
    assert board.prompt == "How might we train new starters faster?"
    assert (board.show_names, board.needs_approval, board.staged) == (True, True, True)
    assert board.stages == [30, 60, 120, 180]


@pytest.mark.parametrize(
    "stages", [[60, 60, 60], [5, 60, 60, 60], [60, 60, 60, 3601], ["60", 60, 60, 60], [60.5] * 4]
)
def test_stage_times_are_four_whole_seconds_between_10_seconds_and_an_hour(board, stages):
    message = refused(
        board, InvalidInput, lambda: ideas.set_stage_durations(board=board, stages=stages)
    )
    assert message == "Give each of the 4 stages a time between 10 seconds and 60 minutes."


def test_opening_and_closing_record_a_change_each_and_repeating_records_none(workshop, pushed):
    board = make_board(workshop, open_=False)
    pushed.clear()
    with one_change():
        ideas.open_board(board=board)
    with one_change():
        ideas.open_board(board=board)
        ideas.close_board(board=board)
    before = changes()
    ideas.close_board(board=board)
    assert changes() == before
    assert pushed == [{"step", "agenda", "remote"}, {"step", "agenda", "remote"}]
    assert not Board.objects.get(pk=board.pk).is_open


def test_a_stage_runs_with_its_countdown_and_instruction(workshop, pushed):
    board = make_board(workshop, open_=False, staged=True)
    with one_change():
        board = ideas.start_stage(board=board, stage=1)
    assert board.is_open
    assert board.current_stage.name == "In pairs"
    assert "partner" in board.current_stage.instruction
    assert 119 <= board.seconds_left <= 120
    assert board.stage_ends_at - timezone.now() <= timedelta(seconds=120)
    assert pushed[-2:] == [
        {"step", "agenda", "remote"},
        {"step", "remote"},
    ]  # now, and when the countdown ends
    with one_change():
        board = ideas.stop_stages(board=board)
    assert (board.stage, board.stage_ends_at, board.seconds_left) == (None, None, None)
    assert board.is_open


def test_closing_the_board_stops_its_stage(workshop):
    board = make_board(workshop, staged=True)
    ideas.start_stage(board=board, stage=0)
    board = ideas.close_board(board=board)
    assert (board.is_open, board.stage, board.stage_ends_at) == (False, None, None)


def test_new_stage_times_apply_from_the_next_stage(workshop):
    board = make_board(workshop, staged=True)
    running = ideas.start_stage(board=board, stage=0)
    board = ideas.set_stage_durations(board=board, stages=[30, 90, 180, 240])
    assert board.stage_ends_at == running.stage_ends_at
    board = ideas.start_stage(board=board, stage=1)
    assert 89 <= board.seconds_left <= 90


def test_turning_stages_off_stops_the_running_stage(workshop):
    board = make_board(workshop, staged=True)
    ideas.start_stage(board=board, stage=2)
    board = ideas.configure_board(
        board=board, prompt=PROMPT, show_names=False, needs_approval=False, staged=False
    )
    assert (board.stage, board.stage_ends_at) == (None, None)


def test_stages_are_refused_on_a_step_that_is_not_staged(board):
    message = refused(board, Conflict, lambda: ideas.start_stage(board=board, stage=0))
    assert message == "This step does not run in 1-2-4-All stages. Turn stages on first."


@pytest.mark.parametrize("stage", [-1, 4])
def test_a_stage_that_does_not_exist_is_refused(workshop, stage):
    board = make_board(workshop, staged=True)
    message = refused(board, InvalidInput, lambda: ideas.start_stage(board=board, stage=stage))
    assert message == "There is no such stage: stages are numbered 0 to 3."


# --- sending ideas -------------------------------------------------------------------------


def test_a_delegate_sends_an_idea_that_shows_on_the_wall(board, dana, appended):
    with one_change():
        idea = send(board, dana, "  Quick-change\n tooling   kits\t")
    assert idea.text == "Quick-change tooling kits"
    assert idea.status == Idea.Status.SHOWN
    assert idea.delegate == dana
    assert not idea.edited
    assert wall(board) == ["Quick-change tooling kits"]
    assert appended == [[idea.pk]]  # pushed as an append, not as a fresh wall


def test_control_characters_are_taken_out_of_an_idea(board, dana):
    assert send(board, dana, "Label\x00 the\x07 racks").text == "Label the racks"


def test_over_long_idea_is_refused_with_its_length(board, dana):
    message = refused(board, InvalidInput, lambda: send(board, dana, "x" * 231))
    assert message == "An idea can be at most 200 characters; this one has 231."
    assert send(board, dana, "y" * IDEA_MAX).text == "y" * IDEA_MAX


@pytest.mark.parametrize("text", ["", "   \n\t ", "\x00"])
def test_an_empty_idea_is_refused(board, dana, text):
    assert refused(board, InvalidInput, lambda: send(board, dana, text)) == "Write your idea first."


def test_a_delegate_can_send_at_most_20_ideas(board, dana, workshop):
    for n in range(MAX_IDEAS_PER_DELEGATE):
        send(board, dana, f"Idea number {n}")
    hidden = Idea.objects.first()
    ideas.hide_idea(board=board, idea_id=hidden.pk)  # hidden ideas still count
    message = refused(board, Conflict, lambda: send(board, dana, "One more"))
    assert message == "You have sent 20 ideas, the most one person can send here."
    assert send(board, new_delegate(workshop, "Sam"), "Someone else's idea") is not None


def test_a_replayed_idea_lands_once(board, dana, workshop):
    assert send(board, dana, "Shadow boards", key="tap-1") is not None
    before = changes()
    assert send(board, dana, "Shadow boards", key="tap-1") is None
    assert changes() == before
    assert wall(board) == ["Shadow boards"]
    # Keys belong to their delegate: the same key from someone else is a new command.
    assert send(board, new_delegate(workshop), "Shadow boards", key="tap-1") is not None
    assert wall(board) == ["Shadow boards", "Shadow boards"]


def test_a_replay_of_an_idea_that_landed_is_answered_even_after_closing(board, dana):
    send(board, dana, "Shadow boards", key="tap-1")
    ideas.close_board(board=board)
    assert send(board, dana, "Shadow boards", key="tap-1") is None
    assert Idea.objects.count() == 1


def test_a_closed_board_refuses_ideas(workshop, dana):
    board = make_board(workshop, open_=False)
    assert refused(board, Conflict, lambda: send(board, dana, "Too early")) == (
        "Ideas are closed for this step."
    )
    ideas.open_board(board=board)
    send(board, dana, "On time")
    ideas.close_board(board=board)
    assert refused(board, Conflict, lambda: send(board, dana, "Too late")) == (
        "Ideas are closed for this step."
    )
    assert wall(board) == ["On time"]


def test_a_delegate_who_has_not_joined_the_workshop_cannot_send(board, workshop):
    elsewhere = services.create_workshop(event=workshop.event, title="Another room")
    wanderer = new_delegate(elsewhere, "Wes")  # same event, other workshop
    assert refused(board, NotFound, lambda: send(board, wanderer, "Hello")) == NOT_FOUND

    def unknown_delegate():
        ideas.submit_idea(
            workshop_id=workshop.pk, delegate_id=10**9, board_id=board.pk, text="Hi", key="k"
        )

    assert refused(board, NotFound, unknown_delegate) == NOT_FOUND


def test_another_workshops_board_answers_like_a_missing_one(board, dana, workshop, other_workshop):
    theirs = make_board(other_workshop)

    def send_to(board_id):
        return lambda: ideas.submit_idea(
            workshop_id=workshop.pk, delegate_id=dana.pk, board_id=board_id, text="Hi", key="k"
        )

    missing = refused(board, NotFound, send_to(10**9))
    assert missing == "That ideas step is not part of this workshop."
    assert refused(board, NotFound, send_to(theirs.pk)) == missing
    assert not Idea.objects.exists()


def test_ideas_are_anonymous_unless_the_step_shows_names(workshop, dana):
    anonymous = make_board(workshop)
    named = make_board(workshop, show_names=True)
    assert send(anonymous, dana, "Anonymous idea").author_name == ""
    assert send(named, dana, "Named idea").author_name == "Dana"
    # Names are taken when the idea is sent: showing names later reveals no one.
    ideas.configure_board(
        board=anonymous, prompt=PROMPT, show_names=True, needs_approval=False, staged=False
    )
    joining.join_workshop(workshop=workshop, delegate_key=dana.key, display_name="Dee")
    assert Idea.objects.get(text="Anonymous idea").author_name == ""
    assert Idea.objects.get(text="Named idea").author_name == "Dana"


def test_an_erased_delegate_leaves_their_idea_without_a_name(workshop, dana):
    board = make_board(workshop, show_names=True)
    idea = send(board, dana, "Kanban cards")
    Delegate.objects.filter(pk=dana.pk).delete()
    idea.refresh_from_db()
    assert (idea.delegate, idea.text) == (None, "Kanban cards")


def test_with_approval_an_idea_waits_until_the_facilitator_approves_it(
    workshop, dana, pushed, appended
):
    board = make_board(workshop, needs_approval=True)
    idea = send(board, dana, "Visual schedule board")
    assert idea.status == Idea.Status.PENDING
    assert appended == [[idea.pk]]  # to the facilitator's queue only (see regions)
    assert wall(board) == []
    assert list(Idea.objects.for_board(board).awaiting_approval()) == [idea]
    with one_change():
        ideas.approve_idea(board=board, idea_id=idea.pk)
    assert wall(board) == ["Visual schedule board"]
    assert not Idea.objects.for_board(board).awaiting_approval().exists()
    assert pushed[-1] == {"ideas"}


def test_turning_approval_off_leaves_waiting_ideas_waiting(workshop, dana):
    board = make_board(workshop, needs_approval=True)
    waiting = send(board, dana, "Waiting idea")
    ideas.configure_board(
        board=board, prompt=PROMPT, show_names=False, needs_approval=False, staged=False
    )
    assert Idea.objects.get(pk=waiting.pk).status == Idea.Status.PENDING
    assert send(board, dana, "Straight on").status == Idea.Status.SHOWN


# --- moderation ----------------------------------------------------------------------------


def test_a_hidden_idea_leaves_every_screen_and_can_be_restored(board, dana):
    idea = send(board, dana, "Something rude")
    send(board, dana, "Something useful")
    with one_change():
        ideas.hide_idea(board=board, idea_id=idea.pk)
    assert wall(board) == ["Something useful"]
    before = changes()
    ideas.hide_idea(board=board, idea_id=idea.pk)  # a second tap changes nothing
    assert changes() == before
    with one_change():
        ideas.restore_idea(board=board, idea_id=idea.pk)
    assert wall(board) == ["Something rude", "Something useful"]


def test_a_waiting_idea_can_be_turned_down(workshop, dana):
    board = make_board(workshop, needs_approval=True)
    idea = send(board, dana, "Off topic")
    ideas.hide_idea(board=board, idea_id=idea.pk)
    assert Idea.objects.get(pk=idea.pk).status == Idea.Status.HIDDEN
    assert not Idea.objects.for_board(board).awaiting_approval().exists()


def test_facilitator_fixes_a_typo_and_the_idea_is_marked_edited(board, dana):
    idea = send(board, dana, "Trian operators on SMED")
    with one_change():
        idea = ideas.edit_idea(board=board, idea_id=idea.pk, text="Train operators on SMED")
    assert (idea.text, idea.edited) == ("Train operators on SMED", True)
    assert wall(board) == ["Train operators on SMED"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x" * 201, "An idea can be at most 200 characters; this one has 201."),
        ("  ", "Write your idea first."),
    ],
)
def test_an_edit_keeps_to_the_same_limits(board, dana, text, message):
    idea = send(board, dana, "Original")
    edit = partial(ideas.edit_idea, board=board, idea_id=idea.pk, text=text)
    assert refused(board, InvalidInput, edit) == message


def test_merged_duplicates_leave_the_wall_and_are_listed_under_the_one_kept(board, dana):
    kept = send(board, dana, "Standard work for changeovers")
    twin = send(board, dana, "Standardise changeover steps")
    triplet = send(board, dana, "Changeover checklist")
    with one_change():
        ideas.merge_ideas(board=board, survivor_id=kept.pk, other_ids=[twin.pk, triplet.pk])
    assert wall(board) == ["Standard work for changeovers"]
    assert {i.text for i in kept.merged.all()} == {
        "Standardise changeover steps",
        "Changeover checklist",
    }
    with one_change():
        ideas.unmerge_idea(board=board, idea_id=triplet.pk)
    assert wall(board) == ["Standard work for changeovers", "Changeover checklist"]


def test_merging_an_idea_that_has_merged_ideas_moves_them_too(board, dana):
    a, b, c = (send(board, dana, text) for text in ("A idea", "B idea", "C idea"))
    ideas.merge_ideas(board=board, survivor_id=b.pk, other_ids=[c.pk])
    ideas.merge_ideas(board=board, survivor_id=a.pk, other_ids=[b.pk])
    assert dict(Idea.objects.values_list("text", "merged_into")) == {
        "A idea": None,
        "B idea": a.pk,
        "C idea": a.pk,
    }


def test_merging_is_refused_when_it_makes_no_sense(board, dana, workshop):
    a, b = send(board, dana, "A idea"), send(board, dana, "B idea")
    elsewhere = make_board(workshop)
    theirs = send(elsewhere, dana, "Another step's idea")

    def merge(survivor, others):
        return lambda: ideas.merge_ideas(board=board, survivor_id=survivor, other_ids=others)

    assert refused(board, InvalidInput, merge(a.pk, [a.pk, b.pk])) == (
        "An idea cannot be merged into itself."
    )
    assert refused(board, InvalidInput, merge(a.pk, [])) == (
        "Choose at least one idea to merge into this one."
    )
    assert refused(board, NotFound, merge(a.pk, [theirs.pk])) == NO_IDEA
    assert refused(board, NotFound, merge(theirs.pk, [a.pk])) == NO_IDEA
    assert refused(board, NotFound, merge(a.pk, [b.pk, theirs.pk])) == (
        "Some of those ideas are not part of this step."
    )
    ideas.merge_ideas(board=board, survivor_id=a.pk, other_ids=[b.pk])
    assert refused(board, Conflict, merge(b.pk, [a.pk])) == (
        "That idea is itself merged into another. Merge into that one, or unmerge it first."
    )


@pytest.mark.parametrize(
    "verb",
    [
        lambda board, forged: ideas.hide_idea(board=board, idea_id=forged),
        lambda board, forged: ideas.restore_idea(board=board, idea_id=forged),
        lambda board, forged: ideas.approve_idea(board=board, idea_id=forged),
        lambda board, forged: ideas.edit_idea(board=board, idea_id=forged, text="New text"),
        lambda board, forged: ideas.unmerge_idea(board=board, idea_id=forged),
        lambda board, forged: ideas.assign_idea(board=board, idea_id=forged, cluster_id=None),
    ],
    ids=["hide", "restore", "approve", "edit", "unmerge", "assign"],
)
def test_an_idea_of_another_workshop_is_refused_like_a_missing_one(
    board, dana, other_workshop, verb
):
    send(board, dana, "Mine")
    theirs = make_board(other_workshop)
    stranger = new_delegate(other_workshop)
    forged = send(theirs, stranger, "Not yours").pk
    assert refused(board, NotFound, lambda: verb(board, forged)) == NO_IDEA
    assert refused(board, NotFound, lambda: verb(board, 10**9)) == NO_IDEA
    assert Idea.objects.get(pk=forged).text == "Not yours"


# --- clusters ------------------------------------------------------------------------------


@pytest.fixture
def three(board, dana) -> list[Idea]:
    return [
        send(board, dana, text)
        for text in ("SMED workshop", "Buddy system for new starters", "Barcode scanners")
    ]


def test_facilitator_creates_and_renames_clusters(board, pushed):
    with one_change():
        changeovers = ideas.create_cluster(board=board, name=" Changeovers ")
    training = ideas.create_cluster(board=board, name="Training")
    assert [(c.name, c.position) for c in board.clusters.all()] == [
        ("Changeovers", 0),
        ("Training", 1),
    ]
    assert pushed[-1] == {"ideas"}
    with one_change():
        ideas.rename_cluster(board=board, cluster_id=training.pk, name="Skills")
    ideas.rename_cluster(board=board, cluster_id=changeovers.pk, name="CHANGEOVERS")
    assert list(board.clusters.values_list("name", flat=True)) == ["CHANGEOVERS", "Skills"]


def test_a_cluster_name_already_on_the_board_is_refused_ignoring_case(board):
    ideas.create_cluster(board=board, name="Training")
    data = ideas.create_cluster(board=board, name="Data")
    expected = 'There is already a cluster called "Training".'
    assert refused(board, Conflict, lambda: ideas.create_cluster(board=board, name="TRAINING")) == (
        expected
    )
    rename = partial(ideas.rename_cluster, board=board, cluster_id=data.pk, name="training")
    assert refused(board, Conflict, rename) == expected


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (" ", "Give the cluster a name."),
        ("x" * 81, "A cluster name can be at most 80 characters; this one has 81."),
    ],
)
def test_a_cluster_name_keeps_to_its_limits(board, name, message):
    assert refused(board, InvalidInput, lambda: ideas.create_cluster(board=board, name=name)) == (
        message
    )


def test_a_double_tapped_create_makes_one_cluster(board):
    assert ideas.create_cluster(board=board, name="Training", key="c1") is not None
    assert ideas.create_cluster(board=board, name="Training", key="c1") is None
    assert board.clusters.count() == 1
    assert board.undos.count() == 1


def test_deleting_a_cluster_leaves_its_ideas_unclustered(board, three):
    cluster = ideas.create_cluster(board=board, name="Changeovers")
    ideas.assign_idea(board=board, idea_id=three[0].pk, cluster_id=cluster.pk)
    with one_change():
        ideas.delete_cluster(board=board, cluster_id=cluster.pk)
    assert not board.clusters.exists()
    assert Idea.objects.get(pk=three[0].pk).cluster is None
    assert wall(board) == [i.text for i in three]


def test_ideas_are_put_in_clusters_and_taken_out(board, three):
    skills = ideas.create_cluster(board=board, name="Skills")
    with one_change():
        ideas.assign_idea(board=board, idea_id=three[1].pk, cluster_id=skills.pk)
    assert list(skills.ideas.all()) == [three[1]]
    with one_change():
        moved = ideas.assign_ideas(
            board=board, idea_ids=[three[0].pk, three[1].pk, three[2].pk], cluster_id=skills.pk
        )
    assert moved == 2
    assert skills.ideas.count() == 3
    before = changes()
    assert ideas.assign_ideas(board=board, idea_ids=[three[0].pk], cluster_id=skills.pk) == 0
    assert changes() == before  # nothing moved, nothing recorded, nothing to undo
    ideas.assign_ideas(board=board, idea_ids=[three[0].pk, three[2].pk], cluster_id=None)
    assert list(skills.ideas.all()) == [three[1]]


def test_forged_clusters_and_ideas_move_nothing(board, three, workshop, other_workshop):
    mine = ideas.create_cluster(board=board, name="Mine")
    theirs = ideas.create_cluster(board=make_board(other_workshop), name="Theirs")
    sibling = make_board(workshop)
    sibling_idea = send(sibling, three[0].delegate, "Idea on another step")

    def assign(idea_ids, cluster_id):
        return partial(ideas.assign_ideas, board=board, idea_ids=idea_ids, cluster_id=cluster_id)

    assert refused(board, NotFound, assign([three[0].pk], theirs.pk)) == (
        "That cluster is not part of this step."
    )
    assert refused(board, NotFound, assign([three[0].pk, sibling_idea.pk], mine.pk)) == (
        "Some of those ideas are not part of this step."
    )
    assert refused(board, InvalidInput, assign([], mine.pk)) == "Choose at least one idea."
    for verb in (
        lambda: ideas.rename_cluster(board=board, cluster_id=theirs.pk, name="Stolen"),
        lambda: ideas.delete_cluster(board=board, cluster_id=theirs.pk),
        lambda: ideas.merge_clusters(board=board, cluster_id=theirs.pk, into_id=mine.pk),
    ):
        assert refused(board, NotFound, verb) == "That cluster is not part of this step."
    assert Cluster.objects.get(pk=theirs.pk).name == "Theirs"


def test_merging_clusters_moves_the_ideas_and_removes_the_first(board, three):
    kit = ideas.create_cluster(board=board, name="Kit")
    tools = ideas.create_cluster(board=board, name="Tools")
    ideas.assign_ideas(board=board, idea_ids=[three[0].pk], cluster_id=kit.pk)
    ideas.assign_ideas(board=board, idea_ids=[three[2].pk], cluster_id=tools.pk)
    ideas.merge_clusters(board=board, cluster_id=kit.pk, into_id=tools.pk)
    assert list(board.clusters.values_list("name", flat=True)) == ["Tools"]
    assert set(tools.ideas.all()) == {three[0], three[2]}
    merge_self = partial(ideas.merge_clusters, board=board, cluster_id=tools.pk, into_id=tools.pk)
    assert refused(board, InvalidInput, merge_self) == "A cluster cannot be merged into itself."


def test_accepting_suggestions_makes_the_clusters_in_one_undoable_action(
    board, three, dana, other_workshop
):
    smed, buddy, barcode = three
    hidden = send(board, dana, "Hidden idea")
    ideas.hide_idea(board=board, idea_id=hidden.pk)
    foreign = send(make_board(other_workshop), new_delegate(other_workshop), "Foreign")
    existing = ideas.create_cluster(board=board, name="Training")
    ideas.create_cluster(board=board, name="Other")
    before = layout(board)
    with one_change():
        made = ideas.apply_suggestions(
            board=board,
            groups=[
                ("Changeovers", [smed.pk, hidden.pk, foreign.pk, 10**9]),
                ("training", [buddy.pk, smed.pk]),  # smed went to its first group
                ("Data entry", [barcode.pk]),
                ("Nothing left", [hidden.pk]),
            ],
        )
    assert [c.name for c in made] == ["Changeovers", "Training", "Data entry"]
    assert made[1].pk == existing.pk  # a suggestion joins the cluster of its name
    assert [(c.name, c.position) for c in board.clusters.all()] == [
        ("Training", 0),
        ("Other", 1),
        ("Changeovers", 2),
        ("Data entry", 3),
    ]
    assert dict(Idea.objects.for_board(board).values_list("text", "cluster__name")) == {
        "SMED workshop": "Changeovers",
        "Buddy system for new starters": "Training",
        "Barcode scanners": "Data entry",
        "Hidden idea": None,
    }
    assert Idea.objects.get(pk=foreign.pk).cluster is None
    assert ideas.undo_clustering(board=board) == "Accepted 3 suggested clusters"
    assert layout(board) == before


def test_suggestions_that_no_longer_match_any_idea_change_nothing(board, three):
    ideas.hide_idea(board=board, idea_id=three[0].pk)
    accept = partial(ideas.apply_suggestions, board=board, groups=[("Gone", [three[0].pk])])
    assert refused(board, Conflict, accept) == (
        "None of the suggested ideas are on the wall any more, so nothing changed."
    )


def test_a_double_tapped_accept_applies_the_suggestions_once(board, three):
    groups = [("Changeovers", [three[0].pk])]
    assert ideas.apply_suggestions(board=board, groups=groups, key="s1") is not None
    assert ideas.apply_suggestions(board=board, groups=groups, key="s1") is None
    assert board.undos.count() == 1


def test_a_step_can_have_at_most_50_clusters(board, three):
    Cluster.objects.bulk_create(
        Cluster(board=board, name=f"Cluster {n}", position=n) for n in range(MAX_CLUSTERS)
    )
    message = "A step can have at most 50 clusters."
    assert refused(
        board, Conflict, partial(ideas.create_cluster, board=board, name="One more")
    ) == (message)
    accept = partial(ideas.apply_suggestions, board=board, groups=[("New", [three[0].pk])])
    assert refused(board, Conflict, accept) == message
    # Suggestions that join clusters already there need no room.
    assert ideas.apply_suggestions(board=board, groups=[("Cluster 3", [three[0].pk])])


# --- undo ----------------------------------------------------------------------------------


def _cluster_named(board: Board, name: str) -> int:
    return board.clusters.get(name=name).pk


UNDOABLE = {
    "create": (
        lambda b, i: ideas.create_cluster(board=b, name="New"),
        'Created "New"',
    ),
    "rename": (
        lambda b, i: ideas.rename_cluster(board=b, cluster_id=_cluster_named(b, "Kit"), name="K"),
        'Renamed "Kit" to "K"',
    ),
    "delete": (
        lambda b, i: ideas.delete_cluster(board=b, cluster_id=_cluster_named(b, "Kit")),
        'Deleted "Kit"',
    ),
    "merge clusters": (
        lambda b, i: ideas.merge_clusters(
            board=b, cluster_id=_cluster_named(b, "Kit"), into_id=_cluster_named(b, "People")
        ),
        'Merged "Kit" into "People"',
    ),
    "assign one": (
        lambda b, i: ideas.assign_idea(
            board=b, idea_id=i[2].pk, cluster_id=_cluster_named(b, "People")
        ),
        'Put an idea in "People"',
    ),
    "assign several": (
        lambda b, i: ideas.assign_ideas(
            board=b, idea_ids=[i[0].pk, i[2].pk], cluster_id=_cluster_named(b, "People")
        ),
        'Put 2 ideas in "People"',
    ),
    "take out": (
        lambda b, i: ideas.assign_ideas(board=b, idea_ids=[i[0].pk, i[1].pk], cluster_id=None),
        "Took 2 ideas out of their clusters",
    ),
    "suggestions": (
        lambda b, i: ideas.apply_suggestions(
            board=b, groups=[("Data", [i[2].pk]), ("People", [i[0].pk])]
        ),
        "Accepted 2 suggested clusters",
    ),
}


@pytest.mark.parametrize("action", UNDOABLE)
def test_undo_restores_exactly_the_state_before_each_kind_of_action(board, three, action):
    kit = ideas.create_cluster(board=board, name="Kit")
    people = ideas.create_cluster(board=board, name="People")
    ideas.assign_idea(board=board, idea_id=three[0].pk, cluster_id=kit.pk)
    ideas.assign_idea(board=board, idea_id=three[1].pk, cluster_id=people.pk)
    before = layout(board)
    do, label = UNDOABLE[action]
    do(board, three)
    assert layout(board) != before
    with one_change():
        assert ideas.undo_clustering(board=board) == label
    assert layout(board) == before
    assert board.undos.count() == 4  # the setup's own actions are still undoable


def test_undo_steps_back_one_action_at_a_time(board, three):
    states = [layout(board)]
    kit = ideas.create_cluster(board=board, name="Kit")
    states.append(layout(board))
    ideas.assign_ideas(board=board, idea_ids=[three[0].pk, three[1].pk], cluster_id=kit.pk)
    states.append(layout(board))
    ideas.delete_cluster(board=board, cluster_id=kit.pk)
    ideas.undo_clustering(board=board)
    assert layout(board) == states.pop()
    assert Cluster.objects.get().pk == kit.pk  # restored, not replaced
    while states:
        ideas.undo_clustering(board=board)
        assert layout(board) == states.pop()
    assert refused(board, Conflict, lambda: ideas.undo_clustering(board=board)) == (
        "Nothing to undo."
    )


def test_a_double_tapped_undo_undoes_one_action(board):
    ideas.create_cluster(board=board, name="First")
    ideas.create_cluster(board=board, name="Second")
    assert ideas.undo_clustering(board=board, key="u1") == 'Created "Second"'
    assert ideas.undo_clustering(board=board, key="u1") is None
    assert list(board.clusters.values_list("name", flat=True)) == ["First"]


def test_ideas_sent_after_an_action_are_left_where_they_are_by_its_undo(board, three, dana):
    kit = ideas.create_cluster(board=board, name="Kit")
    late = send(board, dana, "Arrived later")
    ideas.undo_clustering(board=board)
    assert not Cluster.objects.filter(pk=kit.pk).exists()
    assert Idea.objects.get(pk=late.pk).cluster is None
    assert len(wall(board)) == 4


def test_moderation_is_not_undone_by_cluster_undo(board, three):
    ideas.create_cluster(board=board, name="Kit")
    ideas.hide_idea(board=board, idea_id=three[0].pk)
    ideas.undo_clustering(board=board)
    assert Idea.objects.get(pk=three[0].pk).status == Idea.Status.HIDDEN


def test_only_the_latest_50_actions_can_be_undone(board):
    cluster = ideas.create_cluster(board=board, name="Name 0")
    for n in range(1, 55):
        ideas.rename_cluster(board=board, cluster_id=cluster.pk, name=f"Name {n}")
    assert board.undos.count() == 50
    assert board.undos.first().label == 'Renamed "Name 53" to "Name 54"'
    assert board.undos.last().label == 'Renamed "Name 4" to "Name 5"'


# --- a finished workshop -------------------------------------------------------------------


EVERY_VERB = {
    "add step": lambda w, b, i, c, d: ideas.add_ideas_step(workshop=w, title="T", prompt="P"),
    "configure": lambda w, b, i, c, d: ideas.configure_board(
        board=b, prompt="P", show_names=True, needs_approval=True, staged=True
    ),
    "open": lambda w, b, i, c, d: ideas.open_board(board=b),
    "close": lambda w, b, i, c, d: ideas.close_board(board=b),
    "start stage": lambda w, b, i, c, d: ideas.start_stage(board=b, stage=1),
    "stop stages": lambda w, b, i, c, d: ideas.stop_stages(board=b),
    "stage times": lambda w, b, i, c, d: ideas.set_stage_durations(board=b, stages=[20] * 4),
    "send": lambda w, b, i, c, d: send(b, d, "Too late"),
    "hide": lambda w, b, i, c, d: ideas.hide_idea(board=b, idea_id=i[0].pk),
    "restore": lambda w, b, i, c, d: ideas.restore_idea(board=b, idea_id=i[1].pk),
    "approve": lambda w, b, i, c, d: ideas.approve_idea(board=b, idea_id=i[1].pk),
    "edit": lambda w, b, i, c, d: ideas.edit_idea(board=b, idea_id=i[0].pk, text="Changed"),
    "merge": lambda w, b, i, c, d: ideas.merge_ideas(
        board=b, survivor_id=i[0].pk, other_ids=[i[1].pk]
    ),
    "unmerge": lambda w, b, i, c, d: ideas.unmerge_idea(board=b, idea_id=i[2].pk),
    "create cluster": lambda w, b, i, c, d: ideas.create_cluster(board=b, name="New"),
    "rename cluster": lambda w, b, i, c, d: ideas.rename_cluster(
        board=b, cluster_id=c.pk, name="New"
    ),
    "delete cluster": lambda w, b, i, c, d: ideas.delete_cluster(board=b, cluster_id=c.pk),
    "merge clusters": lambda w, b, i, c, d: ideas.merge_clusters(
        board=b, cluster_id=c.pk, into_id=b.clusters.exclude(pk=c.pk).get().pk
    ),
    "assign": lambda w, b, i, c, d: ideas.assign_idea(board=b, idea_id=i[1].pk, cluster_id=c.pk),
    "assign several": lambda w, b, i, c, d: ideas.assign_ideas(
        board=b, idea_ids=[i[1].pk], cluster_id=None
    ),
    "suggestions": lambda w, b, i, c, d: ideas.apply_suggestions(
        board=b, groups=[("New", [i[0].pk])]
    ),
    "undo": lambda w, b, i, c, d: ideas.undo_clustering(board=b),
}


@pytest.mark.parametrize("verb", EVERY_VERB)
def test_a_finished_workshop_refuses_every_verb(workshop, dana, verb):
    board = make_board(workshop, staged=True)
    ideas.start_stage(board=board, stage=0)
    sent = [send(board, dana, text) for text in ("One", "Two", "Three")]
    ideas.hide_idea(board=board, idea_id=sent[1].pk)
    ideas.merge_ideas(board=board, survivor_id=sent[0].pk, other_ids=[sent[2].pk])
    cluster = ideas.create_cluster(board=board, name="Kit")
    ideas.create_cluster(board=board, name="Other")
    ideas.assign_idea(board=board, idea_id=sent[0].pk, cluster_id=cluster.pk)
    services.close_workshop(workshop=workshop)
    call = partial(EVERY_VERB[verb], workshop, board, sent, cluster, dana)
    assert refused(board, Conflict, call) == FINISHED


# --- what the database holds ---------------------------------------------------------------


def test_the_database_refuses_an_empty_or_over_long_idea(board, dana):
    # PostgreSQL's column type refuses the long one first (DataError); SQLite's check does.
    for text in ("", "x" * (IDEA_MAX + 1)):
        with pytest.raises((IntegrityError, DataError)), transaction.atomic():
            Idea.objects.create(board=board, delegate=dana, text=text)
    assert not Idea.objects.exists()


def test_the_database_refuses_two_clusters_of_one_name(board):
    Cluster.objects.create(board=board, name="Training", position=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        Cluster.objects.create(board=board, name="TRAINING", position=1)
    assert board.clusters.count() == 1


def test_the_database_refuses_a_stage_that_does_not_exist(board):
    with pytest.raises(IntegrityError), transaction.atomic():
        Board.objects.filter(pk=board.pk).update(stage=4)


@pytest.mark.django_db(transaction=True)
def test_ideas_sent_all_at_once_by_one_delegate_land_once_each_and_stop_at_the_cap(workshop):
    board = make_board(workshop)
    delegate = new_delegate(workshop, "Dana")
    keys = [str(uuid.uuid4()) for _ in range(MAX_IDEAS_PER_DELEGATE + 6)]
    deliveries = [key for key in keys for _ in range(2)]  # two tabs, double taps
    outcomes: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(deliveries))

    def deliver(key: str) -> None:
        try:
            barrier.wait()
            try:
                idea = send(board, delegate, f"Idea {key}", key=key)
            except Refused as refusal:
                outcome = refusal.message
            else:
                outcome = "replayed" if idea is None else "landed"
            with lock:
                outcomes.append(outcome)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver, args=(key,)) for key in deliveries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    stored = list(Idea.objects.filter(board=board).values_list("text", flat=True))
    assert len(stored) == len(set(stored)) == outcomes.count("landed") == MAX_IDEAS_PER_DELEGATE
    assert set(outcomes) <= {"landed", "replayed", ideas.TOO_MANY}
