"""The commitment wall's names switch keeps each card's promise: a card made while the room
saw actions without names never shows its name to the room or the share link, even after the
facilitator switches names on; a card made after shows it; switching off hides them all."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from sessions.agenda import services
from sessions.live.audiences import FACILITATOR, PROJECTOR
from sessions.live.regions import render_regions
from sessions.models import Commitment
from tests.conftest import join
from tests.test_commitments import HTMX, add_commit_step, card, commit


def drawn_card(client: Client, workshop) -> tuple[str, str]:
    """The card as the phone shows it: its words on who sees what, and its name promise."""
    page = client.get(f"/w/{workshop.pk}/commitments/", **HTMX).content.decode()
    promise = re.search(r'name="name_shown" value="([^"]*)"', page).group(1)
    return page, promise


def commit_from_card(client: Client, workshop, step, action: str) -> None:
    """Draw the card, then send it as the phone would (with what the card promised)."""
    _, promise = drawn_card(client, workshop)
    response = commit(client, workshop, card(workshop, step, action=action, name_shown=promise))
    assert response.status_code == 200, response.content


def names(facilitator_client: Client, workshop, step, show: bool) -> None:
    url = f"/console/workshops/{workshop.pk}/steps/{step.pk}/names/"
    response = facilitator_client.post(url, {"show_names": "on" if show else "off"}, **HTMX)
    assert response.status_code == 200


def wall(workshop) -> str:
    return render_regions(workshop.pk, PROJECTOR, ("commitments",)).html["commitments"]


def shared_archive(facilitator_client: Client, workshop) -> str:
    services.close_workshop(workshop=workshop)
    facilitator_client.post(f"/console/workshops/{workshop.pk}/archive/share/", {"do": "share"})
    workshop.refresh_from_db()
    html = Client().get(f"/archive/{workshop.archive_token}/").content.decode()
    return html.split("archive-commitments")[1]


@pytest.fixture
def step(workshop, facilitator_client):
    return add_commit_step(workshop, facilitator_client)


@pytest.fixture
def ben(workshop) -> Client:
    client = Client()
    join(client, workshop, "Ben")
    return client


@pytest.mark.django_db
class TestTheCardsPromise:
    def test_the_card_says_without_your_name_while_names_are_off(
        self, workshop, step, delegate_client
    ):
        page, promise = drawn_card(delegate_client, workshop)
        assert "The room will see your action on the screen, without your name." in page
        assert promise == ""

    def test_the_card_says_with_your_name_once_names_are_on(
        self, workshop, step, delegate_client, facilitator_client
    ):
        names(facilitator_client, workshop, step, True)
        page, promise = drawn_card(delegate_client, workshop)
        assert "The room will see your action on the screen, with your name." in page
        assert promise == "1"

    def test_existing_commitments_keep_no_name(self, workshop, step, delegate_client):
        commit_from_card(delegate_client, workshop, step, "run a 5S day")
        assert Commitment.objects.get().name_shown is False


@pytest.mark.django_db
class TestSwitchingNamesOn:
    def test_a_card_made_before_never_shows_its_name_on_the_wall(
        self, workshop, step, delegate_client, facilitator_client, ben
    ):
        commit_from_card(delegate_client, workshop, step, "run a 5S day")
        names(facilitator_client, workshop, step, True)
        commit_from_card(ben, workshop, step, "time every changeover")
        html = wall(workshop)
        assert "I will run a 5S day" in html
        assert "Dana" not in html
        assert "Ben" in html  # made after the switch: its card said so

    def test_a_card_drawn_before_and_sent_after_keeps_its_promise(
        self, workshop, step, delegate_client, facilitator_client
    ):
        _, promise = drawn_card(delegate_client, workshop)
        names(facilitator_client, workshop, step, True)
        data = card(workshop, step, action="run a 5S day", name_shown=promise)
        assert commit(delegate_client, workshop, data).status_code == 200
        assert "Dana" not in wall(workshop)

    def test_the_console_names_nobody(
        self, workshop, step, delegate_client, facilitator_client, ben
    ):
        commit_from_card(delegate_client, workshop, step, "run a 5S day")
        names(facilitator_client, workshop, step, True)
        commit_from_card(ben, workshop, step, "time every changeover")
        html = render_regions(workshop.pk, FACILITATOR, ("commitments",)).html["commitments"]
        assert "I will run a 5S day" in html
        assert "Dana" not in html

    def test_the_shared_archive_names_only_cards_made_after(
        self, workshop, step, delegate_client, facilitator_client, ben
    ):
        commit_from_card(delegate_client, workshop, step, "run a 5S day")
        names(facilitator_client, workshop, step, True)
        commit_from_card(ben, workshop, step, "time every changeover")
        shared = shared_archive(facilitator_client, workshop)
        assert "I will run a 5S day" in shared
        assert "Dana" not in shared
        assert "Ben" in shared

    def test_the_exports_name_nobody(self, workshop, step, delegate_client, facilitator_client):
        commit_from_card(delegate_client, workshop, step, "run a 5S day")
        names(facilitator_client, workshop, step, True)
        commit_from_card(delegate_client, workshop, step, "time every changeover")
        url = f"/console/workshops/{workshop.pk}/exports/commitments.csv"
        body = b"".join(facilitator_client.get(url).streaming_content).decode()
        assert "I will run a 5S day" in body
        assert "Dana" not in body


@pytest.mark.django_db
class TestSwitchingNamesOffAgain:
    def test_it_hides_every_name(self, workshop, step, delegate_client, facilitator_client, ben):
        commit_from_card(delegate_client, workshop, step, "run a 5S day")
        names(facilitator_client, workshop, step, True)
        commit_from_card(ben, workshop, step, "time every changeover")
        assert "Ben" in wall(workshop)
        names(facilitator_client, workshop, step, False)
        html = wall(workshop)
        assert "I will time every changeover" in html
        assert "Ben" not in html
        assert "Dana" not in html
        shared = shared_archive(facilitator_client, workshop)
        assert "Ben" not in shared
        assert "Dana" not in shared

    def test_switching_on_again_names_only_cards_made_while_on(
        self, workshop, step, delegate_client, facilitator_client, ben
    ):
        names(facilitator_client, workshop, step, True)
        names(facilitator_client, workshop, step, False)
        commit_from_card(ben, workshop, step, "time every changeover")  # made while off
        names(facilitator_client, workshop, step, True)
        assert "Ben" not in wall(workshop)
