"""Editions of an event: a series, its challenge mapping, and this edition beside the last."""

from __future__ import annotations

import datetime
import re
import uuid

import pytest
from django.test import Client

from sessions.agenda import services as agenda
from sessions.commitments import followups
from sessions.commitments import services as commitments
from sessions.editions import compare, returning, services
from sessions.models import (
    AccessLink,
    Ballot,
    ChallengeLink,
    CheckIn,
    Commitment,
    Delegate,
    Event,
    Mark,
    Option,
    Return,
    Role,
    SeriesChallenge,
    SnapshotSetup,
    Status,
    Step,
    Workshop,
    hash_token,
)
from sessions.snapshot import scoring
from sessions.snapshot import services as snapshot
from sessions.snapshot.bank import ITEMS
from sessions.team import services as team
from sessions.voting import services as voting
from tests.conftest import join

pytestmark = pytest.mark.django_db

FIRST = ["Energy costs", "Late deliveries", "Recruiting skilled staff"]
SECOND = ["Energy bills", "Late deliveries!", "Scrap and rework"]


# --- seeding ---------------------------------------------------------------------------------


def snapshot_setup(event: Event, challenges: list[str]) -> SnapshotSetup:
    setup = snapshot.setup_for(event)
    return snapshot.configure(setup=setup, state="open", challenges=challenges, wording={})


def finished(setup: SnapshotSetup, value: int, employees: str, picks: list[str]) -> Delegate:
    """A finished first-round Snapshot of a new delegate, every item answered `value`."""
    response = snapshot.start(setup=setup, delegate_key=None)
    for item in ITEMS:
        snapshot.answer(response=response, item=item.code, value=value)
    snapshot.save_profile(
        response=response, sector="metals", employees=employees, region="North", role="owner",
        consent_export=True, consent_contact=False,
    )  # fmt: skip
    snapshot.finish(response=response, picks=picks, other="")
    return response.delegate


def dot_vote(workshop: Workshop, labels: list[str]) -> list[Option]:
    step = voting.add_vote_step(
        workshop=workshop,
        title="Which challenge first?",
        body="",
        settings=voting.PollSettings(kind="dots", options=labels),
    )
    return list(step.poll.options.all())


def dots(delegate: Delegate, option: Option, value: int) -> None:
    """Marks as a finished vote leaves them (seeded rows: the voting rules have their tests)."""
    ballot, _ = Ballot.objects.get_or_create(
        poll=option.poll, delegate=delegate, defaults={"allowance": 3}
    )
    Mark.objects.create(ballot=ballot, option=option, value=value, cap=2)
    ballot.spent += value
    ballot.save()


def commitment(
    step, about: Option | None, *, status: str = "", verdict: str = "", by: Delegate | None = None
) -> Commitment:
    """A commitment (by a new delegate unless `by`), answered with `status` and `verdict`."""
    today = datetime.date(2025, 11, 20)
    made = Commitment.objects.create(
        step=step, delegate=by or Delegate.objects.create(event=step.workshop.event),
        challenge=about,
        action="try a thing", first_step_when="Monday", first_step_then="start",
        first_step_on=today, measure="it works", done_by=today, consent=True,
        email="someone@example.com", status=status,
    )  # fmt: skip
    if status:
        CheckIn.objects.create(
            commitment=made, status=status, verdict=verdict, key=uuid.uuid4().hex
        )
    return made


def new_event(user, name: str, year: int) -> Event:
    return agenda.create_event(user=user, name=name, date=datetime.date(year, 11, 20))


# --- the series and its mapping --------------------------------------------------------------


def choices_of(page) -> dict[str, str]:
    """The mapping form's selected value per field, as the page offers them."""
    html = page.content.decode()
    selects = re.findall(r'<select name="(map_\w+)".*?</select>', html, re.S)
    chosen = {}
    for name in selects:
        block = re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)
        selected = re.search(r'<option value="([^"]*)"[^>]*selected', block)
        chosen[name] = selected.group(1) if selected else ""
    return chosen


def test_an_event_starts_a_series_and_the_next_follows_it(facilitator, facilitator_client):
    first = new_event(facilitator, "Makers 2025", 2025)
    second = new_event(facilitator, "Makers 2026", 2026)
    page = facilitator_client.post(f"/console/events/{first.pk}/series/join/", {"name": "Makers"})
    assert page.status_code == 302
    page = facilitator_client.post(
        f"/console/events/{second.pk}/series/join/", {"previous": first.pk}
    )
    assert page.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.series is not None
    assert first.series == second.series
    assert (first.edition, second.edition) == (1, 2)
    assert first.series.name == "Makers"
    assert services.last_edition(second) == first
    assert services.last_edition(first) is None


def test_following_an_event_with_no_series_starts_one_under_its_name(facilitator):
    first = new_event(facilitator, "Makers 2025", 2025)
    second = new_event(facilitator, "Makers 2026", 2026)
    services.follow_edition(event=second, previous=first, name=first.name)
    first.refresh_from_db()
    assert first.series.name == "Makers 2025"
    assert first.edition == 1
    assert services.editions(first.series) == [first, second]


def test_joining_a_series_is_refused_without_a_name_or_with_someone_elses_event(
    facilitator, facilitator_client, outsider
):
    event = new_event(facilitator, "Makers 2026", 2026)
    theirs = outsider.facilitated_events.get()
    for data in ({"name": ""}, {"previous": theirs.pk}, {"name": "x" * 121}):
        page = facilitator_client.post(f"/console/events/{event.pk}/series/join/", data)
        assert page.status_code == 400
        assert b'aria-invalid="true"' in page.content
    event.refresh_from_db()
    assert event.series is None
    assert theirs.series_id is None


def test_an_edition_joins_a_series_only_once(facilitator, facilitator_client):
    event = new_event(facilitator, "Makers 2025", 2025)
    services.start_series(event=event, name="Makers")
    page = facilitator_client.post(f"/console/events/{event.pk}/series/join/", {"name": "Again"})
    assert page.status_code == 409
    assert b"already an edition" in page.content
    event.refresh_from_db()
    assert event.series.name == "Makers"
    assert event.edition == 1


def test_the_mapping_suggests_same_words_and_is_confirmed_once(facilitator, facilitator_client):
    first = new_event(facilitator, "Makers 2025", 2025)
    services.start_series(event=first, name="Makers")
    snapshot_setup(first, FIRST)
    options = dot_vote(agenda.create_workshop(event=first, title="Room A"), ["Energy costs", "Tea"])
    page = facilitator_client.get(f"/console/events/{first.pk}/series/")
    assert page.status_code == 200
    offered = choices_of(page)
    # No series challenge yet: a dot vote's options and Snapshot texts start as new ones.
    assert offered == {
        f"map_o{options[0].pk}": "new", f"map_o{options[1].pk}": "new",
        "map_s0": "new", "map_s1": "new", "map_s2": "new",
    }  # fmt: skip
    offered[f"map_o{options[1].pk}"] = ""  # the organiser says "Tea" is not a challenge
    page = facilitator_client.post(f"/console/events/{first.pk}/series/mapping/", offered)
    assert page.status_code == 302
    series = first.series
    labels = sorted(series.challenges.values_list("label", flat=True))
    assert labels == ["Energy costs", "Late deliveries", "Recruiting skilled staff"]
    energy = series.challenges.get(label="Energy costs")
    assert ChallengeLink.objects.get(option=options[0]).challenge == energy
    assert ChallengeLink.objects.get(event=first, snapshot_text="Energy costs").challenge == energy
    assert not ChallengeLink.objects.filter(option=options[1]).exists()

    second = new_event(facilitator, "Makers 2026", 2026)
    services.follow_edition(event=second, previous=first, name="Makers")
    snapshot_setup(second, SECOND)
    page = facilitator_client.get(f"/console/events/{second.pk}/series/")
    late = series.challenges.get(label="Late deliveries")
    # "Late deliveries!" reads the same once normalised: suggested, not yet confirmed.
    assert choices_of(page) == {"map_s0": "new", "map_s1": str(late.pk), "map_s2": "new"}
    assert b"Suggested: reads the same" in page.content
    assert not ChallengeLink.objects.filter(event=second).exists()
    page = facilitator_client.post(
        f"/console/events/{second.pk}/series/mapping/",
        {"map_s0": str(energy.pk), "map_s1": str(late.pk), "map_s2": "new"},
    )
    assert page.status_code == 302
    assert ChallengeLink.objects.get(event=second, snapshot_text="Energy bills").challenge == energy
    assert series.challenges.count() == 4
    page = facilitator_client.get(f"/console/events/{second.pk}/series/")
    assert choices_of(page)["map_s0"] == str(energy.pk)
    assert page.content.count(b"Confirmed.") == 3


def test_a_forged_mapping_is_refused_and_changes_nothing(facilitator, facilitator_client, outsider):
    event = new_event(facilitator, "Makers 2025", 2025)
    services.start_series(event=event, name="Makers")
    snapshot_setup(event, FIRST)
    services.confirm_mapping(event=event, choices={"s0": "new"})
    theirs = outsider.facilitated_events.get()
    services.start_series(event=theirs, name="Theirs")
    snapshot_setup(theirs, ["Hidden"])
    services.confirm_mapping(event=theirs, choices={"s0": "new"})
    foreign = SeriesChallenge.objects.get(label="Hidden")
    url = f"/console/events/{event.pk}/series/mapping/"
    for data in ({"map_s0": str(foreign.pk)}, {"map_s0": "999999"}, {"map_s0": "x" * 500}):
        page = facilitator_client.post(url, data)
        assert page.status_code == 400, data
        assert b"Select a valid choice" in page.content
    with pytest.raises(Exception, match="not understood"):
        services.confirm_mapping(event=event, choices={"o999": "new"})
    assert list(event.challenge_links.values_list("snapshot_text", flat=True)) == ["Energy costs"]
    assert event.series.challenges.count() == 1


def test_mapping_before_joining_a_series_is_refused(facilitator, facilitator_client):
    event = new_event(facilitator, "Makers 2025", 2025)
    page = facilitator_client.post(f"/console/events/{event.pk}/series/mapping/", {})
    assert page.status_code == 409
    assert b"edition of a series first" in page.content


def test_outsiders_and_strangers_cannot_see_or_change_a_series(facilitator, outsider_client):
    event = new_event(facilitator, "Makers 2025", 2025)
    services.start_series(event=event, name="Makers")
    for url in (
        f"/console/events/{event.pk}/series/",
        f"/console/events/{event.pk}/editions/",
    ):
        assert outsider_client.get(url).status_code == 404
        assert Client().get(url).status_code == 302  # to sign in
    page = outsider_client.post(f"/console/events/{event.pk}/series/join/", {"name": "Mine"})
    assert page.status_code == 404
    page = outsider_client.post(f"/console/events/{event.pk}/series/mapping/", {})
    assert page.status_code == 404
    assert outsider_client.get("/console/events/999999/series/").status_code == 404


def test_an_organiser_sets_up_the_series_and_sees_the_comparison(facilitator, django_user_model):
    first = new_event(facilitator, "Makers 2025", 2025)
    second = new_event(facilitator, "Makers 2026", 2026)
    services.follow_edition(event=second, previous=first, name="Makers")
    organiser = django_user_model.objects.create_user(username="orla", password="pw-orla-123")
    team.add_member(event=second, user=organiser, role=Role.ORGANISER)
    client = Client()
    client.force_login(organiser)
    assert client.get(f"/console/events/{second.pk}/series/").status_code == 200
    assert client.get(f"/console/events/{second.pk}/editions/").status_code == 200
    # Not on the first edition's team: its own pages are not hers.
    assert client.get(f"/console/events/{first.pk}/editions/").status_code == 404


def test_a_first_edition_has_nothing_to_compare_with(facilitator, facilitator_client):
    event = new_event(facilitator, "Makers 2025", 2025)
    services.start_series(event=event, name="Makers")
    page = facilitator_client.get(f"/console/events/{event.pk}/editions/")
    assert page.status_code == 409
    assert b"no earlier edition" in page.content


# --- this edition and the last: two seeded editions, figures by hand --------------------------


@pytest.fixture
def seeded(facilitator):
    """Two editions of "Makers", mapped; the comments give every figure the page must show."""
    first = new_event(facilitator, "Makers 2025", 2025)
    services.start_series(event=first, name="Makers")
    setup = snapshot_setup(first, FIRST)
    # 10 firms: 5 of 10-19 employees answering 2 everywhere (score 50), 5 of 20-49 answering
    # 4 (score 100). Quartiles (inclusive) of [50]*5 + [100]*5: 50, 75, 100.
    people = [finished(setup, 2, "10-19", ["Energy costs"]) for _ in range(5)]
    people.append(finished(setup, 4, "20-49", ["Energy costs"]))
    people += [finished(setup, 4, "20-49", ["Late deliveries"]) for _ in range(4)]
    # Energy costs: 6 picks. Late deliveries: 4 picks + 2 voters (+1 picker voting again) = 6.
    room = agenda.create_workshop(event=first, title="Room A")
    energy_o, late_o, tea_o = dot_vote(room, ["Energy costs", "Late deliveries", "Tea"])
    voters = [Delegate.objects.create(event=first) for _ in range(2)]
    dots(voters[0], late_o, 2)
    dots(voters[1], late_o, 1)
    dots(people[6], late_o, 1)
    dots(people[0], tea_o, 1)
    services.confirm_mapping(
        event=first,
        choices={f"o{energy_o.pk}": "new", f"o{late_o.pk}": "new", f"o{tea_o.pk}": "",
                 "s0": "new", "s1": "new", "s2": "new"},
    )  # fmt: skip
    # Commitments (each with a new delegate): 6 about Energy costs (5 done and adopted,
    # 1 dropped and abandoned); 4 about Late deliveries; 5 about nothing, none answered.
    step = commitments.add_commit_step(workshop=room, title="Commit")
    for _ in range(5):
        commitment(step, energy_o, status="done", verdict="adopt")
    commitment(step, energy_o, status="dropped", verdict="abandon")
    for _ in range(4):
        commitment(step, late_o, status="changed", verdict="adapt")
    for _ in range(5):
        commitment(step, None)
    # Delegates of the first edition: 10 + 2 voters + 15 committers = 27.

    second = new_event(facilitator, "Makers 2026", 2026)
    services.follow_edition(event=second, previous=first, name="Makers")
    setup = snapshot_setup(second, SECOND)
    # 9 firms (a cohort needs 10), all 10-19. Energy bills (= Energy costs) 7, Late
    # deliveries! (= Late deliveries) 5, Scrap and rework 2 (hidden).
    for n in range(9):
        picks = (["Energy bills"] if n < 7 else ["Scrap and rework"]) + (
            ["Late deliveries!"] if n < 5 else []
        )
        finished(setup, 3, "10-19", picks)
    series = first.series
    energy = series.challenges.get(label="Energy costs")
    late = series.challenges.get(label="Late deliveries")
    services.confirm_mapping(
        event=second, choices={"s0": str(energy.pk), "s1": str(late.pk), "s2": "new"}
    )
    return first, second, energy, late


def test_the_figures_of_two_seeded_editions_match_the_hand_count(seeded):
    first, second, energy, late = seeded
    then, now = compare.edition(first), compare.edition(second)
    assert then.reach.delegates == 27
    assert now.reach.delegates == 9
    assert then.reach.firms == 10
    assert now.reach.firms == 9
    assert then.reach.sizes == scoring.Groups(shown=(("10-19", 5), ("20-49", 5)), other=None)
    assert now.reach.sizes == scoring.Groups(shown=(("10-19", 9),), other=None)
    assert now.reach.sectors == scoring.Groups(shown=(("Metals and engineering", 9),), other=None)
    assert then.top == [(energy, 6), (late, 6)]
    assert now.top == [(energy, 7), (late, 5)]
    assert isinstance(then.cohort, scoring.Cohort)
    assert then.cohort.overall == scoring.Spread(n=10, low=50, median=75, high=100)
    assert isinstance(now.cohort, scoring.Suppressed)
    moved = compare.moved(then.top, now.top)
    assert [(m.challenge, m.then, m.now) for m in moved] == [(energy, 6, 7), (late, 6, 5)]
    rows = {o.challenge: o for o in compare.outcomes(first)}
    s = scoring.Suppressed()
    e = rows[energy]
    assert (e.made, e.followed_up, e.responded, e.done, e.adopt) == (6, 6, 6, 5, 5)
    assert (e.changed, e.dropped, e.adapt, e.abandon) == (s, s, s, s)
    assert all(
        getattr(rows[late], f) == s
        for f in ("made", "followed_up", "responded", "done", "changed", "dropped", "adapt")
    )
    nothing = rows[None]
    assert (nothing.made, nothing.followed_up, nothing.responded) == (5, 5, s)


def cells(html: str, table: str) -> list[list[str]]:
    """The table's rows as lists of cell texts (tags removed, spaces collapsed)."""
    body = re.search(rf'<table class="data" id="{table}">(.*?)</table>', html, re.S).group(1)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body.split("<tbody>")[1], re.S)
    return [
        [
            " ".join(re.sub(r"<[^>]+>", " ", c).split())
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in rows
    ]


def test_the_comparison_page_shows_the_hand_counted_figures(seeded, facilitator_client):
    _first, second, _energy, _late = seeded
    page = facilitator_client.get(f"/console/events/{second.pk}/editions/")
    assert page.status_code == 200
    html = page.content.decode()
    reach = cells(html, "reach")
    assert reach[0] == ["Delegates", "27", "9"]
    assert reach[1] == ["Firms (finished Snapshots)", "10", "9"]
    assert reach[2] == ["Size (employees)", "10-19: 5 20-49: 5", "10-19: 9"]
    assert cells(html, "top") == [["Energy costs", "6", "7"], ["Late deliveries", "6", "5"]]
    cohort = cells(html, "cohort")
    assert cohort[0] == [
        "Overall", "75 (50\u2013100, 10 firms)", "Not enough responses yet", "under 5 firms"
    ]  # fmt: skip
    assert len(cohort) == 7
    no = "under 5"
    assert cells(html, "outcomes") == [
        ["Energy costs", "6", "6", "6", "5", no, no, "5", no, no],
        ["Late deliveries", no, no, no, no, no, no, no, no, no],
        ["Not about a series challenge", "5", "5", no, no, no, no, no, no, no],
    ]


# --- no figure for a group under 5 -----------------------------------------------------------


@pytest.mark.parametrize("size", [4, 5])
def test_a_group_of_4_shows_nothing_and_a_group_of_5_shows_its_figure(
    size, facilitator, facilitator_client
):
    first = new_event(facilitator, "Makers 2025", 2025)
    services.start_series(event=first, name="Makers")
    setup = snapshot_setup(first, FIRST)
    # `size` delegates, each a firm choosing Energy costs and making a commitment.
    people = [finished(setup, 2, "10-19", ["Energy costs"]) for _ in range(size)]
    step = commitments.add_commit_step(
        workshop=agenda.create_workshop(event=first, title="Room"), title="Commit"
    )
    for person in people:
        commitment(step, None, status="done", verdict="adopt", by=person)
    services.confirm_mapping(event=first, choices={"s0": "new"})
    second = new_event(facilitator, "Makers 2026", 2026)
    services.follow_edition(event=second, previous=first, name="Makers")
    html = facilitator_client.get(f"/console/events/{second.pk}/editions/").content.decode()
    reach = cells(html, "reach")
    no = "under 5"
    if size == 4:
        assert reach[0][1] == no
        assert reach[1][1] == no
        assert reach[2][1] == "Not enough responses yet"
        assert 'id="top"' not in html
        assert cells(html, "outcomes")[0][1:] == [no] * 9
    else:
        assert reach[0][1] == "5"
        assert reach[1][1] == "5"
        assert reach[2][1] == "10-19: 5"
        assert cells(html, "top") == [["Energy costs", "5", "not in the top"]]
        assert cells(html, "outcomes")[0][1:5] == ["5", "5", "5", "5"]


# --- the "Since last time" step ---------------------------------------------------------------


def test_since_last_time_counts_the_last_editions_commitments_and_what_moved(seeded):
    first, second, energy, late = seeded
    since = compare.since_last_time(second)
    assert since is not None
    assert since.last == first
    # 15 made (6 + 4 + 5), 5 done, 4 changed plan: a group under 5, withheld.
    assert (since.made, since.done, since.changed) == (15, 5, scoring.Suppressed())
    assert [(m.challenge, m.then, m.now) for m in since.moved] == [(energy, 6, 7), (late, 6, 5)]
    assert compare.since_last_time(first) is None


def test_the_since_last_time_step_is_added_from_the_console_and_shown_on_every_screen(
    seeded, facilitator_client
):
    first, second, energy, late = seeded
    room = agenda.create_workshop(event=second, title="Opening")
    page = facilitator_client.post(
        f"/console/workshops/{room.pk}/steps/",
        {"kind": "since", "title": "Since last time", "key": str(uuid.uuid4())},
    )
    assert page.status_code == 302
    step = room.steps.get()
    assert step.kind == Step.Kind.SINCE
    agenda.show_step(workshop=room, step=step)
    html = Client().get(f"/display/{room.display_token}/").content.decode()
    assert f'data-since="{first.pk}"' in html
    assert re.search(r'data-figure="made">.*?<dd>\s*15\s*</dd>', html, re.S)
    assert re.search(r'data-figure="done">.*?<dd>\s*5\s*</dd>', html, re.S)
    assert re.search(r'data-figure="changed">.*?under 5', html, re.S)
    rows = re.findall(
        r'<tr data-challenge="(\d+)"><th scope="row">([^<]+)</th><td>(\d+)</td><td>(\d+)</td>', html
    )
    assert rows == [
        (str(energy.pk), "Energy costs", "6", "7"),
        (str(late.pk), "Late deliveries", "6", "5"),
    ]
    console = facilitator_client.get(f"/console/workshops/{room.pk}/").content.decode()
    assert f'data-since="{first.pk}"' in console
    phone = Client()
    join(phone, room, "Dana")
    assert (
        "since the last edition is on the big screen"
        in phone.get(f"/w/{room.pk}/").content.decode()
    )


def test_since_last_time_in_a_first_edition_says_there_is_nothing_to_look_back_on(
    facilitator, facilitator_client
):
    event = new_event(facilitator, "Makers 2025", 2025)
    room = agenda.create_workshop(event=event, title="Opening")
    step = agenda.add_step(workshop=room, title="Since last time", kind=Step.Kind.SINCE)
    agenda.show_step(workshop=room, step=step)
    html = Client().get(f"/display/{room.display_token}/").content.decode()
    assert 'data-since="none"' in html
    assert "follows no earlier edition" in html


# --- the returning delegate -------------------------------------------------------------------


@pytest.fixture
def returning_delegate(facilitator):
    """Last year Dana made a commitment with follow-ups; this year her phone joined a
    workshop of the next edition. Returns (commitment, its check-in link's path, her phone,
    this year's workshop)."""
    first = new_event(facilitator, "Makers 2025", 2025)
    second = new_event(facilitator, "Makers 2026", 2026)
    services.follow_edition(event=second, previous=first, name="Makers")
    step = commitments.add_commit_step(
        workshop=agenda.create_workshop(event=first, title="Room A"), title="Commit"
    )
    made = commitment(step, None)
    token = followups.issue_link(purpose=AccessLink.Purpose.CHECK_IN, commitment=made)
    phone = Client()
    room = agenda.create_workshop(event=second, title="Opening")
    join(phone, room, "Dana")
    return made, followups.check_in_path(made, token), phone, room


def bring(phone: Client, path: str):
    return phone.post(path + "bring/")


def test_a_returning_delegate_brings_last_times_commitment_and_closes_it_in_one_tap(
    returning_delegate, facilitator_client
):
    made, path, phone, room = returning_delegate
    offer = phone.get(path)
    assert offer.status_code == 200
    assert b"At Makers 2026 today?" in offer.content
    page = bring(phone, path)
    assert page.status_code == 302
    assert page.url == f"/w/{room.pk}/"
    assert bring(phone, path).status_code == 302  # again: the same, once
    assert Return.objects.count() == 1
    html = phone.get(f"/w/{room.pk}/").content.decode()
    assert "Last time, at Makers 2025" in html
    assert "I will try a thing" in html
    returned = Return.objects.get()
    key = str(uuid.uuid4())
    url = f"/w/{room.pk}/returned/{returned.pk}/"
    assert phone.post(url, {"outcome": "done", "key": key}).status_code == 302
    assert phone.post(url, {"outcome": "done", "key": key}).status_code == 302  # replayed
    made.refresh_from_db()
    assert made.status == Status.DONE
    assert made.check_ins.count() == 1
    assert "Last time, at" not in phone.get(f"/w/{room.pk}/").content.decode()
    # A stale "keep going" tap on a page drawn before: refused, nothing changes.
    stale = phone.post(url, {"outcome": "renewed", "key": str(uuid.uuid4())})
    assert stale.status_code == 409
    assert b"already answered" in stale.content
    made.refresh_from_db()
    assert made.status == Status.DONE
    assert made.check_ins.count() == 1


def test_renewing_keeps_it_going_for_30_more_days(returning_delegate):
    made, path, phone, room = returning_delegate
    bring(phone, path)
    returned = Return.objects.get()
    page = phone.post(
        f"/w/{room.pk}/returned/{returned.pk}/", {"outcome": "renewed", "key": str(uuid.uuid4())}
    )
    assert page.status_code == 302
    made.refresh_from_db()
    assert made.status == Status.IN_PROGRESS
    assert made.done_by == room.event.local_today() + datetime.timedelta(days=30)
    assert made.check_ins.get().next_step == "Renewed at Makers 2026"
    returned.refresh_from_db()
    assert returned.outcome == Return.Outcome.RENEWED


def test_a_phone_that_has_not_joined_a_later_edition_is_not_offered_anything(
    returning_delegate,
):
    _made, path, _phone, _room = returning_delegate
    stranger = Client()
    assert b"today?" not in stranger.get(path).content
    page = bring(stranger, path)
    assert page.status_code == 409
    assert b"has not joined a later edition" in page.content
    assert not Return.objects.exists()


def test_a_forged_link_or_someone_elses_commitment_is_refused(returning_delegate, facilitator):
    made, path, phone, room = returning_delegate
    assert phone.post(f"/c/{made.pk}/{'x' * 43}/bring/").status_code == 404
    other = commitment(made.step, None)
    theirs = followups.issue_link(purpose=AccessLink.Purpose.CHECK_IN, commitment=other)
    assert phone.post(f"/c/{made.pk}/{theirs}/bring/").status_code == 404  # not this one's
    assert not Return.objects.exists()
    # Another phone's brought-back commitment, and one that does not exist: the same answer.
    bring(phone, path)
    returned = Return.objects.get()
    other_phone = Client()
    join(other_phone, room, "Eve")
    url = f"/w/{room.pk}/returned/{returned.pk}/"
    data = {"outcome": "done", "key": str(uuid.uuid4())}
    for forged in (url, f"/w/{room.pk}/returned/999999/"):
        page = other_phone.post(forged, data)
        assert page.status_code == 400
        assert b"That commitment is not on this phone." in page.content
    assert phone.post(url, {"outcome": "maybe", "key": str(uuid.uuid4())}).status_code == 400
    assert phone.post(url, {"outcome": "done", "key": "not-a-key"}).status_code == 400
    assert phone.post(url, {"outcome": "done"}).status_code == 400
    made.refresh_from_db()
    assert made.status == ""
    assert not made.check_ins.exists()


def test_the_same_edition_or_an_earlier_one_is_not_a_return(facilitator):
    first = new_event(facilitator, "Makers 2025", 2025)
    second = new_event(facilitator, "Makers 2026", 2026)
    services.follow_edition(event=second, previous=first, name="Makers")
    step = commitments.add_commit_step(
        workshop=agenda.create_workshop(event=second, title="Room B"), title="Commit"
    )
    made = commitment(step, None)
    token = followups.issue_link(purpose=AccessLink.Purpose.CHECK_IN, commitment=made)
    phone = Client()
    join(phone, agenda.create_workshop(event=first, title="Room A"), "Dana")
    join(phone, agenda.create_workshop(event=second, title="Room C"), "Dana")
    assert b"today?" not in phone.get(followups.check_in_path(made, token)).content
    assert phone.post(followups.check_in_path(made, token) + "bring/").status_code == 409


@pytest.mark.parametrize("firms", [4, 5])
def test_the_paired_change_is_over_firms_recognised_in_both_and_shown_from_5(
    firms, facilitator, facilitator_client
):
    first = new_event(facilitator, "Makers 2025", 2025)
    second = new_event(facilitator, "Makers 2026", 2026)
    services.follow_edition(event=second, previous=first, name="Makers")
    before, after = snapshot_setup(first, FIRST), snapshot_setup(second, SECOND)
    step = commitments.add_commit_step(
        workshop=agenda.create_workshop(event=first, title="Room A"), title="Commit"
    )
    for _ in range(firms):  # 50 last time, 75 now: +25 everywhere
        made = commitment(step, None, by=finished(before, 2, "10-19", ["Energy costs"]))
        link = AccessLink.objects.get(
            token_hash=hash_token(
                followups.issue_link(purpose=AccessLink.Purpose.CHECK_IN, commitment=made)
            )
        )
        returning.bring_back(link=link, delegate=finished(after, 3, "10-19", ["Energy bills"]))
    # A firm of this edition who did not come back through a link is not paired.
    finished(after, 4, "10-19", [])
    services.confirm_mapping(event=first, choices={"s0": "new"})
    energy = first.series.challenges.get()
    services.confirm_mapping(event=second, choices={"s0": str(energy.pk)})
    pairs = compare.returning_pairs(first, second)
    assert len(pairs) == firms
    html = facilitator_client.get(f"/console/events/{second.pk}/editions/").content.decode()
    change = [row[3] for row in cells(html, "cohort")]
    assert change == (["+25"] * 7 if firms == 5 else ["under 5 firms"] * 7)
    paired = cells(html, "paired")
    if firms == 5:
        assert paired == [
            ["Firms in both", "5"],
            ["Size (employees)", "10-19: 5", "10-19: 5"],
            ["Size band since last edition", "Same size band: 5"],
            ["Sector since last edition", "Same sector: 5"],
        ]
        assert cells(html, "paired-top") == [["Energy costs", "5", "5"]]
    else:
        assert paired == [
            ["Firms in both", "under 5"],
            ["Size (employees)", "Not enough responses yet", "Not enough responses yet"],
            ["Size band since last edition", "Not enough responses yet"],
            ["Sector since last edition", "Not enough responses yet"],
        ]
        assert 'id="paired-top"' not in html
        assert "No challenge was chosen by 5 or more of the firms in both" in html


# --- the firms in both editions: reach, challenges and scores, paired -------------------------


def returned_firm(step, before, after, *, then: tuple, now: tuple) -> None:
    """A firm of both editions: last edition's finished Snapshot (`then`: value, size,
    picks) and commitment with follow-ups, brought back by this edition's delegate, who
    finished this edition's Snapshot (`now`)."""
    made = commitment(step, None, by=finished(before, *then))
    token = followups.issue_link(purpose=AccessLink.Purpose.CHECK_IN, commitment=made)
    link = AccessLink.objects.get(token_hash=hash_token(token))
    returning.bring_back(link=link, delegate=finished(after, *now))


@pytest.fixture
def firms_in_both(facilitator):
    """Two mapped editions with 10 firms in both; the comments give every paired figure."""
    first = new_event(facilitator, "Makers 2025", 2025)
    second = new_event(facilitator, "Makers 2026", 2026)
    services.follow_edition(event=second, previous=first, name="Makers")
    before, after = snapshot_setup(first, FIRST), snapshot_setup(second, SECOND)
    step = commitments.add_commit_step(
        workshop=agenda.create_workshop(event=first, title="Room A"), title="Commit"
    )
    for n in range(10):
        # Then: all 10-19, scoring 50; Energy costs all 10, Late deliveries 6 (n < 6).
        # Now: n < 5 stay 10-19 and score 75 (+25); n >= 5 grow to 20-49 and score 100
        # (+50): median change +37.5. Energy bills 7 (n < 7), Late deliveries! 4 (n < 4),
        # Scrap and rework 5 (n >= 5).
        then = ["Energy costs"] + (["Late deliveries"] if n < 6 else [])
        now = (
            (["Energy bills"] if n < 7 else [])
            + (["Late deliveries!"] if n < 4 else [])
            + (["Scrap and rework"] if n >= 5 else [])
        )
        returned_firm(
            step,
            before,
            after,
            then=(2, "10-19", then),
            now=(3, "10-19", now) if n < 5 else (4, "20-49", now),
        )
    # Firms of one edition only: two last time, one now.
    for _ in range(2):
        finished(before, 4, "20-49", ["Late deliveries"])
    finished(after, 4, "50-99", ["Scrap and rework"])
    services.confirm_mapping(event=first, choices={"s0": "new", "s1": "new", "s2": "new"})
    energy = first.series.challenges.get(label="Energy costs")
    late = first.series.challenges.get(label="Late deliveries")
    services.confirm_mapping(
        event=second, choices={"s0": str(energy.pk), "s1": str(late.pk), "s2": "new"}
    )
    scrap = first.series.challenges.get(label="Scrap and rework")
    return first, second, energy, late, scrap


def test_the_firms_in_both_editions_match_the_hand_count(firms_in_both):
    first, second, energy, late, scrap = firms_in_both
    s = scoring.Suppressed()
    paired = compare.paired(first, second)
    assert paired.firms == 10
    assert paired.sizes_then == scoring.Groups(shown=(("10-19", 10),), other=None)
    assert paired.sizes_now == scoring.Groups(shown=(("10-19", 5), ("20-49", 5)), other=None)
    assert paired.size_moves == scoring.Groups(
        shown=(("Larger", 5), ("Same size band", 5)), other=None
    )
    assert paired.sector_moves == scoring.Groups(shown=(("Same sector", 10),), other=None)
    assert paired.challenges == [(energy, 10, 7), (late, 6, s), (scrap, s, 5)]
    change = scoring.paired_change(compare.returning_pairs(first, second))
    assert len(change) == 7  # the overall score and six dimensions
    assert set(change.values()) == {37.5}
    # The editions as a whole: 12 firms then, 11 now.
    then, now = compare.edition(first), compare.edition(second)
    assert (then.reach.firms, now.reach.firms) == (12, 11)
    assert then.top == [(energy, 10), (late, 8)]
    assert now.top == [(energy, 7), (scrap, 6)]
    assert then.cohort.overall == scoring.Spread(n=12, low=50, median=50, high=50)
    assert now.cohort.overall == scoring.Spread(n=11, low=75, median=100, high=100)


def test_the_comparison_page_shows_the_firms_in_both(firms_in_both, facilitator_client):
    _first, second, _energy, _late, _scrap = firms_in_both
    html = facilitator_client.get(f"/console/events/{second.pk}/editions/").content.decode()
    assert cells(html, "paired") == [
        ["Firms in both", "10"],
        ["Size (employees)", "10-19: 10", "10-19: 5 20-49: 5"],
        ["Size band since last edition", "Larger: 5 Same size band: 5"],
        ["Sector since last edition", "Same sector: 10"],
    ]
    assert cells(html, "paired-top") == [
        ["Energy costs", "10", "7"],
        ["Late deliveries", "6", "under 5"],
        ["Scrap and rework", "under 5", "5"],
    ]
    cohort = cells(html, "cohort")
    assert cohort[0] == [
        "Overall", "50 (50\u201350, 12 firms)", "100 (75\u2013100, 11 firms)", "+37.5"
    ]  # fmt: skip
    assert [row[3] for row in cohort] == ["+37.5"] * 7
