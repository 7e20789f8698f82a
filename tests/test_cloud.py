"""The word cloud step: delegates send, change and withdraw words; words are counted by their
stem and shown in their most common spelling; held-back words wait for the facilitator, who
shows, hides and merges words; the projector draws the cloud; the archive and the CSV keep it."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
from django.db import DataError, IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from sessions.agenda import services
from sessions.cloud import services as cloud_service
from sessions.cloud.read import cloud_results
from sessions.live.audiences import DELEGATE, FACILITATOR, PROJECTOR
from sessions.live.regions import render_regions
from sessions.models import Change, CloudTerm, CloudWord, Step, WordCloud
from sessions.pulse import services as pulse_service
from sessions.pulse.read import pulse_results
from sessions.wordcloud import count_words, word_key
from tests.conftest import join

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def cloud(workshop) -> WordCloud:
    step = cloud_service.add_cloud_step(workshop=workshop, title="In one word")
    services.show_step(workshop=workshop, step=step)
    return cloud_service.open_cloud(cloud=step.word_cloud)


def send(client: Client, workshop, cloud, *words: str, key=None, **extra):
    data = {"cloud": cloud.pk, "word": list(words), "key": key or uuid.uuid4()}
    return client.post(reverse("workshops:cloud_words", args=[workshop.pk]), data, **extra)


def withdraw(client: Client, workshop, cloud, word_id, key=None, **extra):
    data = {"cloud": cloud.pk, "word": word_id, "key": key or uuid.uuid4()}
    return client.post(reverse("workshops:cloud_withdraw", args=[workshop.pk]), data, **extra)


def moderate(client: Client, workshop, cloud, action, term, into=None, **extra):
    data = {"action": action, "term": term, **({"into": into} if into else {})}
    url = reverse("workshops:cloud_moderate", args=[workshop.pk, cloud.pk])
    return client.post(url, data, **extra)


def person(workshop) -> Client:
    """A delegate's phone that has joined the workshop."""
    client = Client()
    join(client, workshop)
    return client


def stored(cloud) -> list[str]:
    return list(CloudWord.objects.filter(cloud=cloud).values_list("text", flat=True))


def shown(cloud) -> list[tuple[str, int]]:
    return cloud_results(cloud).words


def term(cloud, text: str) -> CloudTerm:
    return CloudTerm.objects.get(cloud=cloud, key=word_key(text))


# --- counting --------------------------------------------------------------------------------


def test_words_count_together_by_case_punctuation_and_stem():
    assert word_key("Training!") == word_key("trained") == word_key("  TRAINS ") == "train"
    assert word_key("Lean   teams.") == word_key("lean team")
    words = ["trained", "Training", "Training", "Focus", "focus!", "focused", "Lean"]
    assert count_words(words) == [("Focus", 3), ("Training", 3), ("Lean", 1)]


def test_the_pulses_one_word_counts_the_same_way(workshop):
    step = pulse_service.add_pulse_step(workshop=workshop)
    the_pulse = pulse_service.open_pulse(pulse=step.pulse)
    for word in ["Training", "trained!", "Focus"]:
        pulse_service.answer_pulse(
            workshop_id=workshop.pk, delegate_id=join(Client(), workshop).pk,
            pulse_id=the_pulse.pk, usefulness=4, word=word,
        )  # fmt: skip
    assert pulse_results(the_pulse).words == [("Training", 2), ("Focus", 1)]


def test_the_most_common_spelling_is_the_word_shown(workshop, cloud):
    for word in ["trained", "Training", "Training", "training!"]:
        send(person(workshop), workshop, cloud, word)
    assert shown(cloud) == [("Training", 4)]


# --- delegates ------------------------------------------------------------------------------


def test_a_delegate_sends_words_and_the_projector_counts_them(workshop, cloud, delegate_client):
    response = send(delegate_client, workshop, cloud, "Busy", "stretched thin", "", **HTMX)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Your words" in page
    assert "stretched thin" in page
    assert sorted(stored(cloud)) == ["Busy", "stretched thin"]
    results = render_regions(workshop.pk, PROJECTOR).html["results"]
    assert "<svg" in results
    assert 'class="cloud-words visually-hidden"' in results
    assert 'Busy <span class="word-count">\u00d71</span>' in results


def test_a_delegate_changes_and_withdraws_words_while_open(workshop, cloud, delegate_client):
    send(delegate_client, workshop, cloud, "Busy", "Tired")
    send(delegate_client, workshop, cloud, "Busy", "Hopeful", "")  # Tired changed to Hopeful
    assert sorted(stored(cloud)) == ["Busy", "Hopeful"]
    send(delegate_client, workshop, cloud, "", "Hopeful")  # Busy blanked: withdrawn
    assert stored(cloud) == ["Hopeful"]
    word = CloudWord.objects.get(cloud=cloud)
    response = withdraw(delegate_client, workshop, cloud, word.pk, **HTMX)
    assert response.status_code == 200
    assert stored(cloud) == []
    assert shown(cloud) == []


def test_an_unchanged_word_keeps_its_row(workshop, cloud, delegate_client):
    send(delegate_client, workshop, cloud, "Busy")
    first = CloudWord.objects.get(cloud=cloud)
    send(delegate_client, workshop, cloud, "busy!", "Calm")
    assert CloudWord.objects.get(cloud=cloud, text="busy").pk == first.pk


def test_a_replayed_send_and_a_replayed_withdrawal_land_once(workshop, cloud, delegate_client):
    key = uuid.uuid4()
    send(delegate_client, workshop, cloud, "Busy", key=key)
    before = Change.objects.version_of(workshop.pk)
    again = send(delegate_client, workshop, cloud, "Other", key=key, **HTMX)
    assert "Already counted." in again.content.decode()
    assert stored(cloud) == ["Busy"]
    assert Change.objects.version_of(workshop.pk) == before
    word = CloudWord.objects.get(cloud=cloud)
    key = uuid.uuid4()
    withdraw(delegate_client, workshop, cloud, word.pk, key=key)
    send(delegate_client, workshop, cloud, "Busy")
    replay = withdraw(delegate_client, workshop, cloud, word.pk, key=key, **HTMX)
    assert replay.status_code == 200
    assert stored(cloud) == ["Busy"]


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (["a" * 26], "is too long: at most 25 characters"),
        (["one two three four"], "has too many words: at most 3 in one phrase"),
        (["", "  "], "Type a word first."),
        (["one", "two", "three", "four"], "You can give at most 3 words."),
        (["!!!"], "A word needs at least one letter or digit."),
        (["Training", "trained"], "You gave “trained” twice."),
    ],
)
def test_bad_words_are_refused_with_a_message_and_change_nothing(
    workshop, cloud, delegate_client, words, message
):
    send(delegate_client, workshop, cloud, "Fine")
    before = Change.objects.version_of(workshop.pk)
    response = send(delegate_client, workshop, cloud, *words, **HTMX)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert 'role="alert"' in page
    assert 'aria-invalid="true"' in page
    assert stored(cloud) == ["Fine"]
    assert Change.objects.version_of(workshop.pk) == before


def test_a_refused_word_without_scripts_gets_the_page_with_the_message_and_what_was_typed(
    workshop, cloud, delegate_client
):
    response = send(delegate_client, workshop, cloud, "Busy", "a" * 30)
    assert response.status_code == 400
    page = response.content.decode()
    assert "at most 25 characters" in page
    assert 'value="Busy"' in page
    assert stored(cloud) == []


def test_a_sent_word_without_scripts_redirects_to_the_phone(workshop, cloud, delegate_client):
    response = send(delegate_client, workshop, cloud, "Busy")
    assert response.status_code == 302
    phone = delegate_client.get(response["Location"]).content.decode()
    assert "Busy" in phone
    assert 'for="cloud-word-' in phone
    assert 'aria-describedby="cloud-hint-' in phone


def test_words_are_refused_before_opening_and_after_closing(workshop, delegate_client):
    step = cloud_service.add_cloud_step(workshop=workshop, title="Words")
    services.show_step(workshop=workshop, step=step)
    early = send(delegate_client, workshop, step.word_cloud, "Busy", **HTMX)
    assert early.status_code == 409
    assert "The word cloud has not opened yet." in early.content.decode()
    cloud = cloud_service.open_cloud(cloud=step.word_cloud)
    send(delegate_client, workshop, cloud, "Busy")
    cloud_service.close_cloud(cloud=cloud)
    late = send(delegate_client, workshop, cloud, "Calm", **HTMX)
    assert late.status_code == 409
    assert "The word cloud is closed, so your words were not changed." in late.content.decode()
    word = CloudWord.objects.get()
    assert withdraw(delegate_client, workshop, cloud, word.pk, **HTMX).status_code == 409
    assert stored(cloud) == ["Busy"]


def test_a_finished_workshop_refuses_every_word_cloud_write(
    workshop, cloud, delegate_client, facilitator_client
):
    send(delegate_client, workshop, cloud, "Busy", "Calm")
    busy, calm = term(cloud, "Busy"), term(cloud, "Calm")
    word = CloudWord.objects.filter(text="Busy").get()
    services.close_workshop(workshop=workshop)
    before = (Change.objects.version_of(workshop.pk), shown(cloud), stored(cloud))
    control = reverse("workshops:cloud_control", args=[workshop.pk, cloud.pk])
    for htmx in ({}, HTMX):
        for response in (
            send(delegate_client, workshop, cloud, "Late", **htmx),
            withdraw(delegate_client, workshop, cloud, word.pk, **htmx),
            facilitator_client.post(control, {"action": "close"}, **htmx),
            facilitator_client.post(control, {"action": "approval-on"}, **htmx),
            moderate(facilitator_client, workshop, cloud, "hide", busy.pk, **htmx),
            moderate(facilitator_client, workshop, cloud, "merge", busy.pk, into=calm.pk, **htmx),
        ):
            assert response.status_code == 409
            assert "This workshop has finished" in response.content.decode()
    assert (Change.objects.version_of(workshop.pk), shown(cloud), stored(cloud)) == before


def test_a_stranger_forged_ids_and_another_workshops_cloud_are_refused(
    workshop, cloud, stranger_client, other_workshop, delegate_client
):
    assert send(stranger_client, workshop, cloud, "Busy").status_code == 404
    other = cloud_service.add_cloud_step(workshop=other_workshop, title="Theirs")
    cloud_service.open_cloud(cloud=other.word_cloud)
    assert send(delegate_client, workshop, other.word_cloud, "Busy").status_code == 404
    forged = {"cloud": "99999999", "word": ["Busy"], "key": uuid.uuid4()}
    url = reverse("workshops:cloud_words", args=[workshop.pk])
    assert delegate_client.post(url, forged).status_code == 404
    garbled = {"cloud": "x", "word": ["Busy"]}
    assert delegate_client.post(url, garbled, **HTMX).status_code == 400
    assert CloudWord.objects.count() == 0


def test_a_delegate_cannot_withdraw_another_delegates_word(workshop, cloud, delegate_client):
    eve = Client()
    join(eve, workshop, "Eve")
    send(eve, workshop, cloud, "Hers")
    hers = CloudWord.objects.get()
    response = withdraw(delegate_client, workshop, cloud, hers.pk, **HTMX)
    assert response.status_code == 404
    assert "That word is not one of yours" in response.content.decode()
    assert withdraw(delegate_client, workshop, cloud, 99999999).status_code == 404
    assert stored(cloud) == ["Hers"]


def test_the_phone_shows_the_form_with_labels_tied_to_help(workshop, cloud, delegate_client):
    page = delegate_client.get(reverse("workshops:phone", args=[workshop.pk])).content.decode()
    assert cloud.prompt in page
    assert page.count('name="word"') == 3
    assert f'for="cloud-word-{cloud.pk}-1"' in page
    assert f'aria-describedby="cloud-hint-{cloud.pk}"' in page


# --- held back, approval and moderation ------------------------------------------------------


def test_a_held_back_word_is_stored_but_not_shown_until_the_facilitator_shows_it(
    workshop, cloud, delegate_client, facilitator_client
):
    send(delegate_client, workshop, cloud, "shit", "Busy")
    assert sorted(stored(cloud)) == ["Busy", "shit"]
    projector = render_regions(workshop.pk, PROJECTOR).html["results"]
    assert "Busy" in projector
    assert "shit" not in projector
    console = render_regions(workshop.pk, FACILITATOR).html["results"]
    assert "shit" in console
    assert "held back" in console
    response = moderate(facilitator_client, workshop, cloud, "show", term(cloud, "shit").pk, **HTMX)
    assert response.status_code == 200
    assert "shit" in render_regions(workshop.pk, PROJECTOR).html["results"]


def test_the_events_own_words_are_held_back(workshop, cloud, delegate_client):
    workshop.event.held_words = "Acme Rivals\n"
    workshop.event.save()
    send(delegate_client, workshop, cloud, "acme rivals")
    assert term(cloud, "acme rivals").state == CloudTerm.State.HELD
    assert shown(cloud) == []


def test_approve_before_showing_holds_new_words(
    workshop, cloud, delegate_client, facilitator_client
):
    send(delegate_client, workshop, cloud, "Early")
    url = reverse("workshops:cloud_control", args=[workshop.pk, cloud.pk])
    assert facilitator_client.post(url, {"action": "approval-on"}).status_code == 302
    send(delegate_client, workshop, cloud, "Early", "Later")
    assert shown(cloud) == [("Early", 1)]
    assert [c.word for c in cloud_results(cloud).held] == ["Later"]


def test_the_facilitator_hides_and_merges_words(
    workshop, cloud, delegate_client, facilitator_client
):
    for words in [("Busy", "Hectic"), ("busy",), ("Hectic", "Calm")]:
        send(person(workshop), workshop, cloud, *words)
    assert shown(cloud) == [("Busy", 2), ("Hectic", 2), ("Calm", 1)]
    moderate(facilitator_client, workshop, cloud, "merge", term(cloud, "Hectic").pk,
             into=term(cloud, "Busy").pk)  # fmt: skip
    assert shown(cloud) == [("Busy", 4), ("Calm", 1)]
    moderate(facilitator_client, workshop, cloud, "hide", term(cloud, "Calm").pk)
    assert shown(cloud) == [("Busy", 4)]
    assert [(c.word, c.count) for c in cloud_results(cloud).hidden] == [("Calm", 1)]
    # A word sent later under a merged spelling counts with the word it was merged into.
    send(delegate_client, workshop, cloud, "hectic")
    assert shown(cloud) == [("Busy", 5)]
    # Hiding the merged word hides the word it went into.
    moderate(facilitator_client, workshop, cloud, "hide", term(cloud, "Hectic").pk)
    assert shown(cloud) == []


def test_moderation_refuses_forged_and_foreign_ids_and_outsiders(
    workshop, cloud, delegate_client, facilitator_client, outsider_client, other_workshop
):
    send(delegate_client, workshop, cloud, "Busy", "Calm")
    busy, calm = term(cloud, "Busy"), term(cloud, "Calm")
    assert (
        moderate(facilitator_client, workshop, cloud, "hide", 99999999, **HTMX).status_code == 404
    )
    same = moderate(facilitator_client, workshop, cloud, "merge", busy.pk, into=busy.pk, **HTMX)
    assert same.status_code == 409
    assert "Merge two different words." in same.content.decode()
    no_into = moderate(facilitator_client, workshop, cloud, "merge", busy.pk, **HTMX)
    assert no_into.status_code == 400
    assert moderate(outsider_client, workshop, cloud, "hide", busy.pk).status_code == 404
    other = cloud_service.add_cloud_step(workshop=other_workshop, title="Theirs")
    url = reverse("workshops:cloud_moderate", args=[workshop.pk, other.word_cloud.pk])
    assert facilitator_client.post(url, {"action": "hide", "term": busy.pk}).status_code == 404
    bad = moderate(facilitator_client, workshop, cloud, "explode", busy.pk, **HTMX)
    assert bad.status_code == 400
    assert shown(cloud) == [("Busy", 1), ("Calm", 1)]
    assert calm.state == CloudTerm.State.SHOWN


def test_the_console_opens_and_closes_the_cloud_and_refuses_a_stale_button(
    workshop, facilitator_client
):
    step = cloud_service.add_cloud_step(workshop=workshop, title="Words")
    services.show_step(workshop=workshop, step=step)
    url = reverse("workshops:cloud_control", args=[workshop.pk, step.word_cloud.pk])
    shown_open = f"{step.pk}:closed"
    opened = facilitator_client.post(url, {"action": "open", "shown": shown_open}, **HTMX)
    assert opened.status_code == 200
    assert "Words are open." in opened.content.decode()
    stale = facilitator_client.post(url, {"action": "open", "shown": shown_open}, **HTMX)
    assert stale.status_code == 409
    facilitator_client.post(url, {"action": "close"})
    step.word_cloud.refresh_from_db()
    assert not step.word_cloud.is_open
    assert step.word_cloud.opened_at


def test_a_cloud_step_is_added_from_the_console_form(workshop, facilitator_client):
    data = {"key": uuid.uuid4(), "kind": "cloud", "title": "Opener", "cloud_prompt": "",
            "words_each": "2", "cloud_approval": "on"}  # fmt: skip
    url = reverse("workshops:step_add", args=[workshop.pk])
    assert facilitator_client.post(url, data).status_code == 302
    cloud = WordCloud.objects.get(step__title="Opener")
    assert cloud.prompt == "One word for how productive your business feels today"
    assert (cloud.words_each, cloud.needs_approval) == (2, True)
    too_many = {**data, "key": uuid.uuid4(), "words_each": "11"}
    assert facilitator_client.post(url, too_many).status_code in (200, 400)
    assert WordCloud.objects.count() == 1


def test_a_hostile_word_is_shown_as_text(workshop, cloud, delegate_client):
    send(delegate_client, workshop, cloud, "<script>x</script>")
    for audience in (PROJECTOR, FACILITATOR, DELEGATE):
        html = render_regions(workshop.pk, audience).html["results"]
        assert "<script>x" not in html
        assert "&lt;script&gt;x&lt;/script&gt;" in html


# --- the database holds the invariants -------------------------------------------------------


def test_the_database_refuses_a_second_row_for_one_word_and_overlong_words(workshop, cloud):
    delegate = join(Client(), workshop)
    busy = CloudTerm.objects.create(cloud=cloud, key="busi")
    CloudWord.objects.create(cloud=cloud, term=busy, delegate=delegate, text="Busy")
    for bad in (
        {"term": busy, "text": "busy"},
        {"term": busy, "text": "a" * 26},  # PostgreSQL's varchar refuses it first
        {"term": CloudTerm.objects.create(cloud=cloud, key="x"), "text": ""},
    ):
        with pytest.raises((IntegrityError, DataError)), transaction.atomic():
            CloudWord.objects.create(cloud=cloud, delegate=delegate, **bad)
    with pytest.raises(IntegrityError), transaction.atomic():
        CloudTerm.objects.create(cloud=cloud, key="busi")
    with pytest.raises(IntegrityError), transaction.atomic():
        CloudTerm.objects.create(cloud=cloud, key="y", state="shouted")
    with pytest.raises(IntegrityError), transaction.atomic():
        WordCloud.objects.filter(pk=cloud.pk).update(words_each=0)


# --- archive and export ----------------------------------------------------------------------


def test_the_archive_report_and_csv_keep_the_words(
    workshop, cloud, delegate_client, facilitator_client
):
    send(delegate_client, workshop, cloud, "Busy", "shit")
    send(person(workshop), workshop, cloud, "busy")
    archive = facilitator_client.get(reverse("workshops:archive", args=[workshop.pk]))
    page = archive.content.decode()
    assert "<td>Busy</td><td>2</td>" in page
    assert "Not shown to the room" in page
    assert "(held back)" in page
    report = facilitator_client.get(reverse("workshops:archive_print", args=[workshop.pk]))
    assert "<td>Busy</td><td>2</td>" in report.content.decode()
    url = reverse("workshops:export_csv", args=[workshop.pk, "word-cloud"])
    response = facilitator_client.get(url)
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["step", "word", "count", "hidden"]
    position = str(Step.objects.get(kind="cloud").position + 1)
    assert rows[1:] == [[position, "Busy", "2", "no"], [position, "shit", "1", "yes"]]


# --- a delegate's own data ---------------------------------------------------------------------


def test_a_delegate_sees_their_words_and_erasing_keeps_them_anonymous(
    workshop, cloud, delegate_client
):
    send(delegate_client, workshop, cloud, "Overloaded")
    page = delegate_client.get(f"/e/{workshop.event_id}/my-data/").content.decode()
    assert "Your words in word clouds" in page
    assert "Overloaded" in page
    download = delegate_client.get(f"/e/{workshop.event_id}/my-data/download/").json()
    assert download["word_cloud"] == [{"workshop": workshop.title, "word": "Overloaded"}]
    delegate_client.post(f"/e/{workshop.event_id}/my-data/erase/", {"confirm": "on"})
    word = CloudWord.objects.get()
    assert word.delegate is None
    assert shown(cloud) == [("Overloaded", 1)]  # the count stays


def edit(client: Client, workshop, cloud, **fields):
    data = {"title": cloud.step.title, "body": "", "prompt": cloud.prompt, "words_each": 3}
    url = reverse("workshops:step_edit", args=[workshop.pk, cloud.step.pk])
    return client.post(url, {**data, **fields})


def test_the_edit_page_changes_the_prompt_and_the_number_of_words(
    workshop, cloud, facilitator_client
):
    url = reverse("workshops:step_edit", args=[workshop.pk, cloud.step.pk])
    page = facilitator_client.get(url).content.decode()
    assert "The word cloud" in page
    assert 'name="words_each" value="3"' in page
    version = Change.objects.version_of(workshop.pk)
    response = edit(facilitator_client, workshop, cloud, prompt="One word for Monday", words_each=5)
    assert response.status_code == 302
    cloud.refresh_from_db()
    assert (cloud.prompt, cloud.words_each) == ("One word for Monday", 5)
    assert Change.objects.version_of(workshop.pk) > version  # the screens are told


def test_once_words_are_given_their_number_stays_and_the_prompt_can_still_change(
    workshop, cloud, facilitator_client
):
    assert send(person(workshop), workshop, cloud, "Busy", "Lean", "Hopeful").status_code == 302
    assert CloudWord.objects.filter(cloud=cloud).count() == 3
    response = edit(facilitator_client, workshop, cloud, prompt="Changed", words_each=1)
    assert response.status_code == 400
    page = response.content.decode()
    assert "how many each delegate may give can no longer change" in page
    assert 'aria-invalid="true"' in page
    cloud.refresh_from_db()
    assert (cloud.prompt, cloud.words_each) == (str(cloud_service.DEFAULT_PROMPT), 3)
    assert cloud.step.title == "In one word"  # the whole edit refused, nothing half-saved
    assert edit(facilitator_client, workshop, cloud, prompt="Changed").status_code == 302
    cloud.refresh_from_db()
    assert (cloud.prompt, cloud.words_each) == ("Changed", 3)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"prompt": "  "}, "A word cloud needs a prompt."),
        ({"words_each": 11}, "less than or equal"),
    ],
)
def test_a_blank_prompt_or_an_out_of_range_number_is_refused_on_the_edit_page(
    workshop, cloud, facilitator_client, fields, message
):
    response = edit(facilitator_client, workshop, cloud, **fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    cloud.refresh_from_db()
    assert cloud.words_each == 3
