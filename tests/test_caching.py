"""What browsers and proxies may keep: nothing personal, nothing that changes by the second,
nothing behind a secret link (Django's never-cache headers)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from sessions.agenda import services
from sessions.archive import services as archive
from sessions.commitments import followups
from sessions.commitments import services as commitments
from sessions.ideas import services as ideas
from sessions.models import AccessLink, Idea
from sessions.pulse import services as pulse_service
from sessions.voting import services as voting
from tests.conftest import join, open_vote_on_screen

# django.utils.cache.add_never_cache_headers
NEVER_CACHED = "max-age=0, no-cache, no-store, must-revalidate, private"
HTMX = {"HTTP_HX_REQUEST": "true"}

pytestmark = pytest.mark.django_db


def never_cached(response) -> bool:
    assert response.status_code < 500, response.content
    return response["Cache-Control"] == NEVER_CACHED and "Expires" in response


def test_the_live_regions_of_every_audience_are_never_cached(
    workshop, facilitator_client, delegate_client
):
    display = reverse("workshops:display_live", args=[workshop.display_token])
    assert never_cached(Client().get(display))
    assert never_cached(facilitator_client.get(f"/console/workshops/{workshop.pk}/live/"))
    assert never_cached(delegate_client.get(f"/w/{workshop.pk}/live/"))


def test_a_phones_own_fragments_are_never_cached(workshop, delegate_client):
    def shown(step):
        services.show_step(workshop=workshop, step=step)
        workshop.refresh_from_db()

    vote = voting.add_vote_step(
        workshop=workshop,
        title="Pick",
        body="",
        settings=voting.PollSettings(kind="dots", options=["One", "Two", "Three"]),
    )
    shown(vote)
    assert never_cached(delegate_client.get(f"/w/{workshop.pk}/ballot/"))
    shown(ideas.add_ideas_step(workshop=workshop, title="Ideas", prompt="How might we?"))
    assert never_cached(delegate_client.get(f"/w/{workshop.pk}/ideas/"))
    shown(commitments.add_commit_step(workshop=workshop, title="Commit"))
    assert never_cached(delegate_client.get(f"/w/{workshop.pk}/commitments/", **HTMX))
    assert never_cached(delegate_client.get(f"/w/{workshop.pk}/commitments/"))
    shown(pulse_service.add_pulse_step(workshop=workshop))
    assert never_cached(delegate_client.get(f"/w/{workshop.pk}/pulse/"))


def test_a_refused_plain_post_answers_a_never_cached_phone_page(workshop, delegate_client):
    response = delegate_client.post(f"/w/{workshop.pk}/ideas/send/", {"text": "x"})
    assert response.status_code == 400
    assert "<html" in response.content.decode()
    assert never_cached(response)


def test_the_suggested_clusters_are_never_cached(workshop, facilitator_client, delegate_client):
    step = ideas.add_ideas_step(workshop=workshop, title="Ideas", prompt="How might we?")
    board = ideas.open_board(board=step.board)
    for text in ["Quick changeover on line 2", "Changeover checklist for line 2"]:
        ideas.submit_idea(
            workshop_id=workshop.pk,
            delegate_id=delegate_client.delegate.pk,
            board_id=board.pk,
            text=text,
        )
    assert Idea.objects.count() == 2
    path = f"/console/workshops/{workshop.pk}/boards/{board.pk}/suggest/"
    assert never_cached(facilitator_client.get(path))


def test_the_archive_and_its_shared_link_are_never_cached(workshop, facilitator_client):
    assert never_cached(facilitator_client.get(f"/console/workshops/{workshop.pk}/archive/"))
    services.close_workshop(workshop=workshop)
    shared = archive.share_archive(workshop=workshop)
    response = Client().get(f"/archive/{shared.archive_token}/")
    assert response.status_code == 200
    assert never_cached(response)


def test_check_in_and_data_pages_are_never_cached(workshop):
    phone = Client()
    delegate = join(phone, workshop, "Dana")
    step = commitments.add_commit_step(workshop=workshop, title="Commit")
    made = commitments.make_commitment(
        workshop_id=workshop.pk,
        delegate_id=delegate.pk,
        step_id=step.pk,
        card=commitments.Card(
            action="time every changeover on line 2",
            first_step_when="When the Monday shift starts",
            first_step_then="put a stopwatch by the press",
            first_step_on=workshop.event.local_today(),
            measure="changeovers under 20 minutes",
            done_by=workshop.event.local_today(),
            email="dana@example.com",
            consent=True,
        ),
    )
    token = followups.issue_link(purpose=AccessLink.Purpose.CHECK_IN, commitment=made)
    assert never_cached(Client().get(f"/c/{made.pk}/{token}/"))
    token = followups.issue_link(purpose=AccessLink.Purpose.MY_DATA, delegate=delegate)
    assert never_cached(Client().get(f"/me/{token}/"))
    assert never_cached(phone.get(f"/e/{workshop.event_id}/my-data/"))
    assert never_cached(phone.get(f"/e/{workshop.event_id}/my-data/download/"))


# --- static files ----------------------------------------------------------------------------


def test_a_server_names_live_js_by_its_hash_and_lets_browsers_keep_it(server):
    """A page always loads the script it was rendered with (a phone never runs an old live.js
    against a new server), so that file may be kept for good."""
    page = httpx.get(f"{server.url}/join")
    assert page.status_code == 200
    [script] = re.findall(r'<script src="(/static/workshops/live\.[0-9a-f]{12}\.js)"', page.text)
    served = httpx.get(server.url + script, headers={"Accept-Encoding": "gzip"})
    assert served.status_code == 200
    assert "javascript" in served.headers["content-type"]
    assert served.headers["cache-control"] == "max-age=315360000, public, immutable"
    assert served.headers["content-encoding"] == "gzip"  # compressed once, by collectstatic
    source = (Path(settings.BASE_DIR) / "sessions/static/workshops/live.js").read_text()
    assert served.text == source


def test_static_files_are_sent_brotli_compressed_to_browsers_that_accept_it(server):
    page = httpx.get(f"{server.url}/join")
    [script] = re.findall(r'<script src="(/static/django_htmx/htmx[^"]+\.js)"', page.text)
    served = httpx.get(server.url + script, headers={"Accept-Encoding": "br, gzip"})
    assert served.status_code == 200
    assert served.headers["content-encoding"] == "br"  # written by collectstatic, with Brotli
    gzipped = httpx.get(server.url + script, headers={"Accept-Encoding": "gzip"})
    assert served.text == gzipped.text
    assert int(served.headers["content-length"]) < int(gzipped.headers["content-length"])


def test_pages_are_compressed_and_carry_an_icon(server):
    """A page is sent gzipped to a browser that accepts it (a phone's vote page is a third of
    its size: tests/test_page_weight_browser.py), and names its icon, so no first visit asks
    for a missing /favicon.ico."""
    plain = httpx.get(f"{server.url}/join", headers={"Accept-Encoding": "identity"})
    packed = httpx.get(f"{server.url}/join", headers={"Accept-Encoding": "gzip"})
    assert plain.status_code == packed.status_code == 200
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"
    assert int(packed.headers["content-length"]) < len(plain.content)
    [icon] = re.findall(
        r'<link rel="icon" href="(/static/workshops/favicon\.[0-9a-f]{12}\.svg)"', plain.text
    )
    served = httpx.get(server.url + icon)
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("image/svg+xml")
    assert served.headers["cache-control"] == "max-age=315360000, public, immutable"
    # A browser that asks for /favicon.ico anyway is sent to it.
    asked = httpx.get(f"{server.url}/favicon.ico")
    assert asked.status_code == 302
    assert asked.headers["location"] == icon


def test_a_page_is_gzipped_but_a_taps_answer_goes_out_as_it_is(workshop, delegate_client):
    """Compressing each tap's answer cost the server more than the bytes saved, on the path
    a room votes through when its sockets are blocked."""
    poll = open_vote_on_screen(workshop, ["One", "Two", "Three"], title="Pick")
    gzip = {"HTTP_ACCEPT_ENCODING": "gzip"}
    page = delegate_client.get(f"/w/{workshop.pk}/", **gzip)
    assert page.status_code == 200
    assert page["Content-Encoding"] == "gzip"
    option = poll.options.first()
    tap = {"poll": poll.pk, "option": option.pk, "action": "add", "key": str(uuid.uuid4())}
    answer = delegate_client.post(f"/w/{workshop.pk}/vote/", tap, **gzip, **HTMX)
    assert answer.status_code == 200
    assert not answer.has_header("Content-Encoding")
    assert b'data-ack="' in answer.content
