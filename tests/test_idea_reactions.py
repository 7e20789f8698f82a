"""Quick prioritisation on an ideas step: the facilitator switches "+1s" on with a budget,
delegates give and take back +1s on their phones, and the wall, the console, the archive and
the export count and sort by them (rules: sessions/ideas/reactions.py)."""

from __future__ import annotations

import contextlib
import random
import re
import threading
import uuid

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessions.agenda import services
from sessions.agenda.services import FINISHED
from sessions.errors import Conflict, InvalidInput, NotFound, Refused
from sessions.ideas import reactions
from sessions.ideas import services as ideas
from sessions.ideas.reactions import NO_IDEA, NOT_GIVEN, NOT_ON, NOT_ON_WALL, NOT_SHOWING, TWICE
from sessions.ideas.read import render_own_ideas
from sessions.live import audiences, regions
from sessions.models import Board, Change, Delegate, Idea, Reaction
from tests.test_exports import export, rows_of
from tests.test_ideas import make_board, new_delegate, send
from tests.test_services import listening
from tests.test_voting_invariants import run_threads

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
TEXTS = ("Shadow boards", "Skills matrix", "Kanban cards", "Daily huddle")


# --- helpers -------------------------------------------------------------------------------


@pytest.fixture
def board(workshop) -> Board:
    """An open board on screen with +1s on (budget 3) and four ideas from one author."""
    board = make_board(workshop)
    services.show_step(workshop=workshop, step=board.step)
    author = new_delegate(workshop, "Ann")
    for text in TEXTS:
        send(board, author, text)
    ideas.set_reactions(board=board, on=True, budget=3)
    return Board.objects.get(pk=board.pk)


def idea(board: Board, text: str) -> Idea:
    return Idea.objects.get(board=board, text=text)


def give(board: Board, delegate: Delegate, text: str, key: str | None = None):
    return reactions.give_plus_one(
        workshop_id=board.step.workshop_id,
        delegate_id=delegate.pk,
        idea_id=idea(board, text).pk,
        key=key or str(uuid.uuid4()),
    )


def take(board: Board, delegate: Delegate, text: str, key: str | None = None):
    return reactions.take_back_plus_one(
        workshop_id=board.step.workshop_id,
        delegate_id=delegate.pk,
        idea_id=idea(board, text).pk,
        key=key or str(uuid.uuid4()),
    )


def stored() -> list[tuple]:
    return sorted(Reaction.objects.values_list("idea__text", "delegate_id"))


def counts(board: Board) -> dict[str, int]:
    by_idea: dict[str, int] = {}
    for text, _delegate in stored():
        by_idea[text] = by_idea.get(text, 0) + 1
    return by_idea


def refused(error: type[Refused], call) -> str:
    """`call` must raise `error` and leave the +1s and the version alone."""
    before = (stored(), Change.objects.count())
    with pytest.raises(error) as caught:
        call()
    assert (stored(), Change.objects.count()) == before
    return str(caught.value.message)


def wall(workshop, audience: str = audiences.PROJECTOR) -> str:
    return regions.render_regions(workshop.pk, audience, ("ideas",)).joined()


def wall_order(html: str) -> list[tuple[str, int]]:
    """The ideas on a wall in the order drawn, each with its +1s."""
    found = re.findall(
        r'id="idea-\d+">(?:<span class="plus-ones" data-plus-ones="(\d+)">.*?</span></span>)?'
        r'<span class="idea-text">([^<]*)</span>',
        html,
    )
    return [(text, int(n or 0)) for n, text in found]


# --- giving and taking back ----------------------------------------------------------------


class TestGiving:
    def test_a_delegate_gives_an_idea_a_plus_one_and_takes_it_back(self, board, workshop):
        dana = new_delegate(workshop, "Dana")
        assert give(board, dana, "Skills matrix") is not None
        assert stored() == [("Skills matrix", dana.pk)]
        assert take(board, dana, "Skills matrix") is True
        assert stored() == []

    def test_a_delegate_may_give_their_own_idea_a_plus_one(self, board, workshop):
        ann = Delegate.objects.get(display_name="Ann")
        give(board, ann, "Shadow boards")
        assert stored() == [("Shadow boards", ann.pk)]

    def test_a_delegate_gives_up_to_the_budget_and_a_taken_back_one_can_be_given_again(
        self, board, workshop
    ):
        dana = new_delegate(workshop)
        for text in TEXTS[:3]:
            give(board, dana, text)
        message = refused(Conflict, lambda: give(board, dana, TEXTS[3]))
        assert message == "You have given all your 3 +1s. Take one back to give it to another idea."
        take(board, dana, TEXTS[0])
        give(board, dana, TEXTS[3])
        assert {t for t, _d in stored()} == set(TEXTS[1:])

    def test_a_replayed_give_or_take_lands_once(self, board, workshop):
        dana = new_delegate(workshop)
        key = str(uuid.uuid4())
        assert give(board, dana, "Skills matrix", key=key) is not None
        version = Change.objects.count()
        assert give(board, dana, "Skills matrix", key=key) is None  # the retry
        assert take(board, dana, "Skills matrix", key=key) is None  # a key is spent once
        assert Change.objects.count() == version
        assert stored() == [("Skills matrix", dana.pk)]
        back = str(uuid.uuid4())
        assert take(board, dana, "Skills matrix", key=back) is True
        assert take(board, dana, "Skills matrix", key=back) is None
        assert stored() == []

    def test_a_key_is_the_delegates_own(self, board, workshop):
        dana, eve = new_delegate(workshop), new_delegate(workshop)
        key = str(uuid.uuid4())
        give(board, dana, "Skills matrix", key=key)
        give(board, eve, "Skills matrix", key=key)
        assert len(stored()) == 2


class TestRefusals:
    def test_twice_on_one_idea(self, board, workshop):
        dana = new_delegate(workshop)
        give(board, dana, "Skills matrix")
        assert refused(Conflict, lambda: give(board, dana, "Skills matrix")) == TWICE

    def test_taking_back_what_was_not_given(self, board, workshop):
        dana = new_delegate(workshop)
        assert refused(Conflict, lambda: take(board, dana, "Skills matrix")) == NOT_GIVEN

    def test_switched_off_refuses_giving_and_taking_back_and_keeps_the_plus_ones(
        self, board, workshop
    ):
        dana = new_delegate(workshop)
        give(board, dana, "Skills matrix")
        ideas.set_reactions(board=board, on=False)
        assert refused(Conflict, lambda: give(board, dana, "Kanban cards")) == NOT_ON
        assert refused(Conflict, lambda: take(board, dana, "Skills matrix")) == NOT_ON
        assert stored() == [("Skills matrix", dana.pk)]

    def test_never_switched_on(self, workshop):
        board = make_board(workshop)
        services.show_step(workshop=workshop, step=board.step)
        send(board, new_delegate(workshop), "Skills matrix")
        assert refused(Conflict, lambda: give(board, new_delegate(workshop), "Skills matrix"))

    def test_the_step_closed_when_the_room_moved_on(self, board, workshop):
        dana = new_delegate(workshop)
        later = make_board(workshop)
        services.show_step(workshop=workshop, step=later.step)
        assert refused(Conflict, lambda: give(board, dana, "Skills matrix")) == NOT_SHOWING

    def test_a_finished_workshop(self, board, workshop):
        dana = new_delegate(workshop)
        services.close_workshop(workshop=workshop)
        assert refused(Conflict, lambda: give(board, dana, "Skills matrix")) == FINISHED

    @pytest.mark.parametrize("how", ["hidden", "merged", "waiting"])
    def test_an_idea_not_on_the_wall(self, board, workshop, how):
        dana = new_delegate(workshop)
        target = idea(board, "Skills matrix")
        if how == "hidden":
            ideas.hide_idea(board=board, idea_id=target.pk)
        elif how == "merged":
            ideas.merge_ideas(
                board=board, survivor_id=idea(board, "Kanban cards").pk, other_ids=[target.pk]
            )
        else:
            Idea.objects.filter(pk=target.pk).update(status=Idea.Status.PENDING)
        assert refused(Conflict, lambda: give(board, dana, "Skills matrix")) == NOT_ON_WALL

    def test_a_forged_or_another_workshops_idea_is_not_found(self, board, workshop, other_workshop):
        dana = new_delegate(workshop)
        theirs = make_board(other_workshop)
        services.show_step(workshop=other_workshop, step=theirs.step)
        ideas.set_reactions(board=theirs, on=True)
        elsewhere = send(theirs, new_delegate(other_workshop), "Their idea")
        for idea_id in (elsewhere.pk, 10**9):
            message = refused(
                NotFound,
                lambda idea_id=idea_id: reactions.give_plus_one(
                    workshop_id=workshop.pk, delegate_id=dana.pk, idea_id=idea_id, key="k"
                ),
            )
            assert message == NO_IDEA

    def test_a_delegate_of_another_workshop_is_not_found(self, board, other_workshop):
        stranger = new_delegate(other_workshop)
        refused(NotFound, lambda: give(board, stranger, "Skills matrix"))


# --- the facilitator's switch and moderation -----------------------------------------------


class TestSwitch:
    def test_the_budget_defaults_to_three_and_is_kept_within_one_to_ten(self, workshop):
        board = make_board(workshop)
        assert (board.reactions_on, board.reaction_budget) == (False, 3)
        ideas.set_reactions(board=board, on=True, budget=5)
        board.refresh_from_db()
        assert (board.reactions_on, board.reaction_budget) == (True, 5)
        for wrong in (0, 11):
            with pytest.raises(InvalidInput):
                ideas.set_reactions(board=board, on=True, budget=wrong)
        board.refresh_from_db()
        assert board.reaction_budget == 5

    def test_the_budget_cannot_go_below_what_a_delegate_holds(self, board, workshop):
        dana = new_delegate(workshop)
        give(board, dana, TEXTS[0])
        give(board, dana, TEXTS[1])
        with pytest.raises(Conflict, match="already given 2 \\+1s"):
            ideas.set_reactions(board=board, on=True, budget=1)
        ideas.set_reactions(board=board, on=True, budget=2)
        board.refresh_from_db()
        assert board.reaction_budget == 2

    def test_hiding_an_idea_gives_its_plus_ones_back_and_restoring_does_not(self, board, workshop):
        dana = new_delegate(workshop)
        for text in TEXTS[:3]:
            give(board, dana, text)
        ideas.hide_idea(board=board, idea_id=idea(board, TEXTS[0]).pk)
        assert {t for t, _d in stored()} == set(TEXTS[1:3])
        give(board, dana, TEXTS[3])  # the +1 came back
        ideas.restore_idea(board=board, idea_id=idea(board, TEXTS[0]).pk)
        assert len(stored()) == 3

    def test_merging_moves_the_plus_ones_and_gives_a_second_one_back(self, board, workshop):
        dana, eve = new_delegate(workshop), new_delegate(workshop)
        give(board, dana, "Shadow boards")
        give(board, dana, "Kanban cards")
        give(board, eve, "Kanban cards")
        survivor = idea(board, "Shadow boards")
        ideas.merge_ideas(
            board=board, survivor_id=survivor.pk, other_ids=[idea(board, "Kanban cards").pk]
        )
        assert stored() == sorted([("Shadow boards", dana.pk), ("Shadow boards", eve.pk)])

    def test_the_console_switches_plus_ones_on_with_a_budget(self, workshop, facilitator_client):
        board = make_board(workshop)
        services.show_step(workshop=workshop, step=board.step)
        url = f"/console/workshops/{workshop.pk}/boards/{board.pk}/"
        answer = facilitator_client.post(url, {"do": "plusones:on", "budget": "4"}, **HTMX)
        assert answer.status_code == 200
        assert "+1s are on: each delegate has 4 +1s to give." in answer.content.decode()
        board.refresh_from_db()
        assert (board.reactions_on, board.reaction_budget) == (True, 4)
        wrong = facilitator_client.post(url, {"do": "plusones:on", "budget": "99"}, **HTMX)
        assert wrong.status_code == 400
        assert "between 1 and 10" in wrong.content.decode()
        off = facilitator_client.post(url, {"do": "plusones:off", "budget": "x"}, **HTMX)
        assert off.status_code == 200
        board.refresh_from_db()
        assert (board.reactions_on, board.reaction_budget) == (False, 4)

    def test_an_outsider_cannot_switch_plus_ones(self, workshop, outsider_client):
        board = make_board(workshop)
        url = f"/console/workshops/{workshop.pk}/boards/{board.pk}/"
        response = outsider_client.post(url, {"do": "plusones:on"}, **HTMX)
        assert response.status_code == 404
        board.refresh_from_db()
        assert not board.reactions_on


# --- what the screens show -----------------------------------------------------------------


class TestScreens:
    def test_the_wall_sorts_ideas_by_plus_ones_with_the_count(self, board, workshop):
        dana, eve = new_delegate(workshop), new_delegate(workshop)
        give(board, dana, "Kanban cards")
        give(board, eve, "Kanban cards")
        give(board, eve, "Daily huddle")
        assert wall_order(wall(workshop)) == [
            ("Kanban cards", 2),
            ("Daily huddle", 1),
            ("Shadow boards", 0),
            ("Skills matrix", 0),
        ]
        console = wall(workshop, audiences.FACILITATOR)
        assert console.index("Kanban cards") < console.index("Daily huddle")
        assert console.index("Daily huddle") < console.index("Shadow boards")
        assert "3 +1s, sorted by +1s" in console

    def test_a_cluster_counts_its_ideas_plus_ones_and_clusters_sort_by_them(self, board, workshop):
        tools = ideas.create_cluster(board=board, name="Tools")
        people = ideas.create_cluster(board=board, name="People")
        ideas.assign_ideas(
            board=board,
            cluster_id=tools.pk,
            idea_ids=[idea(board, "Shadow boards").pk, idea(board, "Kanban cards").pk],
        )
        ideas.assign_ideas(
            board=board, cluster_id=people.pk, idea_ids=[idea(board, "Skills matrix").pk]
        )
        dana, eve = new_delegate(workshop), new_delegate(workshop)
        give(board, dana, "Skills matrix")
        give(board, eve, "Skills matrix")
        give(board, eve, "Kanban cards")
        html = wall(workshop)
        assert html.index("People") < html.index("Tools")  # 2 before 1
        assert re.search(r"People <span class=\"count\">1</span> <span [^>]*>\+2", html)
        assert re.search(r"Tools <span class=\"count\">2</span> <span [^>]*>\+1", html)
        assert wall_order(html)[:3] == [
            ("Skills matrix", 2),
            ("Kanban cards", 1),
            ("Shadow boards", 0),
        ]

    def test_hidden_ideas_drop_out_of_the_wall_and_the_counts(self, board, workshop):
        dana = new_delegate(workshop)
        give(board, dana, "Kanban cards")
        ideas.hide_idea(board=board, idea_id=idea(board, "Kanban cards").pk)
        order = wall_order(wall(workshop))
        assert "Kanban cards" not in [t for t, _n in order]
        assert all(n == 0 for _t, n in order)

    def test_without_plus_ones_the_wall_shows_no_counts(self, workshop):
        board = make_board(workshop)
        services.show_step(workshop=workshop, step=board.step)
        send(board, new_delegate(workshop), "Skills matrix")
        assert "plus-ones" not in wall(workshop)

    def test_a_new_idea_is_appended_with_no_plus_ones(self, board, workshop):
        html = regions.render_regions(
            workshop.pk,
            audiences.PROJECTOR,
            (),
            appended=frozenset({send(board, new_delegate(workshop), "New one").pk}),
        ).joined()
        assert 'data-plus-ones="0">+0' in html

    def test_a_plus_one_redraws_the_wall_and_the_console_and_no_phone(
        self, board, workshop, django_capture_on_commit_callbacks
    ):
        dana = new_delegate(workshop)
        with (
            listening(workshop, audiences.PROJECTOR) as projector,
            listening(workshop, audiences.DELEGATE) as phones,
        ):
            with django_capture_on_commit_callbacks(execute=True):
                give(board, dana, "Daily huddle")
            (push,) = projector()
            assert phones() == []
        assert wall_order(push["html"]["ideas"])[0] == ("Daily huddle", 1)

    def test_a_new_idea_or_a_hide_redraws_the_phones_list(
        self, board, workshop, django_capture_on_commit_callbacks
    ):
        with listening(workshop, audiences.DELEGATE) as phones:
            with django_capture_on_commit_callbacks(execute=True):
                send(board, new_delegate(workshop), "Kanban board for spares")
            pushed = "".join(m.get("html", {}).get("reactions", "") for m in phones())
        assert "Kanban board for spares" in pushed
        assert "hx-preserve" in pushed  # each phone keeps its own +1s
        with listening(workshop, audiences.DELEGATE) as phones:
            with django_capture_on_commit_callbacks(execute=True):
                ideas.hide_idea(board=board, idea_id=idea(board, "Kanban cards").pk)
            pushed = "".join(m.get("html", {}).get("reactions", "") for m in phones())
        assert "Skills matrix" in pushed
        assert "Kanban cards" not in pushed

    def test_hiding_tells_the_delegates_who_gave_it_a_plus_one(
        self, board, workshop, django_capture_on_commit_callbacks
    ):
        dana = new_delegate(workshop)
        give(board, dana, "Kanban cards")
        with listening(workshop, audiences.DELEGATE) as phones:
            with django_capture_on_commit_callbacks(execute=True):
                ideas.hide_idea(board=board, idea_id=idea(board, "Kanban cards").pk)
            told = [m for m in phones() if m["type"] == "own_ideas.changed"]
        assert told
        assert dana.pk in told[0]["delegates"]
        own = render_own_ideas(workshop.pk, dana.pk)
        assert "You have <strong>3</strong> of 3 +1s left." in own
        assert 'hx-swap-oob="true"' in own

    def test_switching_off_and_on_again_redraws_the_holders_own_plus_ones(
        self, board, workshop, django_capture_on_commit_callbacks
    ):
        dana = new_delegate(workshop)
        give(board, dana, "Kanban cards")
        ideas.set_reactions(board=board, on=False)
        assert 'class="plus-one"' not in render_own_ideas(workshop.pk, dana.pk)
        with listening(workshop, audiences.DELEGATE) as phones:
            with django_capture_on_commit_callbacks(execute=True):
                ideas.set_reactions(board=board, on=True, budget=4)
            told = [m for m in phones() if m["type"] == "own_ideas.changed"]
        assert told[0]["delegates"] == [dana.pk]
        own = render_own_ideas(workshop.pk, dana.pk)
        assert pressed(own, board, "Kanban cards") == "true"
        assert pressed(own, board, "Shadow boards") == "false"
        assert "You have <strong>3</strong> of 4 +1s left." in own
        assert f'data-version="{Change.objects.count()}"' in own

    def test_the_archive_and_the_export_keep_the_plus_ones(
        self, board, workshop, facilitator_client
    ):
        dana, eve = new_delegate(workshop), new_delegate(workshop)
        give(board, dana, "Kanban cards")
        give(board, eve, "Kanban cards")
        services.close_workshop(workshop=workshop)
        archive = facilitator_client.get(f"/console/workshops/{workshop.pk}/archive/")
        page = archive.content.decode()
        assert "2 +1s given (3 per delegate), most first" in page
        assert page.index("Kanban cards") < page.index("Shadow boards")
        assert 'data-plus-ones="2">+2' in page
        rows = rows_of(export(facilitator_client, workshop, "ideas"))
        assert rows[0][-1] == "plus ones (+1s)"
        by_text = {row[3]: row[-1] for row in rows[1:]}
        assert by_text["Kanban cards"] == "2"
        assert by_text["Shadow boards"] == "0"


class TestPrivacy:
    def test_a_delegate_sees_their_plus_ones_and_erasing_keeps_the_counts_anonymous(
        self, board, workshop
    ):
        from sessions.privacy import services as privacy

        dana = new_delegate(workshop)
        give(board, dana, "Kanban cards")
        assert privacy.my_data(dana)["plus_ones_on_ideas"] == 1
        privacy.erase_delegate(delegate=dana)
        assert stored() == [("Kanban cards", None)]
        assert wall_order(wall(workshop))[0] == ("Kanban cards", 1)


# --- the phone -----------------------------------------------------------------------------


def tap(client: Client, board: Board, text: str, do: str = "give", key=None, htmx=True):
    data = {"idea": idea(board, text).pk, "do": do, "key": key or uuid.uuid4()}
    extra = HTMX if htmx else {}
    return client.post(f"/w/{board.step.workshop_id}/ideas/plus-one/", data, **extra)


def pressed(html: str, board: Board, text: str) -> str:
    form = re.search(rf'<form id="react-{idea(board, text).pk}".*?</form>', html, re.S)
    assert form, text
    found = re.search(r'aria-pressed="(true|false)"', form.group(0))
    assert found
    return found.group(1)


class TestPhone:
    def test_the_phone_lists_the_ideas_with_a_plus_one_each_and_the_budget(
        self, board, workshop, delegate_client
    ):
        page = delegate_client.get(f"/w/{workshop.pk}/").content.decode()
        assert "Give your +1s" in page
        assert "You have <strong>3</strong> of 3 +1s left." in page
        for text in TEXTS:
            assert pressed(page, board, text) == "false"
        assert "hx-preserve" not in re.search(
            r'<section id="reactions".*?</section>', page, re.S
        ).group(0)

    def test_the_phone_lists_ideas_under_their_clusters_then_the_others(
        self, board, workshop, delegate_client
    ):
        tools = ideas.create_cluster(board=board, name="Tools")
        ideas.assign_idea(board=board, idea_id=idea(board, "Kanban cards").pk, cluster_id=tools.pk)
        page = delegate_client.get(f"/w/{workshop.pk}/").content.decode()
        region = page.split('<section id="reactions"')[1].split("</section>")[0]
        assert region.index("Tools") < region.index("Kanban cards")
        assert region.index("Kanban cards") < region.index("Not in a cluster")
        assert region.index("Not in a cluster") < region.index("Shadow boards")

    def test_a_hostile_idea_is_plain_text_on_the_phones_list(
        self, board, workshop, delegate_client
    ):
        send(board, new_delegate(workshop), '<img src=x onerror="alert(1)"> "quoted"')
        page = delegate_client.get(f"/w/{workshop.pk}/").content.decode()
        region = page.split('<section id="reactions"')[1].split("</section>")[0]
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &quot;quoted&quot;" in region
        assert "<img" not in region

    def test_the_phone_offers_nothing_while_plus_ones_are_off(self, workshop, delegate_client):
        board = make_board(workshop)
        services.show_step(workshop=workshop, step=board.step)
        send(board, new_delegate(workshop), "Skills matrix")
        page = delegate_client.get(f"/w/{workshop.pk}/").content.decode()
        assert "Give your +1s" not in page
        assert "plus-one" not in page.split('<section id="reactions"')[1].split("</section>")[0]

    def test_a_tap_gives_a_plus_one_and_the_answer_shows_it_pressed(
        self, board, workshop, delegate_client
    ):
        answer = tap(delegate_client, board, "Kanban cards")
        assert answer.status_code == 200
        html = answer.content.decode()
        assert pressed(html, board, "Kanban cards") == "true"
        assert pressed(html, board, "Shadow boards") == "false"
        assert "You have <strong>2</strong> of 3 +1s left." in html
        assert stored() == [("Kanban cards", delegate_client.delegate.pk)]
        page = delegate_client.get(f"/w/{workshop.pk}/").content.decode()
        assert pressed(page, board, "Kanban cards") == "true"
        back = tap(delegate_client, board, "Kanban cards", do="take")
        assert pressed(back.content.decode(), board, "Kanban cards") == "false"
        assert stored() == []

    def test_a_retried_tap_lands_once(self, board, delegate_client):
        key = uuid.uuid4()
        tap(delegate_client, board, "Kanban cards", key=key)
        again = tap(delegate_client, board, "Kanban cards", key=key)
        assert again.status_code == 200
        assert "Already sent." in again.content.decode()
        assert len(stored()) == 1

    def test_refusals_reach_the_phone_with_their_message(self, board, workshop, delegate_client):
        for text in TEXTS[:3]:
            tap(delegate_client, board, text)
        spent = tap(delegate_client, board, TEXTS[3])
        assert spent.status_code == 409
        assert "You have given all your 3 +1s." in spent.content.decode()
        twice = tap(delegate_client, board, TEXTS[0])
        assert twice.status_code == 409
        assert str(TWICE) in twice.content.decode()
        ideas.set_reactions(board=board, on=False)
        off = tap(delegate_client, board, TEXTS[0], do="take")
        assert off.status_code == 409
        assert str(NOT_ON) in off.content.decode()
        assert len(stored()) == 3

    def test_without_javascript_a_tap_redirects_and_a_refusal_shows_the_page_with_it(
        self, board, workshop, delegate_client
    ):
        ok = tap(delegate_client, board, "Kanban cards", htmx=False)
        assert ok.status_code == 302
        assert ok["Location"] == f"/w/{workshop.pk}/"
        twice = tap(delegate_client, board, "Kanban cards", htmx=False)
        assert twice.status_code == 409
        body = twice.content.decode()
        assert str(TWICE) in body
        assert "Give your +1s" in body  # the page, with the message

    @pytest.mark.parametrize(
        "data",
        [{}, {"idea": "x", "do": "give"}, {"idea": 1, "do": "flip"}, {"idea": 1, "key": "nope"}],
    )
    def test_malformed_taps_are_refused(self, board, workshop, delegate_client, data):
        response = delegate_client.post(f"/w/{workshop.pk}/ideas/plus-one/", data, **HTMX)
        assert response.status_code == 400
        assert "That was not understood; nothing was changed." in response.content.decode()
        assert stored() == []

    def test_a_forged_idea_id_is_not_found(self, board, workshop, delegate_client):
        data = {"idea": 10**9, "do": "give", "key": uuid.uuid4()}
        response = delegate_client.post(f"/w/{workshop.pk}/ideas/plus-one/", data, **HTMX)
        assert response.status_code == 404
        assert str(NO_IDEA) in response.content.decode()

    def test_a_stranger_cannot_give_a_plus_one(self, board, stranger_client):
        assert tap(stranger_client, board, "Kanban cards").status_code == 404
        assert stored() == []

    @pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
    def test_a_finished_workshop_refuses_a_tap(self, board, workshop, delegate_client, htmx):
        services.close_workshop(workshop=workshop)
        response = tap(delegate_client, board, "Kanban cards", htmx=htmx)
        assert response.status_code == 409
        assert "finished" in response.content.decode()
        assert stored() == []


# --- invariants ----------------------------------------------------------------------------

step_ = st.one_of(
    st.tuples(
        st.sampled_from(["give", "give", "take"]),
        st.integers(0, 3),
        st.integers(0, 5),
        st.booleans(),
    ),
    st.tuples(st.sampled_from(["hide", "restore"]), st.integers(0, 5)),
)


@pytest.mark.django_db
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events=st.lists(step_, max_size=40))
def test_the_counts_shown_equal_the_stored_plus_ones_and_no_budget_is_exceeded(workshop, events):
    """Random gives, take-backs (each maybe delivered twice) and hides or restores: the
    wall, the console and the archive show exactly the stored +1s, which equal a simple model
    of what was accepted; nobody holds more than the budget or two on one idea."""
    Board.objects.filter(step__workshop=workshop).delete()
    board = make_board(workshop)
    services.show_step(workshop=workshop, step=board.step)
    author = new_delegate(workshop)
    idea_ids = [send(board, author, f"Idea {n}").pk for n in range(6)]
    ideas.set_reactions(board=board, on=True, budget=2)
    delegates = [new_delegate(workshop) for _ in range(4)]
    model: dict[int, set[int]] = {d.pk: set() for d in delegates}
    hidden: set[int] = set()
    for event in events:
        if event[0] in {"hide", "restore"}:
            target = idea_ids[event[1]]
            verb = ideas.hide_idea if event[0] == "hide" else ideas.restore_idea
            verb(board=board, idea_id=target)
            if event[0] == "hide":
                hidden.add(target)
                for held in model.values():
                    held.discard(target)
            else:
                hidden.discard(target)
            continue
        action, who, which, twice = event
        delegate, target = delegates[who], idea_ids[which]
        held = model[delegate.pk]
        if target not in hidden:
            if action == "give" and target not in held and len(held) < 2:
                held.add(target)
            elif action == "take":
                held.discard(target)
        key = str(uuid.uuid4())
        verb = reactions.give_plus_one if action == "give" else reactions.take_back_plus_one
        for _delivery in range(2 if twice else 1):
            with contextlib.suppress(Refused):
                verb(workshop_id=workshop.pk, delegate_id=delegate.pk, idea_id=target, key=key)
    expected: dict[int, int] = {}
    for held in model.values():
        for target in held:
            expected[target] = expected.get(target, 0) + 1
    rows = list(Reaction.objects.values_list("idea_id", "delegate_id"))
    assert len(rows) == len(set(rows))
    per_delegate: dict[int, int] = {}
    per_idea: dict[int, int] = {}
    for idea_id, delegate_id in rows:
        per_delegate[delegate_id] = per_delegate.get(delegate_id, 0) + 1
        per_idea[idea_id] = per_idea.get(idea_id, 0) + 1
    assert all(n <= 2 for n in per_delegate.values())
    assert per_idea == expected
    texts = dict(Idea.objects.filter(pk__in=idea_ids).values_list("pk", "text"))
    shown = {texts[i]: n for i, n in expected.items()}
    for audience in (audiences.PROJECTOR, audiences.FACILITATOR):
        html = wall(workshop, audience)
        pairs = re.findall(
            r'data-plus-ones="(\d+)">.*?<(?:label|span) [^>]*class="idea-text"[^>]*>([^<]*)<',
            html,
            re.S,
        )
        drawn = {text: int(n) for n, text in pairs}
        assert {t: n for t, n in drawn.items() if n} == shown, audience
        visible = [texts[i] for i in idea_ids if i not in hidden]
        assert sorted(drawn) == sorted(visible)
        assert list(drawn.values()) == sorted(drawn.values(), reverse=True)


@pytest.mark.django_db(transaction=True)
def test_taps_at_once_from_one_delegate_never_pass_the_budget_or_one_per_idea(workshop):
    """Twelve taps on six ideas, each key delivered twice, all at once (double taps, two
    tabs): exactly the budget lands, one per idea, each key once."""
    board = make_board(workshop)
    services.show_step(workshop=workshop, step=board.step)
    author = new_delegate(workshop)
    idea_ids = [send(board, author, f"Idea {n}").pk for n in range(6)]
    ideas.set_reactions(board=board, on=True, budget=3)
    dana = new_delegate(workshop)
    accepted: list[str] = []
    lock = threading.Lock()

    def tap_at_once(key: str, idea_id: int) -> None:
        with contextlib.suppress(Refused):
            given = reactions.give_plus_one(
                workshop_id=workshop.pk, delegate_id=dana.pk, idea_id=idea_id, key=key
            )
            if given is not None:
                with lock:
                    accepted.append(key)

    keys = [(str(uuid.uuid4()), idea_ids[n % 6]) for n in range(12)]
    arguments = [pair for pair in keys for _ in range(2)]
    random.shuffle(arguments)
    run_threads(tap_at_once, arguments)
    rows = list(Reaction.objects.filter(delegate=dana).values_list("idea_id", flat=True))
    assert len(rows) == len(set(rows)) == len(accepted) == len(set(accepted)) == 3
