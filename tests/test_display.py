"""The projector: a revocable link showing the room's step, the join QR code and the count."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from sessions.agenda import services
from sessions.live import audiences, presence, regions
from sessions.models import Workshop

pytestmark = pytest.mark.django_db

HALL = "http://hall.example:8000"


@pytest.fixture(autouse=True)
def _no_public_url(settings):
    settings.PUBLIC_URL = ""


def display_url(workshop: Workshop) -> str:
    return reverse("workshops:display", args=[workshop.display_token])


def live_url(workshop: Workshop) -> str:
    return reverse("workshops:display_live", args=[workshop.display_token])


def projector_join(workshop: Workshop, base_url: str | None = None) -> str:
    return regions.render_regions(
        workshop.pk, audiences.PROJECTOR, ("join",), base_url=base_url
    ).html["join"]


def test_projector_shows_title_qr_code_join_code_and_address(workshop):
    response = Client().get(display_url(workshop))
    body = response.content.decode()
    assert response.status_code == 200
    assert f"<h1>{workshop.title}</h1>" in body
    assert re.search(r'<div id="join"[^>]*>\s*<svg', body)
    assert "<title>Join QR code</title>" in body
    assert f'<p class="join-code">{workshop.join_code}</p>' in body
    assert "or go to <strong>testserver/join</strong> and type" in body
    assert '<strong data-count="0">0</strong> delegates here' in body
    assert f'ws-connect="/ws/display/{workshop.display_token}/"' in body
    assert f'data-poll-url="{live_url(workshop)}"' in body


def test_the_projectors_secret_address_is_never_sent_to_another_site(workshop):
    assert Client().get(display_url(workshop))["Referrer-Policy"] == "same-origin"


def test_projector_shows_the_waiting_screen_then_the_step(workshop):
    step = services.add_step(workshop=workshop, title="Pick the challenge", body="Which one?")
    waiting = Client().get(display_url(workshop)).content.decode()
    assert "scan the code or type it at the address shown" in waiting
    assert "Pick the challenge" not in waiting
    services.show_step(workshop=workshop, step=step)
    showing = Client().get(display_url(workshop)).content.decode()
    assert '<h2 class="step-title">Pick the challenge</h2>' in showing
    assert "Which one?" in showing


def test_projector_counts_present_delegates(workshop, delegate_client):
    presence.connect_presence(
        workshop_id=workshop.pk, delegate_id=delegate_client.delegate.pk, channel_name="phone-1"
    )
    body = Client().get(display_url(workshop)).content.decode()
    assert '<strong data-count="1">1</strong> delegate here' in body


def test_projector_of_a_finished_workshop_says_joining_has_closed(workshop):
    services.close_workshop(workshop=workshop)
    body = Client().get(display_url(workshop)).content.decode()
    assert "This workshop has finished" in body
    assert "Joining has closed." in body
    assert "<svg" not in body
    assert workshop.join_code not in body


def test_display_live_answers_the_projector_regions(workshop):
    response = Client().get(live_url(workshop))
    body = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    for region in ["status", "presence", "step", "join"]:
        assert f'id="{region}"' in body
    assert 'id="agenda"' not in body  # the facilitator's agenda is not for the room
    assert f'data-version="{workshop.version}"' in body
    assert workshop.join_code in body
    assert "<html" not in body


def test_display_live_answers_the_join_panel_alone(workshop):
    body = Client().get(live_url(workshop) + "?region=join").content.decode()
    assert body.startswith('<div id="join" class="join-panel" hx-swap-oob="true"')
    assert "<svg" in body
    assert workshop.join_code in body
    for other in ["status", "presence", "step"]:
        assert f'id="{other}"' not in body


@pytest.mark.parametrize("path", ["display", "display_live"])
def test_a_forged_display_token_is_not_found(path, workshop):
    response = Client().get(reverse(f"workshops:{path}", args=["not-a-real-token"]))
    assert response.status_code == 404
    assert "This display link is not valid" in response.content.decode()
    assert workshop.title not in response.content.decode()


def test_the_join_token_does_not_open_the_projector(workshop):
    response = Client().get(reverse("workshops:display", args=[workshop.join_token]))
    assert response.status_code == 404


def test_the_qr_code_and_address_use_the_address_phones_reach(workshop):
    join = projector_join(workshop, base_url=HALL)
    assert "<svg" in join
    assert workshop.join_code in join
    assert "<strong>hall.example:8000/join</strong>" in join
    assert "testserver" not in join


def test_the_qr_code_encodes_the_join_link(workshop):
    """Same link, same drawing: the panel's QR code is that of the join link."""
    from sessions.templatetags.workshops import qr_svg

    join_link = HALL + reverse("workshops:join_link", args=[workshop.join_token])
    assert str(qr_svg(join_link)) in projector_join(workshop, base_url=HALL)
    assert str(qr_svg(HALL + "/j/another-token/")) not in projector_join(workshop, base_url=HALL)


def test_without_an_address_the_join_panel_fetches_itself(workshop):
    join = projector_join(workshop)
    assert f'hx-get="{live_url(workshop)}?region=join"' in join
    assert 'hx-trigger="load"' in join
    assert "<svg" not in join
    assert workshop.join_code not in join


def test_a_configured_public_address_draws_the_full_panel(workshop, settings):
    settings.PUBLIC_URL = "https://workshops.example.org"
    join = projector_join(workshop)
    assert "<svg" in join
    assert workshop.join_code in join
    assert "<strong>workshops.example.org/join</strong>" in join
    assert "hx-get" not in join
    from_request = projector_join(workshop, base_url=HALL)
    assert "workshops.example.org/join" in from_request  # the configured address wins
    assert "hall.example" not in from_request


def test_after_renewing_the_code_the_projector_shows_the_new_one(workshop):
    old_code = workshop.join_code
    renewed = services.renew_join_code(workshop=workshop)
    body = Client().get(live_url(workshop) + "?region=join").content.decode()
    assert renewed.join_code in body
    assert old_code not in body
