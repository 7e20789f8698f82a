"""Ideas steps end to end: the console adds and runs one, phones send ideas, the projector's
wall grows by appends, and the facilitator moderates and clusters from the console."""

from __future__ import annotations

import uuid

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from sessions.agenda import services
from sessions.ideas import services as ideas
from sessions.models import Board, Cluster, Idea, Workshop
from tests.conftest import join
from tests.test_consumers import frames_until_quiet, receive_until, socket

HTMX = {"HTTP_HX_REQUEST": "true"}


def add_board(workshop: Workshop, client: Client, **settings) -> Board:
    data = {"key": uuid.uuid4(), "kind": "ideas", "title": "Ideas", "prompt": "How might we?"}
    response = client.post(f"/console/workshops/{workshop.pk}/steps/", {**data, **settings})
    assert response.status_code == 302, response.content
    board = Board.objects.get(step__workshop=workshop)
    services.show_step(workshop=workshop, step=board.step)
    ideas.open_board(board=board)
    return Board.objects.get(pk=board.pk)


def send(client: Client, board: Board, text: str, key=None):
    data = {"board": board.pk, "text": text, "key": key or uuid.uuid4()}
    return client.post(f"/w/{board.step.workshop_id}/ideas/send/", data, **HTMX)


def command(client: Client, board: Board, do: str, **data):
    url = f"/console/workshops/{board.step.workshop_id}/boards/{board.pk}/"
    return client.post(url, {"do": do, **data}, **HTMX)


def wall(board: Board) -> list[str]:
    return list(Idea.objects.for_board(board).visible().values_list("text", flat=True))


@pytest.mark.django_db
class TestSendingIdeas:
    def test_console_adds_an_ideas_step_with_its_prompt_and_settings(
        self, workshop, facilitator_client
    ):
        board = add_board(workshop, facilitator_client, show_names="on", staged="on")
        assert board.prompt == "How might we?"
        assert board.show_names
        assert board.staged
        assert not board.needs_approval

    def test_an_ideas_step_without_a_prompt_is_refused_with_a_message(
        self, workshop, facilitator_client
    ):
        data = {"key": uuid.uuid4(), "kind": "ideas", "title": "Ideas", "prompt": " "}
        response = facilitator_client.post(f"/console/workshops/{workshop.pk}/steps/", data, **HTMX)
        assert response.status_code == 400
        assert "An ideas step needs a prompt." in response.content.decode()
        assert not Board.objects.exists()

    def test_a_delegate_sees_the_prompt_and_sends_an_idea(
        self, workshop, facilitator_client, delegate_client
    ):
        board = add_board(workshop, facilitator_client)
        page = delegate_client.get(f"/w/{workshop.pk}/").content.decode()
        assert "How might we?" in page
        assert 'name="text"' in page
        assert 'maxlength="200"' in page
        answer = send(delegate_client, board, "Quick-change tooling").content.decode()
        assert "Sent." in answer
        assert "Quick-change tooling" in answer
        assert wall(board) == ["Quick-change tooling"]

    def test_a_retried_send_lands_once(self, workshop, facilitator_client, delegate_client):
        board = add_board(workshop, facilitator_client)
        key = uuid.uuid4()
        send(delegate_client, board, "Label the racks", key)
        again = send(delegate_client, board, "Label the racks", key)
        assert again.status_code == 200
        assert "Already sent." in again.content.decode()
        assert wall(board) == ["Label the racks"]

    def test_an_over_long_idea_is_refused_with_its_length(
        self, workshop, facilitator_client, delegate_client
    ):
        board = add_board(workshop, facilitator_client)
        response = send(delegate_client, board, "x" * 231)
        assert response.status_code == 400
        assert "at most 200 characters; this one has 231" in response.content.decode()
        assert wall(board) == []

    def test_a_closed_board_refuses_ideas(self, workshop, facilitator_client, delegate_client):
        board = add_board(workshop, facilitator_client)
        command(facilitator_client, board, "close")
        response = send(delegate_client, board, "Too late")
        assert response.status_code == 409
        assert "Ideas are closed for this step." in response.content.decode()
        assert wall(board) == []

    def test_a_stranger_cannot_send_ideas(self, workshop, facilitator_client, stranger_client):
        board = add_board(workshop, facilitator_client)
        response = send(stranger_client, board, "Sneaky")
        assert response.status_code == 404
        assert wall(board) == []

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({}, "not understood"),
            ({"board": "x", "text": "a"}, "not understood"),
            ({"board": "this board"}, "Write your idea first."),
            ({"board": 1, "text": "a", "key": "nope"}, "not understood"),
        ],
    )
    def test_malformed_sends_are_refused_and_change_nothing(
        self, workshop, facilitator_client, delegate_client, data, message
    ):
        board = add_board(workshop, facilitator_client)
        if data.get("board") == "this board":
            data = {**data, "board": board.pk}
        response = delegate_client.post(f"/w/{workshop.pk}/ideas/send/", data, **HTMX)
        assert response.status_code == 400
        assert message in response.content.decode()
        assert wall(board) == []

    def test_waiting_ideas_show_on_the_console_and_not_on_the_projector(
        self, workshop, facilitator_client, delegate_client
    ):
        board = add_board(workshop, facilitator_client, needs_approval="on")
        send(delegate_client, board, "Needs a look")
        projector = Client().get(f"/display/{workshop.display_token}/").content.decode()
        console = facilitator_client.get(f"/console/workshops/{workshop.pk}/").content.decode()
        assert "Needs a look" not in projector
        assert "Needs a look" in console
        assert "Approve" in console
        idea = Idea.objects.get()
        command(facilitator_client, board, f"approve:{idea.pk}")
        projector = Client().get(f"/display/{workshop.display_token}/").content.decode()
        assert "Needs a look" in projector


@pytest.mark.django_db
class TestEditingAnIdeasStep:
    def test_the_prompt_and_settings_can_be_changed_on_the_edit_page(
        self, workshop, facilitator_client
    ):
        board = add_board(workshop, facilitator_client)
        url = f"/console/workshops/{workshop.pk}/steps/{board.step_id}/edit/"
        page = facilitator_client.get(url).content.decode()
        assert 'value="How might we?"' in page
        data = {"title": "Ideas", "body": "", "prompt": "How might we halve set-ups?"}
        response = facilitator_client.post(url, {**data, "needs_approval": "on"})
        assert response.status_code == 302
        board.refresh_from_db()
        assert board.prompt == "How might we halve set-ups?"
        assert board.needs_approval
        assert not board.show_names

    def test_an_empty_prompt_is_refused_on_the_edit_page(self, workshop, facilitator_client):
        board = add_board(workshop, facilitator_client)
        url = f"/console/workshops/{workshop.pk}/steps/{board.step_id}/edit/"
        response = facilitator_client.post(url, {"title": "Ideas", "prompt": "  "})
        assert response.status_code == 400
        assert "An ideas step needs a prompt." in response.content.decode()
        board.refresh_from_db()
        assert board.prompt == "How might we?"


@pytest.mark.django_db
class TestStages:
    def test_a_running_stage_shows_its_instruction_and_countdown_everywhere(
        self, workshop, facilitator_client, delegate_client
    ):
        board = add_board(workshop, facilitator_client, staged="on")
        times = {f"stage-time-{i}": seconds for i, seconds in enumerate([30, 90, 180, 240])}
        saved = command(facilitator_client, board, "durations", **times)
        assert "Stage times saved." in saved.content.decode()
        command(facilitator_client, board, "stage:1")
        board.refresh_from_db()
        assert board.stages == [30, 90, 180, 240]
        assert board.stage == 1
        phone = delegate_client.get(f"/w/{workshop.pk}/").content.decode()
        projector = Client().get(f"/display/{workshop.display_token}/").content.decode()
        for page in (phone, projector):
            assert "Stage 2 of 4: <strong>In pairs</strong>" in page
            assert "Share your ideas with a partner" in page
            assert "data-countdown=" in page

    @pytest.mark.parametrize("times", [[5, 90, 180, 240], ["x", 90, 180, 240], [30, 90, 180]])
    def test_stage_times_out_of_range_are_refused_and_change_nothing(
        self, workshop, facilitator_client, times
    ):
        board = add_board(workshop, facilitator_client, staged="on")
        data = {f"stage-time-{i}": value for i, value in enumerate(times)}
        response = command(facilitator_client, board, "durations", **data)
        assert response.status_code == 400
        assert "stage" in response.content.decode()
        board.refresh_from_db()
        assert board.stages == [60, 120, 240, 300]


@pytest.mark.django_db
class TestModeratingAndClustering:
    @pytest.fixture
    def board(self, workshop, facilitator_client, delegate_client) -> Board:
        board = add_board(workshop, facilitator_client)
        for text in ("SMED on line 2", "Setup checklist", "Skills matrix", "Barcode scanning"):
            send(delegate_client, board, text)
        return board

    def ids(self, *texts: str) -> list[int]:
        return [Idea.objects.get(text=text).pk for text in texts]

    def test_hiding_takes_an_idea_off_the_projector_and_restoring_brings_it_back(
        self, board, facilitator_client, workshop
    ):
        (idea,) = self.ids("Skills matrix")
        command(facilitator_client, board, f"hide:{idea}")
        projector = Client().get(f"/display/{workshop.display_token}/").content.decode()
        assert "Skills matrix" not in projector
        command(facilitator_client, board, f"restore:{idea}")
        assert "Skills matrix" in wall(board)

    def test_editing_fixes_a_typo(self, board, facilitator_client):
        (idea,) = self.ids("Setup checklist")
        command(facilitator_client, board, f"edit:{idea}", **{f"text-{idea}": "Set-up checklist"})
        assert "Set-up checklist" in wall(board)

    def test_merging_folds_ticked_ideas_into_one(self, board, facilitator_client):
        survivor, other = self.ids("SMED on line 2", "Setup checklist")
        response = command(facilitator_client, board, f"merge:{survivor}", ideas=[other])
        assert "Merged 1 idea." in response.content.decode()
        assert "Setup checklist" not in wall(board)
        assert Idea.objects.get(pk=other).merged_into_id == survivor

    def test_clusters_are_made_by_ticking_ideas_without_dragging(self, board, facilitator_client):
        ticked = self.ids("SMED on line 2", "Setup checklist")
        command(facilitator_client, board, "create", name="Changeovers", ideas=ticked)
        cluster = Cluster.objects.get(board=board)
        assert set(cluster.ideas.values_list("pk", flat=True)) == set(ticked)
        command(facilitator_client, board, "create", name="Training")
        training = Cluster.objects.get(board=board, name="Training")
        command(
            facilitator_client, board, "assign", ideas=self.ids("Skills matrix"),
            cluster=training.pk,
        )  # fmt: skip
        assert Idea.objects.get(text="Skills matrix").cluster == training
        command(
            facilitator_client, board, f"rename:{training.pk}", **{f"name-{training.pk}": "Skills"}
        )
        assert Cluster.objects.get(pk=training.pk).name == "Skills"
        console = command(facilitator_client, board, "undo").content.decode()
        assert "Undone" in console
        assert Cluster.objects.get(pk=training.pk).name == "Training"

    def test_suggestions_come_with_their_explanation_and_can_be_accepted(
        self, board, facilitator_client, delegate_client
    ):
        for text in ("SMED for the setup", "Setup trolley", "Skills matrix refresh"):
            send(delegate_client, board, text)
        url = f"/console/workshops/{board.step.workshop_id}/boards/{board.pk}/suggest/"
        panel = facilitator_client.get(url, **HTMX).content.decode()
        assert "TF-IDF" in panel
        assert 'name="suggestion-name-0"' in panel
        setup = self.ids("Setup checklist", "Setup trolley")
        response = command(
            facilitator_client, board, "accept", count="1",
            **{"suggestion-name-0": "Set-ups", "suggestion-0": setup},
        )  # fmt: skip
        assert "Accepted 1 cluster." in response.content.decode()
        cluster = Cluster.objects.get(board=board, name="Set-ups")
        assert set(cluster.ideas.values_list("pk", flat=True)) == set(setup)
        command(facilitator_client, board, "undo")
        assert not Cluster.objects.filter(board=board).exists()

    @pytest.mark.parametrize(
        ("do", "status"),
        [
            ("hide:999999", 404),
            ("explode", 400),
            ("hide:abc", 400),
            ("rename:1", 404),
            ("merge:999999", 400),
            ("stage:9", 409),
        ],
    )
    def test_forged_or_malformed_controls_are_refused_and_change_nothing(
        self, board, facilitator_client, do, status
    ):
        before = wall(board)
        response = command(facilitator_client, board, do)
        assert response.status_code == status, (response.status_code, response.content.decode())
        assert response.content.decode().strip()
        assert wall(board) == before

    def test_an_outsider_cannot_moderate(self, board, outsider_client):
        (idea,) = self.ids("Skills matrix")
        response = command(outsider_client, board, f"hide:{idea}")
        assert response.status_code == 404
        assert "Skills matrix" in wall(board)


@pytest.mark.django_db(transaction=True)
async def test_the_projector_gets_new_ideas_as_appends_not_as_a_fresh_wall(workshop, settings):
    settings.PUSH_INTERVAL_SECONDS = {**settings.PUSH_INTERVAL_SECONDS, "projector": 0.05}
    facilitator = await sync_to_async(workshop.event.facilitators.first)()
    board = await sync_to_async(_ideas_step)(workshop, facilitator)
    phone = Client()
    delegate = await sync_to_async(join)(phone, workshop)
    for text in ("First idea", "Second idea"):
        await sync_to_async(ideas.submit_idea)(
            workshop_id=workshop.pk, delegate_id=delegate.pk, board_id=board.pk, text=text
        )
    async with socket(f"/ws/display/{workshop.display_token}/") as projector:
        await receive_until(projector, lambda f: "Second idea" in f)
        await frames_until_quiet(projector, quiet=0.3)
        await sync_to_async(ideas.submit_idea)(
            workshop_id=workshop.pk,
            delegate_id=delegate.pk,
            board_id=board.pk,
            text="<script>alert(1)</script>",
        )
        frame = await receive_until(projector, lambda f: "alert" in f)
        assert 'hx-swap-oob="beforeend:#idea-list"' in frame
        assert "First idea" not in frame
        assert "Second idea" not in frame
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in frame
        assert "<script>" not in frame
        # Hiding re-sends the wall, without the hidden idea.
        hostile = await sync_to_async(Idea.objects.get)(text__startswith="<script>")
        await sync_to_async(ideas.hide_idea)(board=board, idea_id=hostile.pk)
        frame = await receive_until(projector, lambda f: 'id="ideas"' in f)
        assert "First idea" in frame
        assert "alert" not in frame


@pytest.mark.django_db(transaction=True)
async def test_a_phone_socket_snapshot_keeps_the_form_the_delegate_is_typing_in(workshop):
    """On connect and reconnect a phone gets the stub that hx-preserve keeps in place of its
    form, never a fresh form that would wipe a half-typed idea."""
    facilitator = await sync_to_async(workshop.event.facilitators.first)()
    board = await sync_to_async(_ideas_step)(workshop, facilitator)
    phone = Client()
    delegate = await sync_to_async(join)(phone, workshop)
    page = await sync_to_async(phone.get)(f"/w/{workshop.pk}/")
    assert 'name="text"' in page.content.decode()  # the page itself carries the form
    cookie = (
        b"cookie",
        f"delegate_{workshop.event_id}={phone.cookies[f'delegate_{workshop.event_id}'].value}".encode(),
    )
    async with socket(f"/ws/phone/{workshop.pk}/", cookie) as connection:
        frame = await receive_until(connection, lambda f: 'id="step"' in f)
    assert f'id="my-ideas-{board.pk}-open"' in frame
    assert "hx-preserve" in frame
    assert 'name="text"' not in frame
    assert delegate.pk


def _ideas_step(workshop: Workshop, facilitator) -> Board:
    step = ideas.add_ideas_step(workshop=workshop, title="Ideas", prompt="How might we?")
    services.show_step(workshop=workshop, step=step)
    return ideas.open_board(board=step.board)
