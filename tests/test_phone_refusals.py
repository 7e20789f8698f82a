"""Refusals on a phone: every delegate form, sent blank, whitespace-only or over-long, is
refused with a message in the phone's flash area (or next to the field) and stores nothing.

htmx gets a fragment, never a page (and `HX-Reswap: none` when it is only the #flash message,
so the form and what was typed stay on screen). A plain POST gets the phone page again with
the message and the typed text in its field."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from sessions.agenda import services
from sessions.ideas import services as ideas
from sessions.models import (
    CLUSTER_NAME_MAX,
    IDEA_MAX,
    PULSE_WORD_MAX,
    Ballot,
    Board,
    ClusterSuggestion,
    Commitment,
    Delegate,
    Idea,
    Poll,
    PulseAnswer,
)
from sessions.pulse import services as pulse_service
from sessions.voting import services as voting
from sessions.voting.services import PollSettings
from tests.test_commitments import add_commit_step, card
from tests.test_idea_suggestions import cluster, idea
from tests.test_ideas import make_board, new_delegate, send

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
OVER = "x" * 600


def sent(client: Client, name: str, workshop, data: dict, htmx: bool):
    url = reverse(f"workshops:{name}", args=[workshop.pk])
    return client.post(url, {"key": uuid.uuid4(), **data}, **(HTMX if htmx else {}))


def assert_flash_only(response, status: int, message: str) -> None:
    """An htmx refusal: the #flash fragment alone, never swapped anywhere else."""
    html = response.content.decode()
    assert response.status_code == status
    assert html.startswith('<div id="flash" hx-swap-oob="true"')
    assert message in html
    assert response["HX-Reswap"] == "none"


def assert_phone_page(response, status: int, message: str, typed: str = "") -> None:
    """A plain POST's refusal: the phone page again, the message in #flash, the text kept."""
    html = response.content.decode()
    assert response.status_code == status
    assert 'id="connection"' in html  # the phone page, not a bare refusal page
    flash = html.split('<div id="flash"')[1].split("</div>")[0]
    assert message in flash
    if typed:
        assert typed in html


# --- ideas ---------------------------------------------------------------------------------


@pytest.fixture
def suggest_board(workshop) -> Board:
    """An open board on screen that asks for suggestions, with two clusters and an idea."""
    board = make_board(workshop, delegates_suggest=True)
    services.show_step(workshop=workshop, step=board.step)
    for name in ("Training", "Tooling"):
        ideas.create_cluster(board=board, name=name)
    send(board, new_delegate(workshop, "Ann"), "Shadow boards")
    return Board.objects.get(pk=board.pk)


IDEA_CASES = [
    ("", "Write your idea first."),
    ("   \n\t ", "Write your idea first."),
    ("x" * (IDEA_MAX + 1), f"at most {IDEA_MAX} characters"),
]


@pytest.mark.parametrize(("text", "message"), IDEA_CASES)
def test_a_bad_idea_by_htmx_answers_with_the_flash_only(
    workshop, suggest_board, delegate_client, text, message
):
    before = Idea.objects.count()
    data = {"board": suggest_board.pk, "text": text}
    response = sent(delegate_client, "idea_send", workshop, data, htmx=True)
    assert_flash_only(response, 400, message)
    assert Idea.objects.count() == before


@pytest.mark.parametrize(("text", "message"), IDEA_CASES)
def test_a_bad_idea_without_script_shows_the_phone_page_with_the_typed_text(
    workshop, suggest_board, delegate_client, text, message
):
    before = Idea.objects.count()
    data = {"board": suggest_board.pk, "text": text}
    response = sent(delegate_client, "idea_send", workshop, data, htmx=False)
    assert_phone_page(response, 400, message, typed=f">{text}</textarea>")
    assert Idea.objects.count() == before


def test_an_idea_from_a_phone_that_did_not_join_gets_the_refusal_page(
    workshop, suggest_board, stranger_client
):
    data = {"board": suggest_board.pk, "text": "Shadow boards"}
    response = sent(stranger_client, "idea_send", workshop, data, htmx=False)
    assert response.status_code == 404
    assert "This phone has not joined that workshop." in response.content.decode()


# --- suggesting a theme --------------------------------------------------------------------


def suggest_cases(board: Board) -> list[tuple[dict, str]]:
    about = idea(board, "Shadow boards").pk
    return [
        ({"idea": about, "cluster": "", "name": ""}, "Choose a theme"),
        ({"idea": about, "cluster": "", "name": "   "}, "Choose a theme"),
        ({"idea": about, "cluster": "", "name": "y" * (CLUSTER_NAME_MAX + 1)}, "at most"),
        ({"idea": about, "cluster": "x" * 30, "name": ""}, "not understood"),
    ]


@pytest.mark.parametrize("htmx", [True, False])
def test_bad_suggestions_are_refused_in_the_flash_area(
    workshop, suggest_board, delegate_client, htmx
):
    for data, message in suggest_cases(suggest_board):
        response = sent(delegate_client, "suggest_theme", workshop, data, htmx=htmx)
        if htmx:
            assert_flash_only(response, 400, message)
        else:
            typed = data["name"].strip()
            assert_phone_page(response, 400, message, typed=f'value="{typed}"' if typed else "")
    assert not ClusterSuggestion.objects.exists()


def test_a_good_suggestion_still_lands(workshop, suggest_board, delegate_client):
    data = {
        "idea": idea(suggest_board, "Shadow boards").pk,
        "cluster": cluster(suggest_board, "Tooling").pk,
    }
    response = sent(delegate_client, "suggest_theme", workshop, data, htmx=True)
    assert response.status_code == 200
    assert ClusterSuggestion.objects.count() == 1


# --- the commitment card -------------------------------------------------------------------


@pytest.fixture
def commit_step(workshop, facilitator_client):
    return add_commit_step(workshop, facilitator_client)


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ("", "This field is required."),
        ("   ", "This field is required."),
        ("x" * 150, "An action can be at most 140 characters; this one has 150."),
        ("x" * 5000, "Ensure this value has at most"),
    ],
)
@pytest.mark.parametrize("htmx", [True, False])
def test_a_bad_card_comes_back_with_its_message_and_typed_text(
    workshop, commit_step, delegate_client, action, message, htmx
):
    data = card(workshop, commit_step, action=action, measure="changeovers under 20 minutes")
    response = sent(delegate_client, "commit", workshop, data, htmx=htmx)
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert "changeovers under 20 minutes" in html  # the rest of the card is kept
    if htmx:
        assert html.lstrip().startswith('<section id="my-commitments-')  # the card, not a page
        assert "<main" not in html
    else:
        assert "<main" in html
    assert not Commitment.objects.exists()


def test_a_card_with_whitespace_only_fields_is_refused(workshop, commit_step, delegate_client):
    data = card(workshop, commit_step, first_step_when="   ", measure="  ")
    response = sent(delegate_client, "commit", workshop, data, htmx=True)
    assert response.status_code == 400
    assert not Commitment.objects.exists()


# --- the pulse -----------------------------------------------------------------------------


@pytest.fixture
def pulse(workshop):
    step = pulse_service.add_pulse_step(workshop=workshop)
    services.show_step(workshop=workshop, step=step)
    return pulse_service.open_pulse(pulse=step.pulse)


PULSE_CASES = [
    ({"usefulness": "", "word": ""}, "Choose how useful the workshop was"),
    ({"usefulness": "   ", "word": "Good"}, "Choose how useful the workshop was"),
    ({"usefulness": "4", "word": "w" * (PULSE_WORD_MAX + 1)}, "at most 30 characters"),
    ({"usefulness": "4" * 40, "word": "Good"}, "Choose how useful the workshop was"),
]


@pytest.mark.parametrize(("data", "message"), PULSE_CASES)
def test_a_bad_pulse_answer_by_htmx_comes_back_next_to_the_field(
    workshop, pulse, delegate_client, data, message
):
    response = sent(delegate_client, "pulse_answer", workshop, {"pulse": pulse.pk, **data}, True)
    html = response.content.decode()
    assert response.status_code == 400
    assert html.lstrip().startswith('<section id="my-pulse-')
    assert "<main" not in html
    assert message in html
    assert not PulseAnswer.objects.exists()


@pytest.mark.parametrize(("data", "message"), PULSE_CASES)
def test_a_bad_pulse_answer_without_script_shows_the_phone_page(
    workshop, pulse, delegate_client, data, message
):
    response = sent(delegate_client, "pulse_answer", workshop, {"pulse": pulse.pk, **data}, False)
    typed = f'value="{data["word"]}"' if data["word"] else ""
    assert_phone_page(response, 400, message, typed=typed)
    assert not PulseAnswer.objects.exists()


# --- votes ---------------------------------------------------------------------------------


@pytest.fixture
def poll(workshop) -> Poll:
    settings = PollSettings(kind=Poll.Kind.DOTS, options=["Changeovers", "Training"])
    step = voting.add_vote_step(workshop=workshop, title="Pick", body="", settings=settings)
    services.show_step(workshop=workshop, step=step)
    voting.open_poll(poll=step.poll)
    return step.poll


@pytest.mark.parametrize(
    "changes",
    [
        {"option": "", "action": ""},
        {"option": "   ", "action": "   "},
        {"option": "9" * 40, "action": "add" * 100},
    ],
)
@pytest.mark.parametrize("htmx", [True, False])
def test_a_bad_vote_is_refused_in_the_flash_area(workshop, poll, delegate_client, changes, htmx):
    data = {"poll": poll.pk, "option": poll.options.first().pk, "action": "add", **changes}
    response = sent(delegate_client, "vote", workshop, data, htmx=htmx)
    message = "That was not understood; nothing was changed."
    if htmx:
        assert_flash_only(response, 400, message)
    else:
        assert_phone_page(response, 400, message)
    assert not Ballot.objects.filter(spent__gt=0).exists()


# --- joining (plain forms: the page comes back with the message and what was typed) --------


def test_a_whitespace_only_name_joins_anonymously(workshop):
    client = Client()
    response = client.post(f"/j/{workshop.join_token}/", {"display_name": "   "})
    assert response.status_code == 302
    assert Delegate.objects.get().display_name == ""


def test_an_over_long_name_is_refused_with_the_form_and_the_typed_name(workshop):
    name = "N" * 41
    response = Client().post(f"/j/{workshop.join_token}/", {"display_name": name})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Ensure this value has at most 40 characters" in html
    assert f'value="{name}"' in html
    assert not Delegate.objects.exists()


@pytest.mark.parametrize(
    ("code", "message"),
    [("", "This field is required."), ("   ", "This field is required."), ("C" * 21, "at most")],
)
def test_a_bad_code_is_refused_with_the_form(workshop, code, message):
    response = Client().post("/join", {"code": code})
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert 'name="code"' in html
