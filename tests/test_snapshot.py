"""The Productivity Snapshot: scoring and suppression, the delegate's pages, the organiser's
page and export, the retake, and the "Where we are" step."""

from __future__ import annotations

import csv
import io
import random
import uuid

import pytest
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st

from sessions.agenda import services as workshop_services
from sessions.models import Delegate, Poll, SnapshotAnswer, SnapshotResponse, SnapshotSetup, Step
from sessions.snapshot import scoring, services
from sessions.snapshot.bank import CORE_CODES, DIMENSIONS, EDITABLE_CODES, ITEMS
from sessions.snapshot.scoring import Suppressed
from tests.conftest import join

CHALLENGES = ["Energy costs", "Recruiting skilled staff", "Late deliveries", "Scrap and rework"]


def answers(per_dimension: dict[str, list[int | None]]) -> dict[str, int | None]:
    """{dimension: its items' answers in order} as {item code: answer}."""
    return {
        f"{code}_{n}": value
        for code, values in per_dimension.items()
        for n, value in enumerate(values, start=1)
    }


def uniform(value: int | None) -> dict[str, int | None]:
    return {item.code: value for item in ITEMS}


# --- scoring --------------------------------------------------------------------------------


def test_a_dimension_is_the_mean_of_its_answered_items_times_25():
    scores = scoring.score_answers(answers({"flow": [3, 2, 4], "measure": [4, 4, 4]}))
    assert scores.of("flow").score == 75
    assert scores.of("measure").score == 100
    assert scores.of("flow").level == "leading"


def test_not_sure_is_counted_but_not_scored():
    scores = scoring.score_answers(answers({"flow": [1, None, 2]}))
    assert scores.of("flow").score == 38  # mean 1.5 x 25 = 37.5, half rounds up
    assert scores.of("flow").not_sure == 1
    assert scores.not_sure == 1


def test_fewer_than_two_answered_items_leave_a_dimension_insufficient():
    scores = scoring.score_answers(answers({"flow": [4, None, None], "goals": [0, 0]}))
    assert scores.of("flow").score is None
    assert scores.of("flow").level is None
    assert scores.of("goals").score == 0
    assert scores.of("people").score is None  # nothing answered


def test_overall_is_the_mean_of_the_sufficient_dimensions_only():
    scores = scoring.score_answers(answers({"flow": [4, 4, 4], "goals": [2, 2], "people": [1]}))
    assert scores.overall == 75  # (100 + 50) / 2; people and the rest are insufficient
    assert scoring.score_answers(answers({"flow": [None, None, 3]})).overall is None


@pytest.mark.parametrize(
    ("score", "label"),
    [(0, "starting"), (24, "starting"), (25, "developing"), (49, "developing"),
     (50, "established"), (74, "established"), (75, "leading"), (100, "leading")],
)  # fmt: skip
def test_labels_at_their_boundaries(score, label):
    assert scoring.level_of(score) == label


def cohort_of_size(n: int, seed: int = 1) -> list[scoring.Scores]:
    rng = random.Random(seed)
    return [
        scoring.score_answers({item.code: rng.choice([0, 1, 2, 3, 4]) for item in ITEMS})
        for _ in range(n)
    ]


def test_cohort_is_withheld_below_10_respondents_and_shown_from_10():
    assert isinstance(scoring.cohort(cohort_of_size(9)), Suppressed)
    shown = scoring.cohort(cohort_of_size(10))
    assert shown.n == 10
    assert not isinstance(shown.of("flow"), Suppressed)
    assert str(scoring.cohort(cohort_of_size(9))) == "Not enough responses yet"


def test_a_dimension_scored_by_fewer_than_5_is_withheld_even_in_a_big_cohort():
    rows = cohort_of_size(6) + [scoring.score_answers(answers({"flow": [1, 1]}))] * 6
    cohort = scoring.cohort(rows)
    assert cohort.of("flow").n == 12
    rows = cohort_of_size(4) + [scoring.score_answers(answers({"flow": [1, 1]}))] * 6
    assert isinstance(scoring.cohort(rows).of("goals"), Suppressed)  # only 4 scored it


def test_spread_is_withheld_at_4_and_shown_at_5():
    assert isinstance(scoring.spread([10, 20, 30, 40]), Suppressed)
    spread = scoring.spread([10, 20, 30, 40, 50])
    assert (spread.low, spread.median, spread.high, spread.n) == (20, 30, 40, 5)


def test_standing_is_told_in_quartile_words():
    spread = scoring.spread([10, 20, 30, 40, 50])
    assert scoring.standing(45, spread).words == "in the top quarter"
    assert scoring.standing(30, spread).words == "in the middle half"
    assert scoring.standing(30, spread).above_median
    assert not scoring.standing(25, spread).above_median
    assert scoring.standing(5, spread).words == "in the bottom quarter"
    assert scoring.standing(50, Suppressed()) is None


def test_size_groups_under_5_are_pooled_so_none_can_be_worked_out():
    shown = scoring.groups({"1-9": 7, "10-19": 6, "20-49": 2}, ["1-9", "10-19", "20-49"])
    # 20-49 alone (2) would be the total minus the others, so the smallest shown joins it.
    assert shown.shown == (("1-9", 7),)
    assert shown.other == 8
    many = scoring.groups({"1-9": 7, "10-19": 6, "20-49": 5}, ["1-9", "10-19", "20-49"])
    assert many.shown == (("1-9", 7), ("10-19", 6), ("20-49", 5))
    assert many.other is None
    tiny = scoring.groups({"1-9": 3}, ["1-9"])
    assert tiny.shown == ()
    assert isinstance(tiny.other, Suppressed)


def test_focus_areas_are_the_lowest_sufficient_dimensions():
    scores = scoring.score_answers(
        answers({"flow": [4, 4], "measure": [1, 1], "goals": [2, 2], "people": [0, None],
                 "digital": [3, 3], "supply": [4, 3]})
    )  # fmt: skip
    assert [d.code for d in scoring.focus_areas(scores)] == ["measure", "goals"]
    leading = scoring.score_answers(answers({"flow": [4, 4], "goals": [3, 4], "supply": [4, 3]}))
    assert [d.code for d in scoring.focus_areas(leading)] == ["goals"]  # the rest lead anyway
    assert scoring.focus_areas(scoring.score_answers({})) == []


def test_retake_movement_per_dimension():
    first = scoring.score_answers(answers({"flow": [1, 1], "goals": [2, 2], "people": [3]}))
    second = scoring.score_answers(answers({"flow": [3, 3], "goals": [2, 1], "people": [3, 3]}))
    moves = scoring.movement(first, second)
    assert moves["flow"] == 50
    assert moves["goals"] == -12  # 50 -> 38
    assert moves["people"] is None  # not scored the first time


def test_paired_median_change_is_withheld_under_5_pairs():
    low = scoring.score_answers(answers({"flow": [1, 1]}))
    high = scoring.score_answers(answers({"flow": [3, 3]}))
    assert isinstance(scoring.paired_change([(low, high)] * 4)["flow"], Suppressed)
    assert scoring.paired_change([(low, high)] * 5)["flow"] == 50


answer_values = st.one_of(st.none(), st.integers(min_value=0, max_value=4))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from([i.code for i in ITEMS]), answer_values))
def test_property_scores_are_always_within_0_and_100(given_answers):
    scores = scoring.score_answers(given_answers)
    for value in [scores.overall, *[d.score for d in scores.dimensions]]:
        assert value is None or 0 <= value <= 100
    for area in scoring.focus_areas(scores):
        assert area.score is not None


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["a", "b", "c", "d", "e", "f"]), st.integers(0, 12)))
def test_property_suppression_never_leaks_a_group_below_5(counts):
    kept = scoring.groups(counts, ["a", "b", "c", "d", "e", "f"])
    assert all(count >= scoring.CUT_MIN for _, count in kept.shown)
    left_over = sum(counts.values()) - sum(count for _, count in kept.shown)
    assert left_over == 0 or left_over >= scoring.CUT_MIN or sum(counts.values()) < 5
    if isinstance(kept.other, int):
        assert kept.other >= scoring.CUT_MIN


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 100), max_size=30))
def test_property_a_spread_is_a_number_only_for_5_or_more(values):
    spread = scoring.spread(values)
    if len(values) < scoring.CUT_MIN:
        assert isinstance(spread, Suppressed)
        assert not any(c.isdigit() for c in str(spread))
    else:
        assert 0 <= spread.low <= spread.median <= spread.high <= 100


def test_bank_has_18_items_6_dimensions_and_a_core_of_12():
    assert len(ITEMS) == 18
    assert len(DIMENSIONS) == 6
    assert len(CORE_CODES) == 12
    for dimension in DIMENSIONS:
        mine = [i for i in ITEMS if i.dimension == dimension.code]
        assert len(mine) == 3
        assert sum(i.core for i in mine) == 2
        assert set(dimension.next_level) == {"starting", "developing", "established", "leading"}


# --- fixtures and helpers for the pages -------------------------------------------------------


@pytest.fixture
def setup(event) -> SnapshotSetup:
    setup = services.setup_for(event)
    return services.configure(setup=setup, state="open", challenges=CHALLENGES, wording={})


def finished(setup, value=2, *, employees="10-19", picks=("Energy costs",), consent=True):
    """A finished first-round Snapshot of a new delegate of the event."""
    response = services.start(setup=setup, delegate_key=None)
    for item in ITEMS:
        services.answer(response=response, item=item.code, value=value)
    services.save_profile(
        response=response, sector="metals", employees=employees, region="North", role="owner",
        consent_export=consent, consent_contact=False,
    )  # fmt: skip
    return services.finish(response=response, picks=list(picks), other="")


def start(client: Client, setup: SnapshotSetup) -> SnapshotResponse:
    page = client.post(f"/s/{setup.invite_token}/")
    assert page.status_code == 302
    return SnapshotResponse.objects.get(token=page.url.split("/")[2])


# --- the delegate's pages ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_invitation_starts_a_snapshot_and_recognises_the_phone(setup):
    client = Client()
    assert "Start the Snapshot" in client.get(f"/s/{setup.invite_token}/").content.decode()
    response = start(client, setup)
    assert response.delegate.event == setup.event
    assert start(client, setup) == response  # the same phone resumes, no second response
    assert "Carry on where you left off" in client.get(f"/s/{setup.invite_token}/").content.decode()
    assert client.get(f"/snapshot/{response.token}/").url == f"/snapshot/{response.token}/q/1/"


@pytest.mark.django_db
def test_each_answer_is_saved_at_once_and_moves_on(setup):
    client = Client()
    response = start(client, setup)
    page = client.post(f"/snapshot/{response.token}/q/1/", {"value": "3"})
    assert page.url == f"/snapshot/{response.token}/q/2/"
    client.post(f"/snapshot/{response.token}/q/2/", {"value": "unsure"})
    assert services.answers_of(response) == {"flow_1": 3, "flow_2": None}
    # A retried or changed answer replaces the stored one.
    client.post(f"/snapshot/{response.token}/q/1/", {"value": "4"})
    client.post(f"/snapshot/{response.token}/q/1/", {"value": "4"})
    assert SnapshotAnswer.objects.filter(response=response).count() == 2
    assert services.answers_of(response)["flow_1"] == 4
    # From another device, the own link resumes at the first unanswered question.
    assert Client().get(f"/snapshot/{response.token}/").url.endswith("/q/3/")


@pytest.mark.django_db
def test_htmx_gets_the_next_question_and_its_address(setup):
    client = Client()
    response = start(client, setup)
    page = client.post(f"/snapshot/{response.token}/q/1/", {"value": "2"}, HTTP_HX_REQUEST="true")
    html = page.content.decode()
    assert page.status_code == 200
    assert page["HX-Push-Url"] == f"/snapshot/{response.token}/q/2/"
    assert 'id="snapshot-card"' in html
    assert "Question 2 of 18" in html
    assert "<html" not in html


@pytest.mark.django_db
def test_a_snapshot_is_finished_with_profile_and_challenges_and_finishing_twice_changes_nothing(
    setup,
):
    client = Client()
    response = start(client, setup)
    for number, _item in enumerate(ITEMS, start=1):
        client.post(f"/snapshot/{response.token}/q/{number}/", {"value": "2"})
    assert client.get(f"/snapshot/{response.token}/").url.endswith("/about/")
    about = {"sector": "food", "employees": "20-49", "region": "", "role": "manager",
             "consent_export": "on"}  # fmt: skip
    assert client.post(f"/snapshot/{response.token}/about/", about).url.endswith("/challenges/")
    picks = {"picks": ["Energy costs", "Late deliveries"], "other": "Cash flow"}
    done = client.post(f"/snapshot/{response.token}/challenges/", picks)
    assert done.url == f"/snapshot/{response.token}/results/"
    response.refresh_from_db()
    first_finish = response.completed_at
    assert response.challenges == ["Energy costs", "Late deliveries"]
    again = client.post(f"/snapshot/{response.token}/challenges/", {"picks": ["Scrap and rework"]})
    assert again.url == f"/snapshot/{response.token}/results/"
    response.refresh_from_db()
    assert response.completed_at == first_finish
    assert response.challenges == ["Energy costs", "Late deliveries"]
    results = client.get(done.url).content.decode()
    assert 'data-score="50"' in results
    assert "Established" in results
    assert "Not enough responses yet" in results  # a cohort of one
    assert f"/snapshot/{response.token}/" in results  # the own link


@pytest.mark.django_db
def test_results_place_the_delegate_in_a_cohort_of_10(setup):
    for value in [0, 1, 1, 2, 2, 2, 3, 3, 4]:
        finished(setup, value)
    client = Client()
    mine = finished(setup, 4)
    html = client.get(f"/snapshot/{mine.token}/results/").content.decode()
    assert "in the top quarter" in html
    assert "The middle half of the group scored 31 to 75, median 50" in html  # inclusive quartiles
    assert html.count('class="band"') == 6
    assert "You are ahead of the middle of the group" in html
    assert "Not enough responses yet" not in html
    assert "What the next level looks like" in html


@pytest.mark.django_db
def test_a_forged_or_mistyped_link_is_refused(setup):
    client = Client()
    for address in ["/snapshot/forged/", "/snapshot/forged/q/1/", "/snapshot/forged/results/",
                    "/s/forged/"]:  # fmt: skip
        page = client.get(address)
        assert page.status_code == 404
        assert "not valid" in page.content.decode() or "not open" in page.content.decode()
    assert client.post("/snapshot/forged/q/1/", {"value": "2"}).status_code == 404
    assert SnapshotAnswer.objects.count() == 0


@pytest.mark.django_db
def test_questions_out_of_range_and_bad_values_are_refused_and_save_nothing(setup):
    client = Client()
    response = start(client, setup)
    assert client.get(f"/snapshot/{response.token}/q/19/").status_code == 404
    assert client.post(f"/snapshot/{response.token}/q/0/", {"value": "2"}).status_code == 404
    for bad in ["5", "-1", "", "three"]:
        page = client.post(f"/snapshot/{response.token}/q/1/", {"value": bad})
        assert page.status_code == 400
        assert "Nothing was saved" in page.content.decode()
    assert not SnapshotAnswer.objects.exists()
    with pytest.raises(Exception, match="not part of the Snapshot"):
        services.answer(response=response, item="nope_1", value=2)


@pytest.mark.django_db
def test_a_closed_or_disabled_snapshot_refuses_answers_but_keeps_them(setup):
    client = Client()
    response = start(client, setup)
    client.post(f"/snapshot/{response.token}/q/1/", {"value": "3"})
    services.configure(setup=setup, state="closed", challenges=CHALLENGES, wording={})
    page = client.post(f"/snapshot/{response.token}/q/2/", {"value": "3"})
    assert page.status_code == 409
    assert "closed" in page.content.decode()
    assert services.answers_of(response) == {"flow_1": 3}
    assert Client().post(f"/s/{setup.invite_token}/").status_code == 409
    services.configure(setup=setup, state="off", challenges=CHALLENGES, wording={})
    assert Client().get(f"/s/{setup.invite_token}/").status_code == 404


@pytest.mark.django_db
def test_a_finished_snapshot_refuses_new_answers(setup):
    response = finished(setup, 2)
    page = Client().post(f"/snapshot/{response.token}/q/1/", {"value": "4"})
    assert page.status_code == 409
    assert services.answers_of(response)["flow_1"] == 2


@pytest.mark.django_db
def test_the_phone_page_shows_the_delegates_own_link(setup, workshop):
    client = Client()
    response = start(client, setup)
    join(client, workshop, "Dana")  # the same phone joins a workshop of the event
    html = client.get(f"/w/{workshop.pk}/").content.decode()
    assert f'href="/snapshot/{response.token}/"' in html
    other = Client()
    join(other, workshop, "Eve")
    assert "Your Productivity Snapshot" not in other.get(f"/w/{workshop.pk}/").content.decode()


# --- the retake ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_retake_shows_movement_and_the_organiser_sees_the_paired_median(setup, facilitator_client):
    response = services.start(setup=setup, delegate_key=None)
    assert services.retake_path(response.delegate) is None
    firsts = [finished(setup, 1) for _ in range(5)]
    path = services.retake_path(firsts[0].delegate)
    assert path == f"/snapshot/{firsts[0].token}/retake/"
    client = Client()
    started = client.post(path)
    second = SnapshotResponse.objects.get(delegate=firsts[0].delegate, round=2)
    assert started.url == f"/snapshot/{second.token}/"
    assert client.post(path).url == started.url  # starting again resumes the same retake
    for number in range(1, 19):
        client.post(f"/snapshot/{second.token}/q/{number}/", {"value": "3"})
    done = client.post(f"/snapshot/{second.token}/challenges/", {})
    assert done.status_code == 302, done.content
    html = client.get(f"/snapshot/{second.token}/results/").content.decode()
    assert "Since your first Snapshot: <strong>+50</strong>" in html
    page = facilitator_client.get(f"/console/events/{setup.event_id}/snapshot/").content.decode()
    assert "over the 1 firm that finished both rounds" in page
    assert "Not enough responses yet" in page
    for first in firsts[1:]:
        retake = services.start_retake(first=first)
        for item in ITEMS:
            services.answer(response=retake, item=item.code, value=2)
        services.finish(response=retake, picks=[], other="")
    page = facilitator_client.get(f"/console/events/{setup.event_id}/snapshot/").content.decode()
    assert "Flow and waste: <strong>+25</strong>" in page  # median of 50, 25, 25, 25, 25


# --- the organiser ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_outsiders_and_strangers_cannot_open_the_organiser_page(setup, outsider_client):
    for address, post_status in [("", 404), ("export/", 405)]:
        url = f"/console/events/{setup.event_id}/snapshot/{address}"
        assert outsider_client.get(url).status_code == 404
        assert outsider_client.post(url, {"state": "off"}).status_code == post_status
        assert Client().get(url).status_code == 302  # to the sign-in page
    setup.refresh_from_db()
    assert setup.state == "open"


@pytest.mark.django_db
def test_the_organiser_enables_the_snapshot_and_edits_only_non_core_items(
    event, facilitator_client
):
    url = f"/console/events/{event.pk}/snapshot/"
    assert "Open the Snapshot below" in facilitator_client.get(url).content.decode()
    data = {"state": "open", "challenges": "Energy costs\nLate deliveries\n\nEnergy costs",
            "item_flow_3": "We run quick changeovers."}  # fmt: skip
    assert facilitator_client.post(url, data).status_code == 302
    setup = SnapshotSetup.objects.get(event=event)
    assert setup.challenges == ["Energy costs", "Late deliveries"]
    assert setup.wording == {"flow_3": "We run quick changeovers."}
    page = facilitator_client.get(url).content.decode()
    assert f"/s/{setup.invite_token}/" in page
    refused = facilitator_client.post(url, {**data, "item_flow_1": "Changed core"})
    assert refused.status_code == 400
    assert "Core items keep their wording" in refused.content.decode()
    setup.refresh_from_db()
    assert "flow_1" not in setup.wording
    client = Client()
    response = start(client, setup)
    question = client.get(f"/snapshot/{response.token}/q/3/").content.decode()
    assert "We run quick changeovers." in question


@pytest.mark.django_db
def test_wording_of_an_answered_item_is_fixed(setup):
    response = services.start(setup=setup, delegate_key=None)
    services.answer(response=response, item=EDITABLE_CODES[0], value=2)
    with pytest.raises(Exception, match="wording is fixed"):
        services.configure(
            setup=setup, state="open", challenges=[], wording={EDITABLE_CODES[0]: "New"}
        )


@pytest.mark.django_db
def test_organiser_figures_state_their_denominator_and_suppress_small_cuts(
    setup, facilitator_client, workshop
):
    for n in range(10):
        finished(setup, n % 5, employees="1-9" if n < 7 else "250+")
    services.start(setup=setup, delegate_key=None)  # started, not finished
    join(Client(), workshop, "Walk-in")  # joined a workshop, never opened the Snapshot
    page = facilitator_client.get(f"/console/events/{setup.event_id}/snapshot/")
    html = page.content.decode()
    assert 'data-figure="delegates">12<' in html
    assert 'data-figure="started">11<' in html
    assert 'data-figure="finished">10<' in html
    assert "Started 92%, finished 83%" in html
    assert "of the 10 finished first-round Snapshots" in html
    # 250+ has 3 firms: pooled with 1-9 (7) into one group of 10 labelled "Other".
    assert '<th scope="row">250 or more</th>' not in html
    assert 'Energy costs <span class="count">(10 picks)</span>' in html


@pytest.mark.django_db
def test_the_export_respects_consent_and_names_no_one(setup, facilitator_client):
    allowed = finished(setup, 3, consent=True)
    finished(setup, 1, consent=False)
    allowed.delegate.display_name = "Dana Owner"
    allowed.delegate.save()
    page = facilitator_client.get(f"/console/events/{setup.event_id}/snapshot/export/")
    rows = list(csv.reader(io.StringIO(b"".join(page.streaming_content).decode())))
    assert rows[0][:8] == ["firm", "round", "finished_at", "sector", "employees", "region",
                           "role", "overall"]  # fmt: skip
    assert len(rows) == 2
    assert rows[1][7] == "75"
    assert "Dana Owner" not in str(rows)


# --- in the room -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_where_we_are_step_shows_the_cohort_on_the_projector(setup, workshop, facilitator_client):
    page = facilitator_client.post(
        f"/console/workshops/{workshop.pk}/steps/",
        {"kind": "benchmark", "title": "Where we are", "key": str(uuid.uuid4())},
    )
    assert page.status_code == 302
    step = workshop.steps.get()
    assert step.kind == Step.Kind.BENCHMARK
    workshop_services.show_step(workshop=workshop, step=step)
    display = f"/display/{workshop.display_token}/"
    assert "Not enough responses yet" not in Client().get(display).content.decode()
    assert "not enough responses yet" in Client().get(display).content.decode()
    for n in range(12):
        finished(setup, n % 5, employees="1-9" if n < 9 else "20-49", picks=CHALLENGES[:3])
    html = Client().get(display).content.decode()
    assert "<strong>12</strong> firms took the Snapshot" in html
    assert "9 with 1-9 staff" not in html  # the 3 in 20-49 would then be 12 - 9
    assert "12 of other sizes" in html
    assert "Energy costs" in html
    assert "Scrap and rework" not in html
    assert html.count('class="band"') == 6
    phone = Client()
    join(phone, workshop, "Dana")
    assert "on the big screen" in phone.get(f"/w/{workshop.pk}/").content.decode()
    console = facilitator_client.get(f"/console/workshops/{workshop.pk}/").content.decode()
    assert "firms took the Snapshot" in console


@pytest.mark.django_db
def test_a_vote_can_take_its_options_from_the_picked_challenges(
    setup, workshop, facilitator_client
):
    url = f"/console/workshops/{workshop.pk}/steps/"
    data = {"kind": "vote", "title": "Pick the challenge", "options_from_snapshot": "on",
            "poll_kind": "dots", "key": str(uuid.uuid4())}  # fmt: skip
    refused = facilitator_client.post(url, data)
    assert refused.status_code == 409
    assert "Fewer than 2 challenges" in refused.content.decode()
    finished(setup, picks=["Late deliveries", "Energy costs"])
    finished(setup, picks=["Late deliveries"])
    assert facilitator_client.post(url, {**data, "key": str(uuid.uuid4())}).status_code == 302
    poll = Poll.objects.get(step__workshop=workshop)
    assert list(poll.options.values_list("label", flat=True)) == [
        "Late deliveries",
        "Energy costs",
    ]
    assert Delegate.objects.filter(event=setup.event).count() == 2


@pytest.mark.django_db
def test_the_demo_opens_with_where_we_are_over_a_seeded_cohort():
    from django.core.management import call_command

    call_command("demo", stdout=io.StringIO())
    call_command("demo", stdout=io.StringIO())  # twice: nothing is seeded twice
    setup = SnapshotSetup.objects.get()
    assert services.completed(setup).count() >= 12
    assert SnapshotResponse.objects.count() == services.completed(setup).count()
    first = Step.objects.order_by("position").first()
    assert first.kind == Step.Kind.BENCHMARK
    assert not isinstance(services.cohort_of(setup), Suppressed)
