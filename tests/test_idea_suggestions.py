"""Delegates suggest a cluster (a theme) for an idea; the console tallies the suggestions and
the facilitator accepts one (an ordinary, undoable clustering action) or dismisses them."""

from __future__ import annotations

import re
import uuid

import pytest
from django.test import Client

from sessions.access import NOT_FOUND
from sessions.agenda import services
from sessions.agenda.services import FINISHED
from sessions.errors import Conflict, InvalidInput, NotFound, Refused
from sessions.ideas import services as ideas
from sessions.ideas import suggestions
from sessions.ideas.suggestions import CHOOSE, CLOSED, NO_THEME, NOT_ASKED, NOT_BOTH, NOT_ON_WALL
from sessions.live import audiences
from sessions.models import CLUSTER_NAME_MAX, Board, Change, Cluster, ClusterSuggestion, Idea
from tests.conftest import join
from tests.test_ideas import NO_IDEA, make_board, new_delegate, send
from tests.test_services import listening

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


# --- helpers -------------------------------------------------------------------------------


@pytest.fixture
def board(workshop) -> Board:
    """An open board that asks for suggestions, on screen, with two clusters and ideas."""
    board = make_board(workshop, delegates_suggest=True)
    services.show_step(workshop=workshop, step=board.step)
    for name in ("Training", "Tooling"):
        ideas.create_cluster(board=board, name=name)
    author = new_delegate(workshop, "Ann")
    for text in ("Buddy system for new starters", "Shadow boards", "Skills matrix"):
        send(board, author, text)
    return Board.objects.get(pk=board.pk)


def cluster(board: Board, name: str) -> Cluster:
    return Cluster.objects.get(board=board, name=name)


def idea(board: Board, text: str) -> Idea:
    return Idea.objects.get(board=board, text=text)


def suggest(board, delegate, text, cluster_id=None, name="", key=None):
    return suggestions.suggest_cluster(
        workshop_id=board.step.workshop_id,
        delegate_id=delegate.pk,
        idea_id=idea(board, text).pk,
        cluster_id=cluster_id,
        name=name,
        key=key or str(uuid.uuid4()),
    )


def stored() -> list[tuple]:
    return list(
        ClusterSuggestion.objects.order_by("id").values_list(
            "idea__text", "delegate_id", "cluster__name", "name"
        )
    )


def refused(error: type[Refused], call) -> str:
    """`call` must raise `error` and leave suggestions, clusters and the version alone."""
    before = (stored(), Change.objects.count(), list(Idea.objects.values_list("id", "cluster")))
    with pytest.raises(error) as caught:
        call()
    after = (stored(), Change.objects.count(), list(Idea.objects.values_list("id", "cluster")))
    assert after == before
    return caught.value.message


def tally(board: Board, text: str) -> list[tuple]:
    rows = ClusterSuggestion.objects.tallies(board).get(idea(board, text).pk, [])
    return [(row["count"], row["cluster_id"], row["shown"]) for row in rows]


# --- suggesting ----------------------------------------------------------------------------


class TestSuggesting:
    def test_a_delegate_suggests_a_cluster_for_an_idea(self, board, workshop):
        dana = new_delegate(workshop, "Dana")
        suggest(board, dana, "Skills matrix", cluster(board, "Training").pk)
        assert stored() == [("Skills matrix", dana.pk, "Training", "Training")]

    def test_a_new_suggestion_replaces_the_delegates_earlier_one(self, board, workshop):
        dana = new_delegate(workshop, "Dana")
        suggest(board, dana, "Skills matrix", cluster(board, "Training").pk)
        suggest(board, dana, "Skills matrix", cluster(board, "Tooling").pk)
        assert stored() == [("Skills matrix", dana.pk, "Tooling", "Tooling")]
        suggest(board, dana, "Skills matrix", name="  People   and skills ")
        assert stored() == [("Skills matrix", dana.pk, None, "People and skills")]

    def test_a_new_theme_named_like_a_cluster_is_that_cluster(self, board, workshop):
        dana = new_delegate(workshop)
        suggest(board, dana, "Shadow boards", name="TOOLING")
        assert stored() == [("Shadow boards", dana.pk, "Tooling", "Tooling")]

    def test_a_retried_suggestion_lands_once(self, board, workshop):
        dana = new_delegate(workshop)
        key = str(uuid.uuid4())
        training = cluster(board, "Training").pk
        assert suggest(board, dana, "Skills matrix", training, key=key) is not None
        version = Change.objects.count()
        assert suggest(board, dana, "Skills matrix", name="Other", key=key) is None
        assert Change.objects.count() == version
        assert stored() == [("Skills matrix", dana.pk, "Training", "Training")]

    def test_a_key_is_the_delegates_own(self, board, workshop):
        dana, eli = new_delegate(workshop), new_delegate(workshop)
        key = str(uuid.uuid4())
        suggest(board, dana, "Skills matrix", cluster(board, "Training").pk, key=key)
        assert suggest(board, eli, "Skills matrix", cluster(board, "Tooling").pk, key=key)
        assert len(stored()) == 2


class TestRefusals:
    def test_refused_when_the_board_does_not_ask_for_suggestions(self, board, workshop):
        ideas.configure_board(
            board=board, prompt=board.prompt, show_names=False, needs_approval=False,
            staged=False, delegates_suggest=False,
        )  # fmt: skip
        dana = new_delegate(workshop)
        training = cluster(board, "Training").pk
        message = refused(Conflict, lambda: suggest(board, dana, "Skills matrix", training))
        assert message == NOT_ASKED

    def test_refused_when_the_board_is_closed(self, board, workshop):
        ideas.close_board(board=board)
        dana = new_delegate(workshop)
        training = cluster(board, "Training").pk
        message = refused(Conflict, lambda: suggest(board, dana, "Skills matrix", training))
        assert message == CLOSED == "Theme suggestions are closed: ideas are closed for this step."

    def test_refused_when_the_workshop_has_finished(self, board, workshop):
        dana = new_delegate(workshop)
        services.close_workshop(workshop=workshop)
        training = cluster(board, "Training").pk
        message = refused(Conflict, lambda: suggest(board, dana, "Skills matrix", training))
        assert message == FINISHED

    @pytest.mark.parametrize("how", ["hidden", "pending", "merged"])
    def test_refused_for_an_idea_not_on_the_wall(self, board, workshop, how):
        target = idea(board, "Skills matrix")
        if how == "hidden":
            ideas.hide_idea(board=board, idea_id=target.pk)
        elif how == "pending":
            Idea.objects.filter(pk=target.pk).update(status=Idea.Status.PENDING)
        else:
            survivor = idea(board, "Shadow boards").pk
            ideas.merge_ideas(board=board, survivor_id=survivor, other_ids=[target.pk])
        dana = new_delegate(workshop)
        training = cluster(board, "Training").pk
        message = refused(Conflict, lambda: suggest(board, dana, "Skills matrix", training))
        assert message == NOT_ON_WALL

    def test_refused_for_another_workshops_idea(self, board, workshop, other_workshop):
        other = make_board(other_workshop, delegates_suggest=True)
        theirs = send(other, new_delegate(other_workshop), "Not yours")
        dana = new_delegate(workshop)

        def call():
            suggestions.suggest_cluster(
                workshop_id=workshop.pk, delegate_id=dana.pk, idea_id=theirs.pk,
                cluster_id=cluster(board, "Training").pk,
            )  # fmt: skip

        assert refused(NotFound, call) == NO_IDEA

    def test_refused_for_another_boards_cluster(self, board, workshop):
        second = make_board(workshop, delegates_suggest=True)
        elsewhere = ideas.create_cluster(board=second, name="Elsewhere")
        dana = new_delegate(workshop)
        message = refused(NotFound, lambda: suggest(board, dana, "Skills matrix", elsewhere.pk))
        assert message == NO_THEME

    def test_refused_for_a_deleted_cluster(self, board, workshop):
        gone = cluster(board, "Tooling").pk
        ideas.delete_cluster(board=board, cluster_id=gone)
        dana = new_delegate(workshop)
        assert refused(NotFound, lambda: suggest(board, dana, "Shadow boards", gone)) == NO_THEME

    def test_refused_for_a_new_theme_that_is_too_long(self, board, workshop):
        dana = new_delegate(workshop)
        long_name = "x" * (CLUSTER_NAME_MAX + 5)
        message = refused(
            InvalidInput, lambda: suggest(board, dana, "Skills matrix", name=long_name)
        )
        assert message == (
            f"A theme can be at most {CLUSTER_NAME_MAX} characters; "
            f"this one has {CLUSTER_NAME_MAX + 5}."
        )

    def test_refused_without_a_choice_or_with_two(self, board, workshop):
        dana = new_delegate(workshop)
        assert refused(InvalidInput, lambda: suggest(board, dana, "Skills matrix", name="  ")) == (
            CHOOSE
        )
        training = cluster(board, "Training").pk
        both = refused(InvalidInput, lambda: suggest(board, dana, "Skills matrix", training, "X"))
        assert both == NOT_BOTH

    def test_refused_for_a_delegate_who_has_not_joined(self, board, other_workshop):
        stranger = new_delegate(other_workshop)
        training = cluster(board, "Training").pk
        message = refused(NotFound, lambda: suggest(board, stranger, "Skills matrix", training))
        assert message == NOT_FOUND


# --- the facilitator -----------------------------------------------------------------------


class TestTallyAcceptDismiss:
    def test_suggestions_are_counted_by_choice_most_first(self, board, workshop):
        training, tooling = cluster(board, "Training"), cluster(board, "Tooling")
        for _ in range(3):
            suggest(board, new_delegate(workshop), "Skills matrix", training.pk)
        suggest(board, new_delegate(workshop), "Skills matrix", tooling.pk)
        suggest(board, new_delegate(workshop), "Skills matrix", name="People")
        suggest(board, new_delegate(workshop), "Skills matrix", name="people")
        ideas.rename_cluster(board=board, cluster_id=training.pk, name="Learning")
        suggest(board, new_delegate(workshop), "Skills matrix", training.pk)  # stored as Learning
        assert tally(board, "Skills matrix") == [
            (4, training.pk, "Learning"),
            (2, None, "People"),
            (1, tooling.pk, "Tooling"),
        ]
        assert tally(board, "Shadow boards") == []

    def test_accepting_a_cluster_assigns_the_idea_and_undo_takes_it_back(self, board, workshop):
        training = cluster(board, "Training")
        taken = suggest(board, new_delegate(workshop), "Skills matrix", training.pk)
        suggestions.accept_suggestion(board=board, suggestion_id=taken.pk)
        assert idea(board, "Skills matrix").cluster_id == training.pk
        assert board.undos.first().label == 'Put an idea in "Training"'
        assert ideas.undo_clustering(board=board) == 'Put an idea in "Training"'
        assert idea(board, "Skills matrix").cluster_id is None
        assert len(stored()) == 1  # still there to accept again

    def test_accepting_a_new_theme_creates_it_as_one_undoable_action(self, board, workshop):
        taken = suggest(board, new_delegate(workshop), "Skills matrix", name="People")
        suggestions.accept_suggestion(board=board, suggestion_id=taken.pk)
        suggestions.accept_suggestion(board=board, suggestion_id=taken.pk)  # a double click
        people = cluster(board, "People")
        assert idea(board, "Skills matrix").cluster_id == people.pk
        assert list(board.undos.values_list("label", flat=True)[:2]) == [
            "Accepted 1 suggested cluster",
            'Created "Tooling"',
        ]
        ideas.undo_clustering(board=board)
        assert not Cluster.objects.filter(name="People").exists()
        assert idea(board, "Skills matrix").cluster_id is None

    def test_a_suggested_cluster_deleted_since_becomes_a_new_theme(self, board, workshop):
        tooling = cluster(board, "Tooling")
        taken = suggest(board, new_delegate(workshop), "Shadow boards", tooling.pk)
        ideas.delete_cluster(board=board, cluster_id=tooling.pk)
        assert tally(board, "Shadow boards") == [(1, None, "Tooling")]
        suggestions.accept_suggestion(board=board, suggestion_id=taken.pk)
        assert idea(board, "Shadow boards").cluster.name == "Tooling"

    def test_accepting_another_boards_suggestion_is_refused(self, board, workshop):
        taken = suggest(
            board, new_delegate(workshop), "Skills matrix", cluster(board, "Tooling").pk
        )
        second = make_board(workshop)
        message = refused(
            NotFound, lambda: suggestions.accept_suggestion(board=second, suggestion_id=taken.pk)
        )
        assert message == "That suggestion is no longer there; nothing was changed."

    def test_accepting_for_an_idea_hidden_since_is_refused(self, board, workshop):
        taken = suggest(
            board, new_delegate(workshop), "Skills matrix", cluster(board, "Tooling").pk
        )
        ideas.hide_idea(board=board, idea_id=taken.idea_id)
        call = lambda: suggestions.accept_suggestion(board=board, suggestion_id=taken.pk)  # noqa: E731
        assert refused(Conflict, call) == NOT_ON_WALL

    def test_dismissing_removes_only_that_ideas_suggestions(self, board, workshop):
        training = cluster(board, "Training").pk
        for text in ("Skills matrix", "Skills matrix", "Shadow boards"):
            suggest(board, new_delegate(workshop), text, training)
        assert suggestions.dismiss_suggestions(board=board, idea_id=idea(board, "Skills matrix").pk)
        assert [row[0] for row in stored()] == ["Shadow boards"]
        assert (
            suggestions.dismiss_suggestions(board=board, idea_id=idea(board, "Skills matrix").pk)
            == 0
        )

    def test_dismissing_another_boards_idea_is_refused(self, board, workshop):
        second = make_board(workshop)
        target = idea(board, "Skills matrix").pk
        call = lambda: suggestions.dismiss_suggestions(board=second, idea_id=target)  # noqa: E731
        assert refused(NotFound, call) == NO_IDEA


# --- what is pushed --------------------------------------------------------------------------


class TestPushes:
    def test_a_suggestion_reaches_the_console_and_no_phone(
        self, board, workshop, django_capture_on_commit_callbacks
    ):
        dana = new_delegate(workshop)
        training = cluster(board, "Training").pk
        with (
            listening(workshop, audiences.FACILITATOR) as console,
            listening(workshop, audiences.DELEGATE) as phones,
        ):
            with django_capture_on_commit_callbacks(execute=True):
                suggest(board, dana, "Skills matrix", training)
            (push,) = console()
            assert phones() == []
        assert "<strong>1</strong> suggests" in push["html"]["ideas"]
        assert "Training" in push["html"]["ideas"]

    def test_clustering_refreshes_the_phones_list_only_when_the_board_asks(
        self, board, workshop, django_capture_on_commit_callbacks
    ):
        target = idea(board, "Skills matrix").pk
        with listening(workshop, audiences.DELEGATE) as phones:
            with django_capture_on_commit_callbacks(execute=True):
                ideas.assign_idea(
                    board=board, idea_id=target, cluster_id=cluster(board, "Training").pk
                )
            (push,) = phones()
        assert list(push["html"]) == ["suggest"]
        assert "Shadow boards" in push["html"]["suggest"]
        assert "Skills matrix" not in push["html"]["suggest"]  # it has a cluster now
        Board.objects.filter(pk=board.pk).update(delegates_suggest=False)
        with listening(workshop, audiences.DELEGATE) as phones:
            with django_capture_on_commit_callbacks(execute=True):
                ideas.assign_idea(board=board, idea_id=target, cluster_id=None)
            assert phones() == []

    def test_a_new_idea_reaches_the_phones_list(
        self, board, workshop, django_capture_on_commit_callbacks
    ):
        with listening(workshop, audiences.DELEGATE) as phones:
            with django_capture_on_commit_callbacks(execute=True):
                send(board, new_delegate(workshop), "Kanban cards")
            pushed = "".join(m["html"].get("suggest", "") for m in phones())
        assert "Kanban cards" in pushed


# --- pages and views -----------------------------------------------------------------------


def post_suggestion(client: Client, board: Board, text: str, **data):
    payload = {"idea": idea(board, text).pk, "key": uuid.uuid4(), **data}
    return client.post(f"/w/{board.step.workshop_id}/ideas/theme/", payload, **HTMX)


def decide(client: Client, board: Board, text: str, take: str):
    url = f"/console/workshops/{board.step.workshop_id}/boards/{board.pk}/suggestions/"
    return client.post(url, {"idea": idea(board, text).pk, "take": take}, **HTMX)


class TestPhone:
    def test_the_phone_lists_the_ideas_in_no_cluster_with_the_clusters(
        self, board, workshop, delegate_client
    ):
        ideas.assign_idea(
            board=board, idea_id=idea(board, "Shadow boards").pk,
            cluster_id=cluster(board, "Tooling").pk,
        )  # fmt: skip
        page = delegate_client.get(f"/w/{workshop.pk}/").content.decode()
        assert "Suggest a theme" in page
        assert "Skills matrix" in page
        assert "Shadow boards" not in page  # already in a cluster
        assert page.count('<option value="">Choose a theme…</option>') == 2
        assert f'<option value="{cluster(board, "Training").pk}">Training</option>' in page
        assert 'maxlength="80"' in page

    @pytest.mark.parametrize("why", ["off", "closed", "no clusters"])
    def test_the_phone_offers_nothing_when_suggestions_cannot_be_taken(
        self, board, workshop, delegate_client, why
    ):
        if why == "off":
            Board.objects.filter(pk=board.pk).update(delegates_suggest=False)
        elif why == "closed":
            ideas.close_board(board=board)
        else:
            Cluster.objects.filter(board=board).delete()
        page = delegate_client.get(f"/w/{workshop.pk}/").content.decode()
        assert "Suggest a theme" not in page
        assert 'name="cluster"' not in page

    def test_a_delegate_suggests_from_the_phone_and_sees_it(self, board, workshop, delegate_client):
        training = cluster(board, "Training").pk
        answer = post_suggestion(delegate_client, board, "Skills matrix", cluster=training)
        assert answer.status_code == 200
        text = answer.content.decode()
        assert "Thank you: the facilitator will see it." in text
        assert "You suggested <strong>Training</strong>" in text
        assert f'<option value="{training}" selected>Training</option>' in text
        assert stored() == [("Skills matrix", delegate_client.delegate.pk, "Training", "Training")]
        page = delegate_client.get(f"/w/{workshop.pk}/").content.decode()
        assert "You suggested <strong>Training</strong>" in page

    def test_a_retried_suggestion_from_the_phone_lands_once(self, board, delegate_client):
        key = uuid.uuid4()
        training = cluster(board, "Training").pk
        post_suggestion(delegate_client, board, "Skills matrix", cluster=training, key=key)
        again = post_suggestion(delegate_client, board, "Skills matrix", name="Else", key=key)
        assert again.status_code == 200
        assert "Already sent." in again.content.decode()
        assert stored() == [("Skills matrix", delegate_client.delegate.pk, "Training", "Training")]

    def test_refusals_reach_the_phone_with_their_message(self, board, workshop, delegate_client):
        too_long = post_suggestion(delegate_client, board, "Skills matrix", name="y" * 90)
        assert too_long.status_code == 400
        assert "at most 80 characters; this one has 90" in too_long.content.decode()
        ideas.close_board(board=board)
        closed = post_suggestion(
            delegate_client, board, "Skills matrix", cluster=cluster(board, "Training").pk
        )
        assert closed.status_code == 409
        assert str(CLOSED) in closed.content.decode()
        assert stored() == []

    @pytest.mark.parametrize(
        "data", [{}, {"idea": "x"}, {"idea": 1, "cluster": "x"}, {"idea": 1, "key": "nope"}]
    )
    def test_malformed_suggestions_are_refused(self, board, workshop, delegate_client, data):
        url = f"/w/{workshop.pk}/ideas/theme/"
        response = delegate_client.post(url, data, **HTMX)
        assert response.status_code == 400
        assert "That was not understood; nothing was changed." in response.content.decode()
        assert stored() == []

    def test_a_stranger_cannot_suggest(self, board, stranger_client):
        response = post_suggestion(
            stranger_client, board, "Skills matrix", cluster=cluster(board, "Training").pk
        )
        assert response.status_code == 404
        assert stored() == []

    def test_without_javascript_a_suggestion_redirects_to_the_phone(
        self, board, workshop, delegate_client
    ):
        payload = {"idea": idea(board, "Skills matrix").pk, "cluster": cluster(board, "Tooling").pk}
        response = delegate_client.post(f"/w/{workshop.pk}/ideas/theme/", payload)
        assert response.status_code == 302
        assert response["Location"] == f"/w/{workshop.pk}/"
        assert len(stored()) == 1


class TestConsole:
    def test_the_console_shows_the_tally_and_accepting_puts_the_idea_on_the_wall(
        self, board, workshop, facilitator_client
    ):
        training = cluster(board, "Training")
        for _ in range(3):
            suggest(board, new_delegate(workshop), "Skills matrix", training.pk)
        suggest(board, new_delegate(workshop), "Skills matrix", name="People")
        console = facilitator_client.get(f"/console/workshops/{workshop.pk}/").content.decode()
        assert '<strong>3</strong> suggest <span class="theme-name">Training</span>' in console
        assert '<strong>1</strong> suggests <span class="theme-name">People</span>' in console
        first = ClusterSuggestion.objects.filter(cluster=training).order_by("id").first()
        answer = decide(facilitator_client, board, "Skills matrix", str(first.pk))
        assert answer.status_code == 200
        assert "Put the idea in “Training”." in answer.content.decode()
        assert idea(board, "Skills matrix").cluster_id == training.pk
        projector = Client().get(f"/display/{workshop.display_token}/").content.decode()
        in_training = projector.split('aria-label="Theme Training"')[1].split("</section>")[0]
        assert "Skills matrix" in in_training
        assert "suggest" not in projector.lower().replace("suggestion", "")
        undone = facilitator_client.post(
            f"/console/workshops/{workshop.pk}/boards/{board.pk}/", {"do": "undo"}, **HTMX
        )
        assert "Undone: Put an idea in &quot;Training&quot;." in undone.content.decode()
        assert idea(board, "Skills matrix").cluster_id is None

    def test_the_facilitator_dismisses_an_ideas_suggestions(
        self, board, workshop, facilitator_client
    ):
        suggest(board, new_delegate(workshop), "Skills matrix", cluster(board, "Training").pk)
        answer = decide(facilitator_client, board, "Skills matrix", "dismiss")
        assert "Suggestions dismissed." in answer.content.decode()
        assert stored() == []
        assert "Delegates suggest" not in answer.content.decode()

    def test_another_facilitator_cannot_accept_or_dismiss(self, board, workshop, outsider_client):
        taken = suggest(
            board, new_delegate(workshop), "Skills matrix", cluster(board, "Training").pk
        )
        for take in (str(taken.pk), "dismiss"):
            response = decide(outsider_client, board, "Skills matrix", take)
            assert response.status_code == 404
        assert len(stored()) == 1
        assert idea(board, "Skills matrix").cluster_id is None

    @pytest.mark.parametrize("take", ["", "all", "-1", "1; drop"])
    def test_a_malformed_decision_is_refused(self, board, facilitator_client, take):
        response = decide(facilitator_client, board, "Skills matrix", take)
        assert response.status_code == 400
        assert "That was not understood; nothing was changed." in response.content.decode()

    def test_a_delegates_theme_is_shown_as_text_on_the_console(
        self, board, workshop, facilitator_client
    ):
        hostile = '<img src=x onerror="alert(1)">'
        suggest(board, new_delegate(workshop), "Skills matrix", name=hostile)
        console = facilitator_client.get(f"/console/workshops/{workshop.pk}/").content.decode()
        assert hostile not in console
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in console


class TestSettings:
    def test_the_add_step_form_offers_the_setting_off_by_default(
        self, workshop, facilitator_client
    ):
        page = facilitator_client.get(f"/console/workshops/{workshop.pk}/").content.decode()
        assert "Delegates may suggest clusters" in page
        data = {"key": uuid.uuid4(), "kind": "ideas", "title": "Ideas", "prompt": "How might we?"}
        facilitator_client.post(f"/console/workshops/{workshop.pk}/steps/", data)
        assert not Board.objects.get().delegates_suggest
        data = {**data, "key": uuid.uuid4(), "delegates_suggest": "on"}
        facilitator_client.post(f"/console/workshops/{workshop.pk}/steps/", data)
        assert Board.objects.order_by("id").last().delegates_suggest

    def test_the_edit_page_turns_the_setting_on_and_off(self, workshop, facilitator_client):
        board = make_board(workshop)
        url = f"/console/workshops/{workshop.pk}/steps/{board.step_id}/edit/"
        assert "Delegates may suggest clusters" in facilitator_client.get(url).content.decode()
        data = {"title": "Generate", "prompt": board.prompt}
        assert facilitator_client.post(url, {**data, "delegates_suggest": "on"}).status_code == 302
        board.refresh_from_db()
        assert board.delegates_suggest
        page = facilitator_client.get(url).content.decode()
        assert re.search(r'<input type="checkbox" name="delegates_suggest"[^>]* checked', page)
        facilitator_client.post(url, data)
        board.refresh_from_db()
        assert not board.delegates_suggest

    def test_the_boards_other_toggles_keep_the_setting(self, board, facilitator_client):
        url = f"/console/workshops/{board.step.workshop_id}/boards/{board.pk}/"
        facilitator_client.post(url, {"do": "names:on"}, **HTMX)
        board.refresh_from_db()
        assert board.show_names
        assert board.delegates_suggest


def test_a_phone_that_joined_later_gets_the_list_too(board, workshop):
    client = Client()
    join(client, workshop, "Late")
    assert "Skills matrix" in client.get(f"/w/{workshop.pk}/").content.decode()
