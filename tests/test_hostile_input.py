"""Hostile input gets a 4xx and changes nothing: malformed tokens in addresses, numbers that
are not plain ASCII digits, and numbers too long to mean anything.

These run on SQLite and on PostgreSQL (`DATABASE_URL`); PostgreSQL refuses a NUL byte in a
text parameter, so a malformed token must never reach the database.
"""

from __future__ import annotations

import datetime
import uuid

import pytest
from channels.testing import WebsocketCommunicator
from django.test import Client

from facilitate.asgi import application
from sessions.agenda import services
from sessions.commands import parse_int
from sessions.commitments import services as commitments
from sessions.ideas import services as ideas
from sessions.joining import services as joining
from sessions.live.consumers import NOT_ALLOWED
from sessions.models import Board, Change, Cluster, Commitment, Idea, Step
from sessions.questions.forms import UpvoteForm
from sessions.voting.forms import VoteForm
from tests.routes import app_routes, fill

pytestmark = pytest.mark.django_db

BAD_TOKENS = {
    "a NUL byte": "abc\x00def",
    "a percent-encoded NUL": "abc%00def",
    "only a NUL": "%00",
    "an over-long token": "A" * 65,
    "a very long token": "A" * 5000,
    "non-ASCII letters": "tökén",
    "Arabic-Indic digits": "\u0663\u0664\u0665",
    "superscript digits": "\u00b2\u00b3",
    "full-width letters": "\uff21\uff22\uff23",
    "a space": "abc def",
    "a dot": "abc.def",
}


def token_routes() -> list[str]:
    """Every route whose address carries a token, other ids filled in, the token left as
    `<token:token>`."""
    found = []
    for route in app_routes():
        if "token" in route.converters:
            ids = {keyword: 1 for keyword in route.converters if keyword != "token"}
            found.append(fill(route, {**ids, "token": "<token:token>"}))
    return found


TOKEN_ROUTES = token_routes()


def test_the_token_routes_are_all_found():
    expected = {
        "/j/<token:token>/",
        "/c/1/<token:token>/",
        "/me/<token:token>/",
        "/me/<token:token>/download/",
        "/me/<token:token>/erase/",
        "/display/<token:token>/",
        "/display/<token:token>/live/",
        "/s/<token:token>/",
        "/snapshot/<token:token>/",
        "/snapshot/<token:token>/q/1/",
        "/snapshot/<token:token>/about/",
        "/snapshot/<token:token>/challenges/",
        "/snapshot/<token:token>/results/",
        "/snapshot/<token:token>/retake/",
        "/archive/<token:token>/",
        "/archive/<token:token>/print/",
    }
    assert expected <= set(TOKEN_ROUTES)


def test_every_token_in_an_address_goes_through_the_token_converter():
    """One place decides what can be a token; a new route with a token must use it."""
    for route in app_routes():
        if "token" in route.converters:
            assert route.converters["token"] == "token", route.route


@pytest.mark.parametrize("route", TOKEN_ROUTES)
@pytest.mark.parametrize("bad", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
def test_a_token_that_cannot_be_one_is_not_found(route, bad, workshop, facilitator):
    """Anyone, GET or POST: a 404, never a database error."""
    path = route.replace("<token:token>", bad)
    anonymous = Client()
    assert anonymous.get(path).status_code == 404
    assert anonymous.post(path, {"display_name": "x"}).status_code == 404
    signed_in = Client()
    signed_in.force_login(facilitator)
    assert signed_in.get(path).status_code == 404


async def assert_refused(path: str) -> None:
    """A socket opened at `path` (from the page's own origin) is accepted, then closed with
    the policy code a page does not reconnect after."""
    communicator = WebsocketCommunicator(
        application, path, headers=[(b"origin", b"http://localhost"), (b"host", b"localhost")]
    )
    connected, _ = await communicator.connect(timeout=5)
    try:
        assert connected
        closed = await communicator.receive_output(timeout=5)
        assert closed == {"type": "websocket.close", "code": NOT_ALLOWED}
    finally:
        await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("bad", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
async def test_the_projector_socket_refuses_a_token_that_cannot_be_one(bad, workshop):
    await assert_refused(f"/ws/display/{bad}/")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/ws/nowhere/", "/", "/ws/phone/1/extra/", "/ws/phone/x/"])
async def test_an_unknown_socket_address_is_refused_the_same_way(path, caplog):
    with caplog.at_level("WARNING"):
        await assert_refused(path)
    assert [record.getMessage() for record in caplog.records] == []  # nothing logged


def test_a_good_token_still_works(workshop):
    assert Client().get(f"/display/{workshop.display_token}/").status_code == 200


# --- numbers ---------------------------------------------------------------------------------

NOT_WHOLE_NUMBERS = {
    "superscript two": "\u00b2",  # str.isdigit() says yes, int() refuses it
    "Arabic-Indic three": "\u0663",  # int() takes it
    "full-width one": "\uff11",
    "5,000 digits": "9" * 5000,  # int() refuses more than 4,300 digits
    "50 digits": "9" * 50,  # beyond any id column
    "negative": "-1",
    "a NUL byte": "1\x00",
    "empty": "",
}
NOT_IDS = {name: text for name, text in NOT_WHOLE_NUMBERS.items() if text}  # "" is "none"


@pytest.mark.parametrize(
    ("text", "number"),
    [("0", 0), ("42", 42), ("9" * 18, 10**18 - 1), ("\u00b2", None), ("\u0663", None),
     ("9" * 19, None), ("", None), (" 1", None), ("+1", None), ("1_0", None)],
)  # fmt: skip
def test_whole_numbers_are_ascii_digits_of_bounded_length(text, number):
    assert parse_int(text) == number


def test_taps_validated_one_after_another_each_get_their_own_answer():
    """A tap's form shares its fields with every other tap's (`fields_shared`): what one
    tap sent, or its errors, never reaches the next one's."""
    key = str(uuid.uuid4())
    bad = VoteForm({"poll": "²", "option": "1", "action": "drop", "key": "x"})
    good = VoteForm({"poll": "12", "option": "3", "action": "add", "key": key})
    assert not bad.is_valid()
    assert good.is_valid()
    assert set(bad.errors) == {"poll", "action", "key"}
    assert good.command() == {
        "poll_id": 12, "option_id": 3, "action": "add", "value": None, "key": key,
    }  # fmt: skip
    assert not good.errors
    assert not VoteForm({"poll": "12"}).is_valid()
    assert bad.fields is good.fields is VoteForm.base_fields
    assert UpvoteForm({"question": "4", "up": "0"}).is_valid()
    assert not UpvoteForm({"question": "4", "up": "2"}).is_valid()


HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def board(workshop) -> Board:
    step = ideas.add_ideas_step(workshop=workshop, title="Ideas", prompt="How might we?")
    ideas.open_board(board=step.board)
    delegate = joining.join_workshop(workshop=workshop, delegate_key=None, display_name="D")
    for text in ("Shorter meetings", "Fewer meetings"):
        ideas.submit_idea(
            workshop_id=workshop.pk,
            delegate_id=delegate.pk,
            board_id=step.board.pk,
            text=text,
            key=str(uuid.uuid4()),
        )
    ideas.create_cluster(board=step.board, name="Meetings")
    return Board.objects.get(pk=step.board.pk)


def board_state(board: Board) -> tuple:
    fresh = Board.objects.get(pk=board.pk)
    return (
        Change.objects.count(),
        fresh.stages,
        list(Idea.objects.order_by("pk").values_list("pk", "cluster", "text", "status")),
        list(Cluster.objects.order_by("pk").values_list("pk", "name")),
    )


def command(client: Client, board: Board, data: dict):
    url = f"/console/workshops/{board.step.workshop_id}/boards/{board.pk}/"
    return client.post(url, data, **HTMX)


@pytest.mark.parametrize("bad", NOT_IDS.values(), ids=NOT_IDS.keys())
def test_a_cluster_that_is_not_a_whole_number_is_refused(bad, board, facilitator_client):
    before = board_state(board)
    ticked = list(Idea.objects.values_list("pk", flat=True))
    response = command(facilitator_client, board, {"do": "assign", "ideas": ticked, "cluster": bad})
    assert response.status_code == 400
    assert "That was not understood; nothing was changed." in response.content.decode()
    assert board_state(board) == before


@pytest.mark.parametrize("bad", NOT_WHOLE_NUMBERS.values(), ids=NOT_WHOLE_NUMBERS.keys())
def test_a_ticked_idea_that_is_not_a_whole_number_is_refused(bad, board, facilitator_client):
    before = board_state(board)
    cluster = Cluster.objects.get()
    data = {"do": "assign", "ideas": [bad], "cluster": cluster.pk}
    response = command(facilitator_client, board, data)
    assert response.status_code == 400
    assert "That was not understood; nothing was changed." in response.content.decode()
    assert board_state(board) == before


@pytest.mark.parametrize("bad", NOT_WHOLE_NUMBERS.values(), ids=NOT_WHOLE_NUMBERS.keys())
def test_a_stage_time_that_is_not_a_whole_number_is_refused(bad, board, facilitator_client):
    before = board_state(board)
    times = {f"stage-time-{i}": "60" for i in range(len(board.stages))}
    response = command(facilitator_client, board, {"do": "durations", **times, "stage-time-1": bad})
    assert response.status_code == 400
    assert "Give each stage a time in whole seconds." in response.content.decode()
    assert board_state(board) == before


def test_a_stage_time_with_spaces_around_it_is_still_taken(board, facilitator_client):
    times = {f"stage-time-{i}": f" {60 + i} " for i in range(len(board.stages))}
    response = command(facilitator_client, board, {"do": "durations", **times})
    assert response.status_code == 200
    assert Board.objects.get(pk=board.pk).stages == [60, 61, 62, 63]


@pytest.mark.parametrize("bad", NOT_WHOLE_NUMBERS.values(), ids=NOT_WHOLE_NUMBERS.keys())
def test_suggested_clusters_that_are_not_whole_numbers_are_refused(bad, board, facilitator_client):
    before = board_state(board)
    idea = Idea.objects.first()
    for data in (
        {"do": "accept", "count": bad, "suggestion-name-0": "A", "suggestion-0": idea.pk},
        {"do": "accept", "count": "1", "suggestion-name-0": "A", "suggestion-0": bad},
    ):
        response = command(facilitator_client, board, data)
        assert response.status_code == 400
        assert "That was not understood; nothing was changed." in response.content.decode()
    assert board_state(board) == before


@pytest.mark.parametrize("bad", NOT_WHOLE_NUMBERS.values(), ids=NOT_WHOLE_NUMBERS.keys())
def test_a_commitment_card_for_a_step_that_is_not_a_whole_number_is_refused(
    bad, workshop, delegate_client
):
    """A malformed step is no step of this workshop: the same 404 and message as a missing
    one (the card's step is a hidden field, never typed)."""
    step = commitments.add_commit_step(workshop=workshop, title="Commit")
    services.show_step(workshop=workshop, step=step)
    first = datetime.date.today() + datetime.timedelta(days=3)
    card = {
        "key": uuid.uuid4(),
        "step": bad,
        "action": "Time every changeover on line 2 for a week",
        "first_step_when": "When Monday's first shift starts",
        "first_step_then": "put a stopwatch by the press",
        "first_step_on": first,
        "done_by": first + datetime.timedelta(days=30),
    }
    response = delegate_client.post(f"/w/{workshop.pk}/commitments/new/", card, **HTMX)
    assert response.status_code == 404
    assert str(commitments.NO_STEP) in response.content.decode()
    assert not Commitment.objects.exists()
    assert Step.objects.filter(kind=Step.Kind.COMMIT).count() == 1


# --- bodies over Django's limits ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["/join", "/j/not-a-token!/", "/console/workshops/1/close/"])
@pytest.mark.parametrize(
    "data",
    [{"text": "x" * 3_000_000}, {f"field{i}": "1" for i in range(1_200)}],
    ids=["over the size limit", "over the field limit"],
)
def test_a_body_over_the_limits_is_a_400_even_with_a_csrf_cookie(path, data):
    """With a CSRF cookie, Django's CSRF check reads the body first and its default error
    view reads it again: that was a 500."""
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.get("/join")
    assert "csrftoken" in client.cookies
    response = client.post(path, data)
    assert response.status_code == 400
    assert "That request was too large to read; nothing was changed." in response.content.decode()
