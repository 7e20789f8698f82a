"""A console's buttons act only on what they were shown for.

Each test draws the console (or the finish page) as a facilitator sees it, lets the room
move on (or the thing change) behind its back, then presses a button of the page it drew:
the form the browser would send, hidden fields and all.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from sessions.agenda import services
from sessions.commitments import services as commitments
from sessions.ideas import services as ideas
from sessions.models import Board, Change, Idea, Poll, Pulse, Step, Workshop
from sessions.pulse import services as pulse
from sessions.voting import services as voting

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


# --- reading forms off a page, as a browser sends them -------------------------------------


class _Forms(HTMLParser):
    """Every form of a page: its action, and the fields a press of one of its buttons sends
    (inputs inside it or naming it with form="id"; checkboxes left unticked)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self.by_id: dict[str, dict] = {}
        self.loose: list[tuple[str, dict]] = []
        self.open: dict | None = None
        self.button: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.open = {"action": a.get("action", ""), "fields": [], "buttons": []}
            self.forms.append(self.open)
            if a.get("id"):
                self.by_id[a["id"]] = self.open
        elif tag in {"input", "button", "select"}:
            owner = self.by_id.get(a["form"]) if a.get("form") else self.open
            if a.get("form") and owner is None:
                self.loose.append((a["form"], {**a, "_tag": tag}))
                return
            self._add(owner, tag, a)

    def _add(self, owner, tag, a):
        if owner is None:
            return
        if tag == "button" or a.get("type") == "submit":
            self.button = {"name": a.get("name", ""), "value": a.get("value", ""), "text": ""}
            owner["buttons"].append(self.button)
        elif tag == "input" and a.get("type") not in {"checkbox", "radio"} and a.get("name"):
            owner["fields"].append((a["name"], a.get("value", "")))

    def handle_data(self, data):
        if self.button is not None:
            self.button["text"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.open = None
        if tag == "button":
            self.button = None


def forms_of(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    for form_id, attrs in parser.loose:
        parser._add(parser.by_id.get(form_id), attrs.pop("_tag"), attrs)
    return parser.forms


def press(client: Client, html: str, label: str, htmx: bool = True, **typed):
    """Press the button whose text starts with `label` on the page `html` (drawn earlier)."""
    for form in forms_of(html):
        for button in form["buttons"]:
            if " ".join(button["text"].split()).startswith(label):
                data = dict(form["fields"])
                data.update(typed)
                if button["name"]:
                    data[button["name"]] = button["value"]
                return client.post(form["action"], data, **(HTMX if htmx else {}))
    raise AssertionError(f"No button {label!r} on the page")


def console(client: Client, workshop: Workshop) -> str:
    return client.get(reverse("workshops:console", args=[workshop.pk])).content.decode()


def version(workshop: Workshop) -> int:
    return Change.objects.version_of(workshop.pk)


def moved_on_to(title: str) -> str:
    return f"The room has moved on to “{title}”; nothing was changed."


# --- the agenda -----------------------------------------------------------------------------


@pytest.fixture
def vote(workshop) -> Step:
    settings = voting.PollSettings(kind="dots", options=["Kits", "Training", "Data"])
    return voting.add_vote_step(workshop=workshop, title="Which first?", body="", settings=settings)


@pytest.fixture
def board_step(workshop) -> Step:
    return ideas.add_ideas_step(workshop=workshop, title="Ideas", prompt="How?", staged=True)


@pytest.fixture
def pulse_step(workshop) -> Step:
    return pulse.add_pulse_step(workshop=workshop, title="How was it?")


@pytest.fixture
def commit_step(workshop) -> Step:
    return commitments.add_commit_step(workshop=workshop, title="Commit")


def show(workshop, step):
    services.show_step(workshop=workshop, step=step)


def poll_of(step: Step) -> Poll:
    return Poll.objects.get(step=step)


# --- the vote's controls --------------------------------------------------------------------


def test_a_quick_open_after_next_does_not_reopen_the_old_vote(
    workshop, vote, board_step, facilitator_client
):
    show(workshop, vote)
    voting.open_poll(poll=poll_of(vote))
    voting.close_poll(poll=poll_of(vote))
    drawn = console(facilitator_client, workshop)  # "Reopen voting" on screen
    show(workshop, board_step)  # Next, whose push has not redrawn the buttons yet
    before = version(workshop)
    response = press(facilitator_client, drawn, "Reopen voting")
    assert response.status_code == 409
    assert moved_on_to("Ideas") in response.content.decode()
    assert 'id="flash"' in response.content.decode()
    assert not poll_of(vote).is_open
    assert not Board.objects.get(step=board_step).is_open
    assert version(workshop) == before


@pytest.mark.parametrize(
    ("label", "setup"),
    [
        ("Open voting", None),
        ("Close voting", "open"),
        ("Reveal results", None),
        ("Hide results", "reveal"),
        ("as the focus", "open-close"),
    ],
)
def test_every_vote_control_is_refused_once_the_room_moved_on(
    workshop, vote, board_step, facilitator_client, label, setup
):
    show(workshop, vote)
    poll = poll_of(vote)
    if setup in {"open", "open-close"}:
        voting.open_poll(poll=poll)
    if setup == "open-close":
        voting.close_poll(poll=poll)
    if setup == "reveal":
        voting.reveal_results(poll=poll)
    drawn = console(facilitator_client, workshop)
    before = (Poll.objects.filter(pk=poll.pk).values().get(), list(workshop.focus_options.all()))
    show(workshop, board_step)
    response = press(facilitator_client, drawn, label)
    assert response.status_code == 409
    assert moved_on_to("Ideas") in response.content.decode()
    after = (Poll.objects.filter(pk=poll.pk).values().get(), list(workshop.focus_options.all()))
    assert after == before


def test_a_countdown_open_for_a_step_no_longer_showing_is_refused_without_script(
    workshop, vote, board_step, facilitator_client
):
    show(workshop, vote)
    drawn = console(facilitator_client, workshop)
    services.show_step(workshop=workshop, step=None)
    response = press(facilitator_client, drawn, "Open voting", htmx=False, seconds="60")
    assert response.status_code == 409
    assert "The room has moved on to the waiting screen; nothing was changed." in (
        response.content.decode()
    )
    assert (poll_of(vote).is_open, poll_of(vote).closes_at) == (False, None)


def test_open_shown_while_closed_is_refused_once_another_console_opened_it(
    workshop, vote, facilitator_client
):
    show(workshop, vote)
    drawn = console(facilitator_client, workshop)
    voting.open_poll(poll=poll_of(vote), seconds=300)  # another tab, with a countdown
    closes_at = poll_of(vote).closes_at
    response = press(facilitator_client, drawn, "Open voting", seconds="30")
    assert response.status_code == 409
    assert "The vote has changed since your screen showed it; nothing was changed." in (
        response.content.decode()
    )
    assert poll_of(vote).closes_at == closes_at


def test_the_vote_controls_work_on_the_step_on_screen(workshop, vote, facilitator_client):
    show(workshop, vote)
    response = press(facilitator_client, console(facilitator_client, workshop), "Open voting")
    assert response.status_code == 200
    assert "Voting is open." in response.content.decode()
    assert poll_of(vote).is_open
    response = press(
        facilitator_client, console(facilitator_client, workshop), "Close voting", htmx=False
    )
    assert response.status_code == 302
    assert not poll_of(vote).is_open


# --- the ideas board's controls -------------------------------------------------------------


@pytest.mark.parametrize(
    "label", ["Open ideas", "Start stage 1", "Show names with ideas", "Approve ideas before"]
)
def test_every_board_control_is_refused_once_the_room_moved_on(
    workshop, board_step, vote, facilitator_client, label
):
    show(workshop, board_step)
    drawn = console(facilitator_client, workshop)
    board = Board.objects.filter(pk=board_step.board.pk)
    before = board.values().get()
    show(workshop, vote)
    response = press(facilitator_client, drawn, label)
    assert response.status_code == 409
    assert moved_on_to("Which first?") in response.content.decode()
    assert board.values().get() == before


def test_moderating_an_idea_is_refused_once_the_room_moved_on(
    workshop, board_step, vote, facilitator_client, delegate_client
):
    show(workshop, board_step)
    ideas.open_board(board=board_step.board)
    idea = ideas.submit_idea(
        workshop_id=workshop.pk,
        delegate_id=delegate_client.delegate.pk,
        board_id=board_step.board.pk,
        text="Shadow boards at each press",
    )
    drawn = console(facilitator_client, workshop)
    show(workshop, vote)
    response = press(facilitator_client, drawn, "Hide")
    assert response.status_code == 409
    assert moved_on_to("Which first?") in response.content.decode()
    assert Idea.objects.get(pk=idea.pk).status == Idea.Status.SHOWN
    show(workshop, board_step)
    response = press(facilitator_client, console(facilitator_client, workshop), "Hide")
    assert response.status_code == 200
    assert Idea.objects.get(pk=idea.pk).status == Idea.Status.HIDDEN


def test_a_stage_shown_while_another_ran_is_refused_once_it_changed(
    workshop, board_step, facilitator_client
):
    show(workshop, board_step)
    ideas.start_stage(board=board_step.board, stage=0)
    drawn = console(facilitator_client, workshop)
    ideas.start_stage(board=board_step.board, stage=1)  # another tab moved on a stage
    ends_at = Board.objects.get(pk=board_step.board.pk).stage_ends_at
    response = press(facilitator_client, drawn, "Start stage 2")
    assert response.status_code == 409
    assert "The ideas step has changed since your screen showed it" in response.content.decode()
    assert Board.objects.get(pk=board_step.board.pk).stage_ends_at == ends_at
    response = press(facilitator_client, console(facilitator_client, workshop), "Start stage 3")
    assert response.status_code == 200
    assert Board.objects.get(pk=board_step.board.pk).stage == 2


# --- the pulse, the commitment wall, finishing ----------------------------------------------


@pytest.mark.parametrize("label", ["Open the pulse", "Reveal pulse results"])
def test_the_pulse_controls_are_refused_once_the_room_moved_on(
    workshop, pulse_step, vote, facilitator_client, label
):
    show(workshop, pulse_step)
    drawn = console(facilitator_client, workshop)
    before = Pulse.objects.filter(step=pulse_step).values().get()
    show(workshop, vote)
    response = press(facilitator_client, drawn, label)
    assert response.status_code == 409
    assert moved_on_to("Which first?") in response.content.decode()
    assert Pulse.objects.filter(step=pulse_step).values().get() == before


def test_the_pulse_controls_work_on_the_step_on_screen(workshop, pulse_step, facilitator_client):
    show(workshop, pulse_step)
    response = press(facilitator_client, console(facilitator_client, workshop), "Open the pulse")
    assert response.status_code == 200
    assert Pulse.objects.get(step=pulse_step).is_open


def test_the_wall_names_switch_is_refused_once_the_room_moved_on(
    workshop, commit_step, vote, facilitator_client
):
    show(workshop, commit_step)
    drawn = console(facilitator_client, workshop)
    show(workshop, vote)
    response = press(facilitator_client, drawn, "Show names on the wall")
    assert response.status_code == 409
    assert moved_on_to("Which first?") in response.content.decode()
    assert not Step.objects.get(pk=commit_step.pk).config.get("show_names")
    show(workshop, commit_step)
    drawn = console(facilitator_client, workshop)
    assert press(facilitator_client, drawn, "Show names on the wall").status_code == 200
    assert Step.objects.get(pk=commit_step.pk).config.get("show_names")


@pytest.mark.parametrize("label", ["Close now", "Show the pulse"])
def test_finishing_from_a_page_drawn_before_the_room_moved_on_is_refused(
    workshop, vote, pulse_step, facilitator_client, label
):
    show(workshop, vote)
    page = facilitator_client.get(reverse("workshops:finish", args=[workshop.pk]))
    show(workshop, pulse_step)
    response = press(facilitator_client, page.content.decode(), label, htmx=False)
    assert response.status_code == 409
    assert moved_on_to("How was it?") in response.content.decode()
    row = Workshop.objects.get(pk=workshop.pk)
    assert row.closed_at is None
    assert not Pulse.objects.get(step=pulse_step).is_open


def test_finishing_from_a_fresh_page_closes(workshop, vote, facilitator_client):
    show(workshop, vote)
    page = facilitator_client.get(reverse("workshops:finish", args=[workshop.pk]))
    response = press(facilitator_client, page.content.decode(), "Close now", htmx=False)
    assert response.status_code == 302
    assert Workshop.objects.get(pk=workshop.pk).is_closed


# --- moving the room ------------------------------------------------------------------------


@pytest.mark.parametrize("label", ["Next →", "← Previous", "Waiting screen", "Show"])
def test_moving_the_room_from_a_page_that_fell_behind_is_refused(
    workshop, vote, board_step, pulse_step, facilitator_client, label
):
    show(workshop, vote)
    drawn = console(facilitator_client, workshop)
    show(workshop, pulse_step)  # another tab
    before = version(workshop)
    response = press(facilitator_client, drawn, label)
    assert response.status_code == 409
    assert moved_on_to("How was it?") in response.content.decode()
    assert Workshop.objects.get(pk=workshop.pk).current_step_id == pulse_step.pk
    assert version(workshop) == before


def test_next_from_a_fresh_page_moves_the_room(workshop, vote, board_step, facilitator_client):
    show(workshop, vote)
    response = press(facilitator_client, console(facilitator_client, workshop), "Next →")
    assert response.status_code == 200
    assert Workshop.objects.get(pk=workshop.pk).current_step_id == board_step.pk


def test_a_malformed_shown_field_is_not_understood(workshop, vote, facilitator_client):
    show(workshop, vote)
    url = reverse("workshops:poll_control", args=[workshop.pk, poll_of(vote).pk])
    response = facilitator_client.post(url, {"action": "open", "shown": "x'; DROP"}, **HTMX)
    assert response.status_code == 400
    assert "That was not understood; nothing was changed." in response.content.decode()
    assert not poll_of(vote).is_open


COMMANDS = ("poll_control", "board_command", "pulse_control", "commit_names", "show", "close")


def test_every_console_command_form_says_what_it_was_shown_for(
    workshop, vote, board_step, pulse_step, commit_step, facilitator_client, delegate_client
):
    ideas.open_board(board=board_step.board)
    ideas.submit_idea(
        workshop_id=workshop.pk,
        delegate_id=delegate_client.delegate.pk,
        board_id=board_step.board.pk,
        text="Shadow boards",
    )
    ideas.create_cluster(board=board_step.board, name="Visual")
    prefixes = [f"/console/workshops/{workshop.pk}/{part}" for part in ("polls/", "boards/")]
    prefixes += [
        reverse(f"workshops:{name}", args=[workshop.pk]) for name in ("show", "close", "finish")
    ]
    checked = 0
    for step in (None, vote, board_step, pulse_step, commit_step):
        show(workshop, step)
        pages = [
            console(facilitator_client, workshop),
            facilitator_client.get(reverse("workshops:finish", args=[workshop.pk])).content,
        ]
        for page in pages:
            page = page.decode() if isinstance(page, bytes) else page
            for form in forms_of(page):
                commands = any(form["action"].startswith(p) for p in prefixes)
                if commands or form["action"].endswith("/names/"):
                    fields = dict(form["fields"])
                    assert fields.get("shown", "").split(":")[0] == str(step.pk if step else "")
                    checked += 1
    assert checked >= 12


def test_close_then_a_quick_reveal_from_the_same_screen_is_carried_out(
    workshop, vote, facilitator_client
):
    """A form carries only the state its buttons mean: revealing does not depend on whether
    voting is open, so a "Reveal" pressed before the push redrew the page still counts."""
    show(workshop, vote)
    voting.open_poll(poll=poll_of(vote))
    drawn = console(facilitator_client, workshop)
    assert press(facilitator_client, drawn, "Close voting").status_code == 200
    response = press(facilitator_client, drawn, "Reveal results")
    assert response.status_code == 200
    assert poll_of(vote).revealed
    assert not poll_of(vote).is_open


def test_a_reveal_shown_before_another_console_revealed_and_hid_is_still_refused_once_changed(
    workshop, vote, facilitator_client
):
    show(workshop, vote)
    drawn = console(facilitator_client, workshop)
    voting.reveal_results(poll=poll_of(vote))  # another tab
    response = press(facilitator_client, drawn, "Reveal results")
    assert response.status_code == 409
    assert poll_of(vote).revealed
