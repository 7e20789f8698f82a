"""The outcome report over a series: two seeded editions against figures worked out by hand,
totals added up only from what each edition shows (no withheld count is one subtraction
away), the businesses' size and sector mix, its CSV, and who may see it."""

from __future__ import annotations

import datetime
import re
from html import unescape

import pytest
from django.contrib.auth.models import User
from django.test import Client

from sessions.agenda import services
from sessions.editions import services as editions
from sessions.models import Event, Role, SnapshotResponse
from sessions.report.figures import (
    NOT_ADDING_UP,
    Share,
    Split,
    Suppressed,
    added_split,
    report,
    series_report,
    share,
)
from sessions.report.tables import tables
from sessions.team import services as team
from tests.report_cases import check_in, commit, firms, seeded, sent, vote_step
from tests.test_report import read_zip, shown

pytestmark = pytest.mark.django_db

WITHHELD = "Not shown: an edition's figure is withheld"
CSRF = re.compile(r'"X-CSRFToken": "[^"]*"')


def text(response) -> str:
    """The page as read, without its CSRF token (random characters, digits among them)."""
    return CSRF.sub("", unescape(response.content.decode()))


NOT_EVERY_EDITION = "The series' report covers every edition, and you are not on the team of all"


def profile(responses: list[SnapshotResponse], **fields: list[str]) -> None:
    """Give the businesses these sizes and sectors, one value each, in order."""
    for n, response in enumerate(responses):
        for name, values in fields.items():
            setattr(response, name, values[n])
        response.save(update_fields=list(fields))


@pytest.fixture
def last_year(facilitator) -> Event:
    return services.create_event(
        user=facilitator, name="Productivity Day 2025", date=datetime.date(2025, 11, 20),
        venue="Old hall",
    )  # fmt: skip


@pytest.fixture
def series(event, last_year):
    """Last year's event (edition 1) and this year's (the `event` fixture, edition 2)."""
    return editions.follow_edition(event=event, previous=last_year, name="Productivity Days")


def first_edition(last_year: Event) -> None:
    """The report cases' seeded room (tests/report_cases.py: 25 commitments, 15 answered),
    and 10 businesses: 5 of 1-9 and 5 of 10-19 employees; 5 in metals, 5 in food; 5 retook
    the Snapshot."""
    room = services.create_workshop(event=last_year, title="Last year's room")
    seeded(room)
    profile(
        firms(room, first=10, retakes=5),
        employees=["1-9"] * 5 + ["10-19"] * 5,
        sector=["metals"] * 5 + ["food"] * 5,
    )


def second_edition(workshop) -> None:
    """12 commitments (Energy costs 7, Scheduling 5), all consented and sent; 7 answered,
    all done and adopt; 5 businesses of 1-9 employees (3 metals, 2 food), none retook."""
    vote_step(workshop)
    made = [
        commit(workshop, f"Member {i:02d} Ash", "Energy costs" if i < 7 else "Scheduling")
        for i in range(12)
    ]
    for c in made:
        sent(c)
    for c in made[:7]:
        check_in(c, "done", verdict="adopt")
    profile(
        firms(workshop, first=5, retakes=0),
        employees=["1-9"] * 5,
        sector=["metals"] * 3 + ["food"] * 2,
    )


@pytest.fixture
def two_editions(series, last_year, event, workshop):
    first_edition(last_year)
    second_edition(workshop)
    return series_report(series, editions.editions(series))


def pairs(item) -> tuple[int, int]:
    assert isinstance(item, Share), item
    return item.count, item.of


class TestTheFiguresOverTwoEditions:
    def test_the_editions_come_oldest_first(self, two_editions, last_year, event):
        assert [r.events for r in two_editions.editions] == [(last_year,), (event,)]
        assert two_editions.total.events == (last_year, event)

    def test_reach_adds_up_each_edition(self, two_editions):
        first, second = (r.reach for r in two_editions.editions)
        total = two_editions.total.reach
        assert (first.delegates, first.firms, first.commitments, first.workshops) == (25, 10, 25, 1)
        assert (second.delegates, second.firms, second.commitments, second.workshops) == (
            12, 5, 12, 1,
        )  # fmt: skip
        assert (total.events, total.workshops, total.delegates, total.firms, total.commitments) == (
            2, 2, 37, 15, 37,
        )  # fmt: skip

    def test_the_size_mix_per_edition_and_together(self, two_editions):
        first, second = (r.reach.sizes for r in two_editions.editions)
        assert shown(first) == {"1-9": (5, 10), "10-19": (5, 10)}
        assert shown(second) == {"1-9": (5, 5)}
        # The second edition pools nobody, so it had no business of 10-19: 5 + 0.
        assert shown(two_editions.total.reach.sizes) == {"1-9": (10, 15), "10-19": (5, 15)}

    def test_a_sector_pooled_in_one_edition_is_not_added_up(self, two_editions):
        first, second = (r.reach.sectors for r in two_editions.editions)
        assert shown(first) == {"Metals and engineering": (5, 10), "Food and drink": (5, 10)}
        # 3 in metals and 2 in food: both under 5, pooled as 5.
        assert shown(second) == {"other": (5, 5)}
        # Metals 8 beside last year's 5 would give this year's 3 away: only "other" is shown.
        assert shown(two_editions.total.reach.sectors) == {"other": (15, 15)}

    def test_commitments_by_challenge(self, two_editions):
        first, second = (r.challenges for r in two_editions.editions)
        assert shown(first) == {"Energy costs": (10, 25), "Scheduling": (6, 25), "other": (9, 25)}
        assert shown(second) == {"Energy costs": (7, 12), "Scheduling": (5, 12)}
        assert shown(two_editions.total.challenges) == {
            "Energy costs": (17, 37), "Scheduling": (11, 37), "other": (9, 37),
        }  # fmt: skip
        assert [item.percent for item in two_editions.total.challenges.shown] == [46, 30]

    def test_the_follow_up_stages_added_up(self, two_editions):
        second = [pairs(item) for _label, item in two_editions.editions[1].funnel]
        total = [pairs(item) for _label, item in two_editions.total.funnel]
        assert second == [(12, 12), (12, 12), (7, 12), (7, 7), (5, 12)]
        assert total == [(32, 37), (32, 32), (22, 32), (22, 22), (10, 32)]

    def test_outcomes_and_verdicts_added_up(self, two_editions):
        first, second = two_editions.editions
        assert shown(second.outcomes) == {"Done": (7, 7)}
        assert shown(two_editions.total.outcomes) == {"Done": (13, 22), "other": (9, 22)}
        assert shown(first.verdicts) == {"Adapt": (8, 15), "other": (7, 15)}
        assert shown(second.verdicts) == {"Adopt": (7, 7)}
        # Adopt is in last year's "other", so it is not added up; adapt is 8 + 0.
        assert shown(two_editions.total.verdicts) == {"Adapt": (8, 22), "other": (14, 22)}
        rows = [str(row.label) for row in tables(two_editions)["verdicts"].rows]
        assert rows == ["Adopt", "Adapt", "Other (small groups together)", "Out of"]

    def test_snapshot_movement_over_the_editions_with_retakes(self, two_editions):
        first, second = (r.movement for r in two_editions.editions)
        assert pairs(first.pairs) == (5, 10)
        assert pairs(second.pairs) == (0, 5)
        assert all(isinstance(change, Suppressed) for _name, change in second.changes)
        total = two_editions.total.movement
        assert pairs(total.pairs) == (5, 15)
        assert dict(total.changes)["Overall"] == 25

    def test_stories_are_each_editions(self, two_editions):
        assert len(two_editions.editions[0].stories) == 3
        assert two_editions.editions[1].stories == ()
        assert two_editions.total.stories == two_editions.editions[0].stories


def every_total_is_added_up_from_shown_figures(s) -> None:
    """Each total of the series' tables is the sum of its editions' cells as shown (an
    unlisted group counted as nobody only where the edition pools nobody), and none of
    those cells is withheld: so a total tells nothing the editions' figures do not."""
    for name, table in tables(s).items():
        for row in table.rows:
            *cells, total = row.cells
            if name == "movement" and not isinstance(total, Share):
                continue  # a median is taken afresh, not added up
            if isinstance(total, Suppressed) or total is None or "Other" in str(row.label):
                continue
            assert not any(isinstance(cell, Suppressed) for cell in cells), (name, row)
            count = total.count if isinstance(total, Share) else total
            parts = [c.count if isinstance(c, Share) else (c or 0) for c in cells]
            assert count == sum(parts), (name, row)


class TestNoWithheldCountIsOneSubtractionAway:
    def test_every_total_is_added_up_from_shown_figures(self, two_editions):
        every_total_is_added_up_from_shown_figures(two_editions)

    @pytest.mark.parametrize("n", [4, 5])
    def test_a_small_second_edition_shows_no_total_under_5(self, series, last_year, workshop, n):
        """A second edition of n delegates who all commit to Energy costs and all answer."""
        first_edition(last_year)
        vote_step(workshop)
        for i in range(n):
            made = commit(workshop, f"Person {i} Lee", "Energy costs")
            sent(made)
            check_in(made, "done", verdict="adopt")
        s = series_report(series, editions.editions(series))
        every_total_is_added_up_from_shown_figures(s)
        second, total = s.editions[1], s.total
        if n == 4:
            assert isinstance(second.reach.delegates, Suppressed)
            for figure in (total.reach.delegates, total.reach.commitments):
                assert str(figure) == WITHHELD
            assert all(str(item) == WITHHELD for _label, item in total.funnel)
            for split in (total.challenges, total.outcomes, total.verdicts):
                assert str(split.of) == WITHHELD
                assert split.shown == ()
                assert split.other is None
        else:
            assert (total.reach.delegates, total.reach.commitments) == (30, 30)
            assert shown(total.challenges) == {
                "Energy costs": (15, 30), "Scheduling": (6, 30), "other": (9, 30),
            }  # fmt: skip
            assert pairs(total.funnel[2][1]) == (20, 25)
            assert shown(total.outcomes) == {"Done": (11, 20), "other": (9, 20)}

    def test_the_page_shows_no_figure_of_a_group_of_4(self, series, last_year, workshop, event):
        first_edition(last_year)
        vote_step(workshop)
        for i in range(4):
            sent(commit(workshop, f"Person {i} Lee", "Skills"))
        client = Client()
        client.force_login(event.facilitators.get())
        html = text(client.get(f"/console/series/{series.pk}/report/"))
        assert WITHHELD in html
        # Last year's 25 delegates are shown; 29 (25 + 4) is nowhere on the page (its
        # words, that is: an address may hold an id that happens to be 29).
        assert "<strong>25</strong>" in html
        words = re.sub(r"<[^>]*>", " ", html)
        assert not re.search(r"\b29\b", words)

    def test_a_first_step_out_of_a_withheld_answer_count_is_withheld(self, workshop):
        """17 of 20 answered is withheld (3 did not): "17 of 17 took their first step" would
        give the 17 away, and 20 - 17 the 3."""
        vote_step(workshop)
        for i in range(20):
            made = commit(workshop, f"Person {i} Lee", "Energy costs")
            sent(made)
            if i < 17:
                check_in(made, "done", verdict="adopt")
        stages = dict(report([workshop.event]).funnel)
        assert pairs(stages["Sent at least one follow-up"]) == (20, 20)
        assert isinstance(stages["Answered at least once"], Suppressed)
        assert isinstance(stages["Took their first step"], Suppressed)
        assert isinstance(stages["No answer yet"], Suppressed)

    def test_verdicts_are_withheld_when_4_who_answered_gave_none(self, workshop):
        """15 answered and 11 gave a verdict: shown together, 4 gave none."""
        vote_step(workshop)
        for i in range(20):
            made = commit(workshop, f"Person {i} Lee", "Energy costs")
            sent(made)
            if i < 15:
                check_in(made, "done", verdict="adopt" if i < 11 else "")
        r = report([workshop.event])
        assert shown(r.outcomes) == {"Done": (15, 15)}
        assert isinstance(r.verdicts.of, Suppressed)
        assert r.verdicts.shown == ()

    def test_retakes_are_withheld_when_1_business_did_not_retake(self, workshop):
        firms(workshop, first=6, retakes=5)
        m = report([workshop.event]).movement
        assert isinstance(m.pairs, Suppressed)

    def test_a_pool_in_one_edition_keeps_the_group_out_of_the_total(self):
        last = Split(of=10, of_label="x", shown=(Share("a", 5, 10, "x"), Share("b", 5, 10, "x")),
                     other=None)  # fmt: skip
        this = Split(of=7, of_label="x", shown=(), other=Share("Other", 7, 7, "x"))
        together = added_split([last, this])
        assert together.of == 17
        assert together.shown == ()
        assert pairs(together.other) == (17, 17)


class TestEveryRatioIsGuarded:
    @pytest.mark.parametrize(("count", "of"), [(-1, 10), (11, 10), (1, 0)])
    def test_a_count_outside_its_whole_is_not_shown(self, count, of):
        refused = share("x", count, of, "y")
        assert isinstance(refused, Suppressed)
        assert str(refused) == str(NOT_ADDING_UP)

    def test_a_whole_of_0_has_no_percent(self):
        nothing = share("x", 0, 0, "y")
        assert pairs(nothing) == (0, 0)
        assert nothing.percent is None

    def test_an_answer_to_an_unsent_follow_up_makes_no_negative_figure(self, workshop):
        """Answers from commitments never sent a message (a link passed on): the answered
        count is above those sent one, and "no answer" would be negative."""
        vote_step(workshop)
        for i in range(10):
            check_in(commit(workshop, f"Person {i} Lee", "Energy costs"), "done")
        stages = dict(report([workshop.event]).funnel)
        assert pairs(stages["Sent at least one follow-up"]) == (0, 10)
        assert isinstance(stages["Answered at least once"], Suppressed)
        assert isinstance(stages["No answer yet"], Suppressed)

    def test_a_commitment_answered_twice_counts_once_in_the_outcomes(self, workshop):
        vote_step(workshop)
        made = [commit(workshop, f"Person {i} Lee", "Energy costs") for i in range(10)]
        for c in made:
            sent(c)
            check_in(c, "in_progress")
        for c in made[:5]:
            check_in(c, "done")
        r = report([workshop.event])
        assert pairs(r.funnel[2][1]) == (10, 10)
        assert shown(r.outcomes) == {"Done": (5, 10), "In progress": (5, 10)}


class TestThePageAndTheCsv:
    def test_the_page_sets_the_editions_side_by_side(self, two_editions, series, event):
        client = Client()
        client.force_login(event.facilitators.get())
        page = client.get(f"/console/series/{series.pk}/report/")
        html = unescape(page.content.decode())
        assert page.status_code == 200
        assert "<h1>Productivity Days</h1>" in html
        assert "Productivity Day 2025</a>, 20 November 2025, Old hall" in html
        assert "Productivity Day</a>, 21 November 2026, Hall" in html
        assert "Edition 1" in html
        assert "Edition 2" in html
        assert "All editions" in html
        assert '<td class="total"><strong>37</strong>' in html
        assert "<strong>17</strong> of 37 (46%)" in html
        assert "<strong>22</strong> of 32 (69%)" in html
        assert "Businesses by sector" in html
        assert "How these figures were made" in html
        assert "Moss" not in html
        assert "@example.com" not in html

    def test_the_csv_holds_every_edition_and_the_totals(self, two_editions, series, event):
        client = Client()
        client.force_login(event.facilitators.get())
        response = client.get(f"/console/series/{series.pk}/report/report.zip")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/zip"
        files = read_zip(response)
        assert sorted(files) == ["figures.csv", "stories.csv"]
        figures = files["figures.csv"]
        assert figures[0] == ["edition", "section", "figure", "count", "out of", "out of what",
                              "percent", "note"]  # fmt: skip
        first = "1: Productivity Day 2025 (2025-11-20)"
        second = "2: Productivity Day (2026-11-21)"
        assert [first, "reach", "delegates", "25", "", "", "", ""] in figures
        assert [second, "reach", "delegates", "12", "", "", "", ""] in figures
        assert ["all editions", "reach", "delegates", "37", "", "", "", ""] in figures
        assert ["all editions", "commitments by challenge", "Energy costs", "17", "37",
                "commitments", "46", ""] in figures  # fmt: skip
        assert ["all editions", "businesses by employees", "1-9", "10", "15",
                "businesses benchmarked", "67", ""] in figures  # fmt: skip
        assert [second, "businesses by sector", "Other (small groups together)", "5", "5",
                "businesses benchmarked", "100", ""] in figures  # fmt: skip
        assert not any(row[0] == "all editions" and row[2] == "Metals and engineering"
                       for row in figures)  # fmt: skip
        assert ["all editions", "snapshot movement", "Took the retake", "5", "15",
                "businesses benchmarked", "33", ""] in figures  # fmt: skip
        stories = files["stories.csv"]
        assert stories[0] == ["edition", "story (as written)", "about", "status", "verdict"]
        assert [row[0] for row in stories[1:]] == [first] * 3
        assert not any("@example.com" in cell for row in stories for cell in row)

    def test_the_event_report_and_the_series_page_link_to_it(self, series, event, last_year):
        client = Client()
        client.force_login(event.facilitators.get())
        link = f'href="/console/series/{series.pk}/report/"'
        for event_id in (event.pk, last_year.pk):
            assert link in client.get(f"/console/events/{event_id}/report/").content.decode()
        assert link in client.get(f"/console/events/{event.pk}/series/").content.decode()

    def test_an_event_in_no_series_links_to_none(self, event, facilitator_client):
        html = facilitator_client.get(f"/console/events/{event.pk}/report/").content.decode()
        assert "/console/series/" not in html


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def one_edition_only(event, series) -> User:
    """A facilitator of this year's edition alone."""
    user = User.objects.create_user(username="nell", password="pw-nell-123")
    team.add_member(event=event, user=user, role=Role.FACILITATOR)
    return user


class TestWhoMaySee:
    @pytest.mark.parametrize("suffix", ["", "report.zip"])
    @pytest.mark.parametrize("role", [Role.ORGANISER, Role.FACILITATOR])
    def test_the_team_of_every_edition_may_see_it(self, series, event, last_year, role, suffix):
        user = User.objects.create_user(username="orla", password="pw-orla-123")
        for edition in (event, last_year):
            team.add_member(event=edition, user=user, role=role)
        response = logged_in(user).get(f"/console/series/{series.pk}/report/{suffix}")
        assert response.status_code == 200

    @pytest.mark.parametrize("suffix", ["", "report.zip"])
    def test_one_editions_team_alone_is_refused_and_sees_no_figure(
        self, two_editions, series, one_edition_only, suffix
    ):
        response = logged_in(one_edition_only).get(f"/console/series/{series.pk}/report/{suffix}")
        html = text(response)
        assert response.status_code == 403
        assert response["Content-Type"].startswith("text/html")
        assert NOT_EVERY_EDITION in html
        assert "Productivity Day 2025" not in html
        assert "37" not in html
        assert "25" not in html

    def test_one_editions_team_alone_is_offered_no_link(self, series, event, one_edition_only):
        client = logged_in(one_edition_only)
        assert client.get(f"/console/events/{event.pk}/report/").status_code == 200
        for page in (f"/console/events/{event.pk}/report/", f"/console/events/{event.pk}/series/"):
            assert "/console/series/" not in client.get(page).content.decode()

    @pytest.mark.parametrize("suffix", ["", "report.zip"])
    def test_someone_on_no_editions_team_gets_not_found(self, series, outsider_client, suffix):
        theirs = outsider_client.get(f"/console/series/{series.pk}/report/{suffix}")
        missing = outsider_client.get(f"/console/series/999999/report/{suffix}")
        assert theirs.status_code == missing.status_code == 404
        for refused in (theirs, missing):
            assert "That series does not exist, or you are not on the team of its events." in (
                unescape(refused.content.decode())
            )

    def test_a_superuser_may_see_it(self, series):
        sue = User.objects.create_superuser(username="sue", password="pw-sue-123")
        assert logged_in(sue).get(f"/console/series/{series.pk}/report/").status_code == 200

    def test_signed_out_goes_to_sign_in(self, series):
        response = Client().get(f"/console/series/{series.pk}/report/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")

    def test_a_post_is_refused(self, series, facilitator_client):
        response = facilitator_client.post(f"/console/series/{series.pk}/report/")
        assert response.status_code == 405

    def test_a_rehearsal_edition_counts_for_nothing(self, series, last_year, facilitator_client):
        Event.objects.filter(pk=last_year.pk).update(is_rehearsal=True)
        s = series_report(series, editions.editions(series))
        assert len(s.editions) == 1
        assert facilitator_client.get(f"/console/series/{series.pk}/report/").status_code == 200
