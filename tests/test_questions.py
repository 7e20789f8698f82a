"""Q&A with upvotes: delegates ask and upvote alongside any step; the facilitator opens,
moderates and puts the questions on the projector; every refusal says what was wrong."""

from __future__ import annotations

import uuid

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from sessions.agenda import services
from sessions.live.audiences import DELEGATE, FACILITATOR, PROJECTOR
from sessions.live.regions import render_regions
from sessions.models import Change, Question, Upvote
from sessions.questions import services as qa
from tests.conftest import join

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def board(workshop):
    return qa.open_questions(workshop=workshop)


def ask(
    client: Client, workshop, text="How do we start?", key=None, named=False, questions="", **extra
):
    data = {"text": text, "key": key or uuid.uuid4()}
    if questions:
        data["questions"] = questions
    if named:
        data["name_shown"] = "on"
    return client.post(reverse("workshops:question_ask", args=[workshop.pk]), data, **extra)


def upvote(client: Client, workshop, question, up="1", key=None, **extra):
    data = {"question": question if isinstance(question, str) else question.pk, "up": up}
    data["key"] = key or uuid.uuid4()
    return client.post(reverse("workshops:question_upvote", args=[workshop.pk]), data, **extra)


def switch(client: Client, workshop, action: str, **extra):
    url = reverse("workshops:question_switch", args=[workshop.pk])
    return client.post(url, {"action": action}, **extra)


def moderate(client: Client, workshop, question, action: str, **extra):
    url = reverse("workshops:question_moderate", args=[workshop.pk, question.pk])
    return client.post(url, {"action": action}, **extra)


def phone_page(client: Client, workshop, query="") -> str:
    return client.get(reverse("workshops:phone", args=[workshop.pk]) + query).content.decode()


def votes_of(question) -> int:
    return Upvote.objects.filter(question=question).count()


@pytest.fixture
def second_client(workshop) -> Client:
    client = Client()
    client.delegate = join(client, workshop, "Sam")
    return client


# --- the facilitator's switches ------------------------------------------------------------


def test_the_ask_section_shows_on_phones_only_while_questions_are_open(
    workshop, facilitator_client, delegate_client
):
    assert "Your question" not in phone_page(delegate_client, workshop)
    response = switch(facilitator_client, workshop, "open", **HTMX)
    assert response.status_code == 200
    assert "Questions are open" in response.content.decode()
    page = phone_page(delegate_client, workshop)
    assert "Your question" in page
    assert 'href="#questions"' in page
    switch(facilitator_client, workshop, "close")
    assert "Your question" not in phone_page(delegate_client, workshop)


def test_questions_open_alongside_any_step(workshop, board, delegate_client):
    step = services.add_step(workshop=workshop, title="Welcome")
    services.show_step(workshop=workshop, step=step)
    assert "Your question" in phone_page(delegate_client, workshop)


def test_an_outsider_cannot_switch_or_moderate_questions(
    workshop, board, outsider_client, delegate_client
):
    ask(delegate_client, workshop)
    question = Question.objects.get()
    assert switch(outsider_client, workshop, "close").status_code == 404
    assert moderate(outsider_client, workshop, question, "hide").status_code == 404
    board.refresh_from_db()
    question.refresh_from_db()
    assert board.is_open
    assert question.status == "shown"


def test_a_garbled_switch_is_refused_in_the_page(workshop, facilitator_client):
    response = switch(facilitator_client, workshop, "explode", **HTMX)
    assert response.status_code == 400
    assert response["HX-Reswap"] == "none"
    assert "not understood" in response.content.decode()


# --- asking --------------------------------------------------------------------------------


def test_a_delegate_asks_anonymously_by_default(workshop, board, delegate_client):
    response = ask(delegate_client, workshop, "  Where   do we start?  ", **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "your question is on the list" in body
    question = Question.objects.get()
    assert question.text == "Where do we start?"
    assert not question.name_shown
    assert question.delegate == delegate_client.delegate
    for audience in (DELEGATE, PROJECTOR, FACILITATOR):
        assert "Dana" not in render_regions(workshop.pk, audience, ("questions",)).joined()


def test_a_name_shows_only_when_the_delegate_ticks_it(workshop, board, delegate_client):
    ask(delegate_client, workshop, "Named one", named=True)
    ask(delegate_client, workshop, "Anonymous one")
    qa.set_question_settings(workshop=workshop, projector="beside")
    console = render_regions(workshop.pk, FACILITATOR, ("questions",)).joined()
    assert console.count("Dana") == 1
    assert "Dana" in phone_page(delegate_client, workshop)


def test_a_blank_question_is_refused_with_its_message(workshop, board, delegate_client):
    response = ask(delegate_client, workshop, "   ", **HTMX)
    assert response.status_code == 400
    assert "Please type a question" in response.content.decode()
    assert not Question.objects.exists()


def test_an_over_long_question_is_refused_and_the_text_kept_without_scripts(
    workshop, board, delegate_client
):
    text = "x" * 281
    response = ask(delegate_client, workshop, text)
    assert response.status_code == 400
    page = response.content.decode()
    assert "at most 280 characters" in page
    assert text in page  # back in the field, with the page around it
    assert not Question.objects.exists()
    assert ask(delegate_client, workshop, "y" * 280).status_code == 302


def test_asking_while_closed_is_refused(workshop, delegate_client):
    response = ask(delegate_client, workshop, **HTMX)
    assert response.status_code == 409
    assert "not open yet" in response.content.decode()
    qa.open_questions(workshop=workshop)
    qa.open_questions(workshop=workshop, is_open=False)
    response = ask(delegate_client, workshop, **HTMX)
    assert response.status_code == 409
    assert "Questions are closed" in response.content.decode()
    assert not Question.objects.exists()


def test_a_stranger_cannot_ask(workshop, board, stranger_client):
    assert ask(stranger_client, workshop).status_code == 404
    assert not Question.objects.exists()


def test_a_replayed_question_lands_once(workshop, board, delegate_client):
    key = uuid.uuid4()
    ask(delegate_client, workshop, key=key)
    before = Change.objects.version_of(workshop.pk)
    again = ask(delegate_client, workshop, key=key, **HTMX)
    assert again.status_code == 200
    assert "Already sent" in again.content.decode()
    assert Question.objects.count() == 1
    assert Change.objects.version_of(workshop.pk) == before


def test_a_question_with_a_held_back_word_waits_for_the_facilitator(
    workshop, board, delegate_client, facilitator_client
):
    workshop.event.held_words = "Acme Widgets"
    workshop.event.save()
    response = ask(delegate_client, workshop, "Why not buy from acme widgets?", **HTMX)
    assert "will read your question" in response.content.decode()
    question = Question.objects.get()
    assert question.status == "held"
    assert "acme" not in phone_page(delegate_client, workshop)
    console = render_regions(workshop.pk, FACILITATOR, ("questions",)).joined()
    assert "held back" in console
    assert "acme widgets" in console
    moderate(facilitator_client, workshop, question, "show")
    assert "acme widgets" in phone_page(delegate_client, workshop)


def test_with_approval_on_questions_wait_until_approved(
    workshop, board, delegate_client, facilitator_client
):
    switch(facilitator_client, workshop, "approval_on")
    ask(delegate_client, workshop, "Can we see the slides?")
    assert "Can we see the slides?" not in phone_page(delegate_client, workshop)
    question = Question.objects.get()
    assert question.status == "waiting"
    # Switching approval off does not show what waits.
    switch(facilitator_client, workshop, "approval_off")
    assert "Can we see the slides?" not in phone_page(delegate_client, workshop)
    moderate(facilitator_client, workshop, question, "show")
    assert "Can we see the slides?" in phone_page(delegate_client, workshop)


def test_a_hostile_question_is_shown_as_text(workshop, board, delegate_client):
    ask(delegate_client, workshop, '<script>alert(1)</script><b onclick="x()">bold</b>')
    qa.set_question_settings(workshop=workshop, projector="instead")
    for audience in (DELEGATE, PROJECTOR, FACILITATOR):
        html = render_regions(workshop.pk, audience, ("questions",)).joined()
        assert "<script>alert" not in html
        assert "<b onclick" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- upvoting ------------------------------------------------------------------------------


@pytest.fixture
def question(workshop, board, second_client):
    ask(second_client, workshop, "What is the first step?")
    return Question.objects.get()


def test_a_delegate_upvotes_and_takes_it_back(workshop, question, delegate_client):
    key = uuid.uuid4()
    response = upvote(delegate_client, workshop, question, key=key, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    # The answer acknowledges the key with the version that includes the upvote, and says
    # which questions this phone upvoted (the list's counts come with the next push).
    version = Change.objects.version_of(workshop.pk)
    assert f'data-upvoted="{question.pk}"' in body
    assert f'data-ack="{key}" data-change="{version}"' in body
    assert votes_of(question) == 1
    assert 'aria-pressed="true"' in phone_page(delegate_client, workshop)
    response = upvote(delegate_client, workshop, question, up="0", **HTMX)
    assert response.status_code == 200
    assert "Upvote taken back" in response.content.decode()
    assert 'data-upvoted=""' in response.content.decode()
    assert votes_of(question) == 0


def test_the_chosen_order_survives_asking_and_upvoting(workshop, question, delegate_client):
    url = reverse("workshops:question_upvote", args=[workshop.pk])
    data = {"question": question.pk, "up": "1", "key": uuid.uuid4(), "questions": "new"}
    answer = delegate_client.post(url, data, **HTMX)
    assert 'data-sort="new"' in answer.content.decode()
    data = {"question": question.pk, "up": "0", "key": uuid.uuid4(), "questions": "new"}
    plain = delegate_client.post(url, data)
    assert plain["Location"].endswith("?questions=new#questions")
    asked = ask(delegate_client, workshop, "Sorted?", **HTMX, questions="new")
    assert 'data-sort="new"' in asked.content.decode()


def test_upvoting_twice_is_refused(workshop, question, delegate_client):
    upvote(delegate_client, workshop, question)
    response = upvote(delegate_client, workshop, question, **HTMX)
    assert response.status_code == 409
    assert "already upvoted" in response.content.decode()
    assert votes_of(question) == 1


def test_the_database_holds_one_upvote_per_delegate_and_question(question, delegate_client):
    Upvote.objects.create(question=question, delegate=delegate_client.delegate)
    with pytest.raises(IntegrityError), transaction.atomic():
        Upvote.objects.create(question=question, delegate=delegate_client.delegate)


def test_taking_back_an_upvote_never_given_is_refused(workshop, question, delegate_client):
    response = upvote(delegate_client, workshop, question, up="0", **HTMX)
    assert response.status_code == 409
    assert "nothing to take back" in response.content.decode()


def test_a_replayed_upvote_lands_once(workshop, question, delegate_client):
    key = uuid.uuid4()
    upvote(delegate_client, workshop, question, key=key)
    again = upvote(delegate_client, workshop, question, key=key, **HTMX)
    assert again.status_code == 200
    assert "Already counted" in again.content.decode()
    assert votes_of(question) == 1


def test_upvoting_a_hidden_question_is_refused(workshop, question, delegate_client):
    qa.moderate_question(workshop=workshop, question_id=question.pk, action="hide")
    response = upvote(delegate_client, workshop, question, **HTMX)
    assert response.status_code == 409
    assert "not shown" in response.content.decode()
    assert votes_of(question) == 0


def test_upvoting_after_questions_close_is_refused(workshop, question, delegate_client):
    qa.open_questions(workshop=workshop, is_open=False)
    response = upvote(delegate_client, workshop, question, **HTMX)
    assert response.status_code == 409
    assert "closed" in response.content.decode()


@pytest.mark.parametrize("forged", ["999999", "-1", "abc", "²", "1" * 40, ""])
def test_a_forged_question_id_is_refused_in_the_page(workshop, question, delegate_client, forged):
    response = upvote(delegate_client, workshop, forged, **HTMX)
    assert response.status_code in {400, 404}
    assert response["HX-Reswap"] == "none"
    assert votes_of(question) == 0


def test_another_workshops_question_looks_like_none(
    workshop, question, other_workshop, delegate_client
):
    other_client = Client()
    join(other_client, other_workshop, "Otto")
    qa.open_questions(workshop=other_workshop)
    response = upvote(other_client, other_workshop, question, **HTMX)
    assert response.status_code == 404
    assert "not part of this workshop" in response.content.decode()
    # and the facilitator of one workshop cannot moderate through the other's address
    url = reverse("workshops:question_moderate", args=[other_workshop.pk, question.pk])
    assert Client().post(url, {"action": "hide"}).status_code == 302  # not logged in


def test_a_delegate_may_upvote_their_own_question(workshop, question, second_client):
    assert upvote(second_client, workshop, question).status_code == 302
    assert votes_of(question) == 1


def test_plain_form_posts_work_without_scripts(workshop, question, delegate_client):
    response = upvote(delegate_client, workshop, question)
    assert response.status_code == 302
    assert response["Location"].endswith("#questions")
    page = phone_page(delegate_client, workshop)
    assert 'aria-pressed="true"' in page
    assert votes_of(question) == 1


def test_phones_sort_by_votes_or_newest(workshop, question, delegate_client, second_client):
    ask(second_client, workshop, "A newer question")
    newer = Question.objects.get(text="A newer question")
    upvote(delegate_client, workshop, question)
    top = phone_page(delegate_client, workshop)
    assert top.index("What is the first step?") < top.index("A newer question")
    new = phone_page(delegate_client, workshop, "?questions=new")
    assert new.index("A newer question") < new.index("What is the first step?")
    assert 'data-sort="new"' in new
    assert newer.pk


# --- moderation ----------------------------------------------------------------------------


def test_one_question_is_pinned_at_a_time(workshop, board, delegate_client, facilitator_client):
    ask(delegate_client, workshop, "First")
    ask(delegate_client, workshop, "Second")
    first, second = Question.objects.order_by("id")
    moderate(facilitator_client, workshop, first, "pin")
    moderate(facilitator_client, workshop, second, "pin")
    assert list(Question.objects.filter(pinned=True)) == [second]
    with pytest.raises(IntegrityError), transaction.atomic():
        Question.objects.filter(pk=first.pk).update(pinned=True)


def test_the_projector_shows_the_pinned_question_large_with_counts(
    workshop, question, delegate_client, facilitator_client
):
    assert "What is the first step?" not in render_regions(workshop.pk, PROJECTOR).joined()
    switch(facilitator_client, workshop, "projector_instead")
    upvote(delegate_client, workshop, question)
    moderate(facilitator_client, workshop, question, "pin")
    html = render_regions(workshop.pk, PROJECTOR, ("questions",)).joined()
    assert "qa-instead" in html
    assert 'class="qa-pinned"' in html
    assert '>1<span class="visually-hidden"> upvote<' in html


def test_answered_and_hidden_questions_leave_the_projector(workshop, question, facilitator_client):
    switch(facilitator_client, workshop, "projector_beside")
    moderate(facilitator_client, workshop, question, "answered")
    html = render_regions(workshop.pk, PROJECTOR, ("questions",)).joined()
    assert "What is the first step?" not in html
    assert "Answered" in render_regions(workshop.pk, DELEGATE, ("questions",)).joined()
    moderate(facilitator_client, workshop, question, "hide")
    assert "What is the first step?" not in render_regions(workshop.pk, DELEGATE).joined()


def test_the_facilitator_edits_a_question(workshop, question, facilitator_client):
    url = reverse("workshops:question_edit", args=[workshop.pk, question.pk])
    response = facilitator_client.post(url, {"text": "What is the very first step?"}, **HTMX)
    assert response.status_code == 200
    question.refresh_from_db()
    assert question.text == "What is the very first step?"
    assert question.edited
    assert facilitator_client.post(url, {"text": " "}, **HTMX).status_code == 400


def test_moderating_another_workshops_question_is_refused(
    workshop, question, other_workshop, outsider_client
):
    url = reverse("workshops:question_moderate", args=[other_workshop.pk, question.pk])
    response = outsider_client.post(url, {"action": "hide"}, **HTMX)
    assert response.status_code == 404
    question.refresh_from_db()
    assert question.status == "shown"


def test_pinning_a_hidden_question_is_refused(workshop, question, facilitator_client):
    moderate(facilitator_client, workshop, question, "hide")
    response = moderate(facilitator_client, workshop, question, "pin", **HTMX)
    assert response.status_code == 409


def test_nothing_changes_after_the_workshop_finishes(
    workshop, question, delegate_client, facilitator_client
):
    services.close_workshop(workshop=workshop)
    assert upvote(delegate_client, workshop, question, **HTMX).status_code == 409
    assert ask(delegate_client, workshop, **HTMX).status_code == 409
    assert moderate(facilitator_client, workshop, question, "hide", **HTMX).status_code == 409
    assert switch(facilitator_client, workshop, "close", **HTMX).status_code == 409
    url = reverse("workshops:question_edit", args=[workshop.pk, question.pk])
    assert facilitator_client.post(url, {"text": "Changed"}, **HTMX).status_code == 409
    question.refresh_from_db()
    assert question.status == "shown"
    assert question.text == "What is the first step?"


# --- the archive and the export ------------------------------------------------------------


def test_the_archive_keeps_questions_votes_and_answered(
    workshop, question, delegate_client, facilitator_client, second_client
):
    upvote(delegate_client, workshop, question)
    moderate(facilitator_client, workshop, question, "answered")
    ask(second_client, workshop, "Secret one")
    qa.moderate_question(
        workshop=workshop, question_id=Question.objects.get(text="Secret one").pk, action="hide"
    )
    services.close_workshop(workshop=workshop)
    page = facilitator_client.get(reverse("workshops:archive", args=[workshop.pk]))
    body = page.content.decode()
    assert "Questions from the room" in body
    assert "What is the first step?" in body
    assert "Answered" in body
    assert "Secret one" in body  # the facilitator's archive marks it hidden
    printed = facilitator_client.get(reverse("workshops:archive_print", args=[workshop.pk]))
    assert "What is the first step?" in printed.content.decode()
    from sessions.archive import services as archive

    shared = archive.share_archive(workshop=workshop)
    public = Client().get(reverse("workshops:archive_shared", args=[shared.archive_token]))
    assert "What is the first step?" in public.content.decode()
    assert "Secret one" not in public.content.decode()
    assert "Sam" not in public.content.decode()  # asked anonymously


def test_the_questions_export_has_counts_and_names_only_where_given(
    workshop, board, delegate_client, second_client, facilitator_client
):
    ask(delegate_client, workshop, '=HYPERLINK("x")', named=True)
    ask(second_client, workshop, "Anonymous here")
    named, anonymous = Question.objects.order_by("id")
    upvote(second_client, workshop, named)
    url = reverse("workshops:export_csv", args=[workshop.pk, "questions"])
    response = facilitator_client.get(url)
    text = b"".join(response.streaming_content).decode()
    lines = text.strip().splitlines()
    assert lines[0].startswith("question,upvotes,answered,pinned,status,asked by")
    assert lines[1].startswith("'=HYPERLINK") or lines[1].startswith("\"'=HYPERLINK")
    assert ",1,no,no,Shown,Dana," in lines[1]
    assert lines[2].startswith("Anonymous here,0,no,no,Shown,,")
    assert "Sam" not in text
    assert anonymous.pk


# --- a delegate's own data -----------------------------------------------------------------


def test_a_delegates_questions_are_in_their_data_and_erasing_keeps_them_anonymous(
    workshop, question, delegate_client, second_client
):
    from sessions.privacy import services as privacy

    upvote(delegate_client, workshop, question)
    ask(second_client, workshop, "Named question", named=True)
    data = privacy.my_data(second_client.delegate)
    assert [q["text"] for q in data["questions"]] == ["What is the first step?", "Named question"]
    assert privacy.my_data(delegate_client.delegate)["upvotes"] == 1
    page = second_client.get(reverse("workshops:my_data", args=[workshop.event_id]))
    assert "Named question" in page.content.decode()
    privacy.erase_delegate(delegate=second_client.delegate)
    privacy.erase_delegate(delegate=delegate_client.delegate)
    named = Question.objects.get(text="Named question")
    assert named.delegate is None
    assert named.author_name == ""
    assert votes_of(question) == 1  # the count stays, anonymous
    assert not Upvote.objects.filter(delegate__isnull=False).exists()


def test_a_facilitator_cannot_reach_another_workshops_question_through_their_own(
    workshop, question, event, facilitator_client
):
    mine = services.create_workshop(event=event, title="My other workshop")
    qa.open_questions(workshop=mine)
    url = reverse("workshops:question_moderate", args=[mine.pk, question.pk])
    response = facilitator_client.post(url, {"action": "hide"}, **HTMX)
    assert response.status_code == 404
    assert "not part of this workshop" in response.content.decode()
    edit = reverse("workshops:question_edit", args=[mine.pk, question.pk])
    assert facilitator_client.post(edit, {"text": "Changed"}, **HTMX).status_code == 404
    question.refresh_from_db()
    assert question.status == "shown"
    assert question.text == "What is the first step?"


def test_finishing_the_workshop_redraws_the_questions_everywhere(workshop, board):
    from sessions.live import events

    assert {"ask_tab", "questions"} <= events.redraws(events.WORKSHOP_FINISHED)
