"""The closing pulse: delegates answer usefulness 1-5 and one word; the facilitator opens,
closes and reveals it; finishing asks for the pulse first."""

from __future__ import annotations

import re
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from sessions.agenda import services
from sessions.live.audiences import DELEGATE, FACILITATOR, PROJECTOR
from sessions.live.regions import render_regions
from sessions.models import Change, PulseAnswer, Step
from sessions.pulse import services as pulse_service
from sessions.pulse.read import pulse_results
from tests.conftest import join

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def pulse(workshop):
    step = pulse_service.add_pulse_step(workshop=workshop)
    services.show_step(workshop=workshop, step=step)
    return pulse_service.open_pulse(pulse=step.pulse)


def answer(client: Client, workshop, pulse, usefulness="4", word="", key=None, **extra):
    data = {"pulse": pulse.pk, "usefulness": usefulness, "word": word, "key": key or uuid.uuid4()}
    return client.post(reverse("workshops:pulse_answer", args=[workshop.pk]), data, **extra)


def answers(pulse) -> list[tuple[int, str]]:
    return list(PulseAnswer.objects.filter(pulse=pulse).values_list("usefulness", "word"))


def test_a_delegate_answers_and_the_answer_is_stored(workshop, pulse, delegate_client):
    response = answer(delegate_client, workshop, pulse, "4", "Practical", **HTMX)
    assert response.status_code == 200
    assert "Your answer: 4 of 5, “Practical”" in response.content.decode()
    assert answers(pulse) == [(4, "Practical")]


def test_a_delegate_can_change_their_answer_while_open_and_it_stays_one_answer(
    workshop, pulse, delegate_client
):
    answer(delegate_client, workshop, pulse, "2", "Slow")
    answer(delegate_client, workshop, pulse, "5", "Great")
    assert answers(pulse) == [(5, "Great")]


def test_a_replayed_answer_lands_once(workshop, pulse, delegate_client):
    key = uuid.uuid4()
    answer(delegate_client, workshop, pulse, "3", "Ok", key=key)
    before = Change.objects.version_of(workshop.pk)
    again = answer(delegate_client, workshop, pulse, "1", "Changed", key=key, **HTMX)
    assert "Already counted." in again.content.decode()
    assert answers(pulse) == [(3, "Ok")]
    assert Change.objects.version_of(workshop.pk) == before


@pytest.mark.parametrize(
    ("usefulness", "word", "message"),
    [
        ("", "Good", "Choose how useful the workshop was, from 1 to 5."),
        ("0", "Good", "Choose how useful the workshop was, from 1 to 5."),
        ("6", "Good", "Choose how useful the workshop was, from 1 to 5."),
        ("x", "Good", "Choose how useful the workshop was, from 1 to 5."),
        ("4", "two words", "Please give just one word (no spaces)."),
        ("4", "a" * 31, "One word of at most 30 characters, please."),
    ],
)
def test_bad_answers_are_refused_with_a_message_and_change_nothing(
    workshop, pulse, delegate_client, usefulness, word, message
):
    answer(delegate_client, workshop, pulse, "3", "Fine")
    before = Change.objects.version_of(workshop.pk)
    response = answer(delegate_client, workshop, pulse, usefulness, word, **HTMX)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert answers(pulse) == [(3, "Fine")]
    assert Change.objects.version_of(workshop.pk) == before


def test_a_bad_answer_without_htmx_gets_a_page_with_the_message(workshop, pulse, delegate_client):
    response = answer(delegate_client, workshop, pulse, "4", "two words")
    assert response.status_code == 400
    assert "Please give just one word" in response.content.decode()
    assert answers(pulse) == []


def test_the_word_is_optional_and_trimmed(workshop, pulse, delegate_client):
    answer(delegate_client, workshop, pulse, "5", "  ")
    eve = Client()
    join(eve, workshop, "Eve")
    answer(eve, workshop, pulse, "4", " Energising ")
    assert sorted(answers(pulse)) == [(4, "Energising"), (5, "")]


def test_answers_are_refused_before_opening_and_after_closing(workshop, delegate_client):
    step = pulse_service.add_pulse_step(workshop=workshop)
    services.show_step(workshop=workshop, step=step)
    early = answer(delegate_client, workshop, step.pulse, "4", **HTMX)
    assert early.status_code == 409
    assert "The pulse has not opened yet." in early.content.decode()
    pulse_service.open_pulse(pulse=step.pulse)
    pulse_service.close_pulse(pulse=step.pulse)
    late = answer(delegate_client, workshop, step.pulse, "4", **HTMX)
    assert late.status_code == 409
    assert "The pulse is closed" in late.content.decode()
    assert answers(step.pulse) == []


def test_a_stranger_and_another_workshops_pulse_are_refused(
    workshop, pulse, stranger_client, other_workshop, delegate_client
):
    assert answer(stranger_client, workshop, pulse, "4").status_code == 404
    other = pulse_service.add_pulse_step(workshop=other_workshop)
    pulse_service.open_pulse(pulse=other.pulse)
    assert answer(delegate_client, workshop, other.pulse, "4").status_code == 404
    assert PulseAnswer.objects.count() == 0


def test_results_count_the_distribution_and_the_words_ignoring_case(workshop, pulse):
    for usefulness, word in [(5, "Useful"), (4, "useful"), (4, "Useful"), (2, ""), (5, "Fun")]:
        delegate = join(Client(), workshop)
        pulse_service.answer_pulse(
            workshop_id=workshop.pk,
            delegate_id=delegate.pk,
            pulse_id=pulse.pk,
            usefulness=usefulness,
            word=word,
        )
    results = pulse_results(pulse)
    assert results.answers == 5
    assert results.distribution == [0, 1, 0, 2, 2]
    assert results.mean == 4.0
    assert results.words == [("Useful", 3), ("Fun", 1)]


def test_the_projector_shows_the_count_then_the_results_once_revealed(
    workshop, pulse, delegate_client
):
    answer(delegate_client, workshop, pulse, "5", "<b>Bold</b>")
    hidden = render_regions(workshop.pk, PROJECTOR).html["results"]
    assert 'data-answers="1"' in hidden
    assert "Bold" not in hidden
    pulse_service.reveal_pulse(pulse=pulse)
    shown = render_regions(workshop.pk, PROJECTOR).html["results"]
    assert 'data-point="5" data-count="1"' in shown
    assert "&lt;b&gt;Bold&lt;/b&gt;" in shown
    assert "<b>Bold</b>" not in shown
    phone = render_regions(workshop.pk, DELEGATE).html["results"]
    assert "&lt;b&gt;Bold&lt;/b&gt;" in phone


def test_the_console_opens_closes_and_reveals_the_pulse(workshop, facilitator_client):
    step = pulse_service.add_pulse_step(workshop=workshop)
    services.show_step(workshop=workshop, step=step)
    url = reverse("workshops:pulse_control", args=[workshop.pk, step.pulse.pk])
    console = render_regions(workshop.pk, FACILITATOR).html["step"]
    assert "Open the pulse" in console
    facilitator_client.post(url, {"action": "open"})
    step.pulse.refresh_from_db()
    assert step.pulse.is_open
    facilitator_client.post(url, {"action": "reveal"})
    facilitator_client.post(url, {"action": "close"})
    step.pulse.refresh_from_db()
    assert (step.pulse.is_open, step.pulse.revealed) == (False, True)
    bad = facilitator_client.post(url, {"action": "explode"})
    assert bad.status_code == 400


def test_an_outsider_cannot_control_the_pulse(workshop, pulse, outsider_client):
    url = reverse("workshops:pulse_control", args=[workshop.pk, pulse.pk])
    assert outsider_client.post(url, {"action": "close"}).status_code == 404
    pulse.refresh_from_db()
    assert pulse.is_open


def test_a_pulse_step_can_be_added_from_the_console_form(workshop, facilitator_client):
    url = reverse("workshops:step_add", args=[workshop.pk])
    facilitator_client.post(url, {"kind": "pulse", "title": "How was it?", "key": uuid.uuid4()})
    step = Step.objects.get(workshop=workshop)
    assert (step.kind, step.title, step.pulse.is_open) == ("pulse", "How was it?", False)


def test_the_phone_shows_the_pulse_form_with_labels(workshop, pulse, delegate_client):
    page = delegate_client.get(reverse("workshops:phone", args=[workshop.pk])).content.decode()
    assert "How useful was this workshop for you?" in page
    assert f'<label for="pulse-{pulse.pk}-5">5</label>' in page
    assert f'<label for="pulse-word-{pulse.pk}">One word for it' in page


# --- finishing asks for the pulse first ------------------------------------------------------


def test_finishing_asks_for_the_pulse_first(workshop, facilitator_client):
    page = facilitator_client.get(reverse("workshops:finish", args=[workshop.pk])).content.decode()
    assert "Ask the pulse first?" in page
    assert "Add the pulse and show it" in page
    assert "Close now" in page


def test_pulse_first_adds_a_pulse_step_shows_and_opens_it_once(workshop, facilitator_client):
    services.add_step(workshop=workshop, title="Welcome")
    url = reverse("workshops:pulse_first", args=[workshop.pk])
    response = facilitator_client.post(url)
    assert response.status_code == 302
    facilitator_client.post(url)
    (step,) = Step.objects.filter(workshop=workshop, kind=Step.Kind.PULSE)
    workshop.refresh_from_db()
    assert workshop.current_step_id == step.pk
    assert step.position == 1
    assert step.pulse.is_open
    assert workshop.closed_at is None


def test_pulse_first_uses_the_agendas_pulse_step(workshop, facilitator_client):
    existing = pulse_service.add_pulse_step(workshop=workshop, title="Our pulse")
    services.add_step(workshop=workshop, title="Thanks")
    facilitator_client.post(reverse("workshops:pulse_first", args=[workshop.pk]))
    workshop.refresh_from_db()
    assert workshop.current_step_id == existing.pk
    assert Step.objects.filter(kind=Step.Kind.PULSE).count() == 1


def test_close_now_from_the_finish_page_closes(workshop, facilitator_client):
    facilitator_client.post(reverse("workshops:close", args=[workshop.pk]))
    workshop.refresh_from_db()
    assert workshop.is_closed
    page = facilitator_client.get(reverse("workshops:finish", args=[workshop.pk])).content.decode()
    assert "already finished" in page


def test_the_projector_draws_the_words_as_a_cloud_and_lists_them_for_screen_readers(
    workshop, pulse
):
    for word in ["Useful", "useful", "Useful", "Fun", "<b>Bold</b>"]:
        delegate = join(Client(), workshop)
        pulse_service.answer_pulse(
            workshop_id=workshop.pk, delegate_id=delegate.pk, pulse_id=pulse.pk,
            usefulness=4, word=word,
        )  # fmt: skip
    pulse_service.reveal_pulse(pulse=pulse)
    shown = render_regions(workshop.pk, PROJECTOR).html["results"]
    cloud = re.search(r'<svg class="word-cloud"[^>]*aria-hidden="true".*?</svg>', shown, re.S)
    assert cloud is not None
    drawn = re.findall(r'data-count="(\d+)">([^<]+)</text>', cloud.group(0))
    assert sorted(drawn) == [("1", "&lt;b&gt;Bold&lt;/b&gt;"), ("1", "Fun"), ("3", "Useful")]
    sizes = {word: float(size) for size, word in re.findall(
        r'font-size="([\d.]+)"[^>]*>([^<]+)</text>', cloud.group(0)
    )}  # fmt: skip
    assert sizes["Useful"] > sizes["Fun"] == sizes["&lt;b&gt;Bold&lt;/b&gt;"]
    assert '<ul class="pulse-words visually-hidden">' in shown
    # Other audiences keep the list, visible.
    console = render_regions(workshop.pk, FACILITATOR).html["results"]
    assert "word-cloud" not in console
    assert '<ul class="pulse-words">' in console
