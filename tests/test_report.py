"""The outcome report for a funder: its figures over a seeded event against values worked
out by hand, no figure for a group under 5, stories only with consent and never once erased,
its CSV, and who may see it."""

from __future__ import annotations

import csv
import datetime
import io
import zipfile

import pytest
from django.test import Client

from sessions.models import Commitment
from sessions.privacy import services as privacy
from sessions.report.figures import Share, Suppressed, report, share, split
from tests.report_cases import check_in, commit, firms, seeded, sent, vote_step
from tests.test_html_valid import HTMX_ATTRIBUTE, Pages, check


def shown(s) -> dict[str, tuple[int, int]]:
    rows = {str(item.label): (item.count, item.of) for item in s.shown}
    if isinstance(s.other, Share):
        rows["other"] = (s.other.count, s.other.of)
    return rows


@pytest.fixture
def seeded_room(workshop):
    made = seeded(workshop)
    firms(workshop, first=10, retakes=5)
    return made


@pytest.mark.django_db
class TestTheFigures:
    def test_reach_counts_delegates_who_joined_firms_and_workshops(self, workshop, seeded_room):
        r = report([workshop.event]).reach
        # 25 joined a workshop; the 10 Snapshot firms never joined one and are not delegates.
        assert (r.events, r.workshops, r.delegates, r.firms, r.commitments) == (1, 1, 25, 10, 25)

    def test_commitments_by_challenge_pool_a_group_under_5(self, workshop, seeded_room):
        # Energy 10, Scheduling 6, Skills 5, Waste 4: Waste is pooled; a pool of 4 would be
        # worked out from the total, so the smallest shown group (Skills) joins it: 9.
        s = report([workshop.event]).challenges
        assert shown(s) == {"Energy costs": (10, 25), "Scheduling": (6, 25), "other": (9, 25)}
        assert [item.percent for item in s.shown] == [40, 24]

    def test_the_follow_up_stages_each_out_of_the_stage_before(self, workshop, seeded_room):
        stages = [(str(s.label), s.count, s.of) for _label, s in report([workshop.event]).funnel]
        assert stages == [
            ("Asked for follow-up (consented)", 20, 25),
            ("Sent at least one follow-up", 20, 20),
            ("Answered at least once", 15, 20),
            ("Took their first step", 15, 15),
            ("No answer yet", 5, 20),
        ]

    def test_outcomes_out_of_those_who_answered(self, workshop, seeded_room):
        # Done 6; in progress 4, changed 3 and dropped 2 are each under 5: pooled as 9.
        s = report([workshop.event]).outcomes
        assert s.of == 15
        assert shown(s) == {"Done": (6, 15), "other": (9, 15)}

    def test_adopt_adapt_abandon_out_of_those_who_gave_a_verdict(self, workshop, seeded_room):
        # Adapt 8 (1 done, 4 in progress, 3 changed); abandon 2 is pooled, and a pool of 2
        # would be worked out, so the smallest shown group (adopt 5) joins it: 7; of 15.
        s = report([workshop.event]).verdicts
        assert shown(s) == {"Adapt": (8, 15), "other": (7, 15)}
        assert s.shown[0].percent == 53

    def test_the_latest_verdict_counts_once_per_commitment(self, workshop, seeded_room):
        check_in(seeded_room[0], "done", verdict="abandon")
        s = report([workshop.event]).verdicts
        # Adopt 4, adapt 8, abandon 3: still 15 verdicts, not 16.
        assert s.of == 15
        assert shown(s) == {"Adapt": (8, 15), "other": (7, 15)}

    def test_outcomes_are_withheld_with_a_withheld_answer_rate(self, workshop, seeded_room):
        # 15 of 20 answered; two more answers make it 17 of 20, and 3 who did not answer.
        check_in(seeded_room[15], "in_progress")
        check_in(seeded_room[16], "in_progress")
        r = report([workshop.event])
        assert isinstance(r.funnel[2][1], Suppressed)
        assert isinstance(r.outcomes.of, Suppressed)
        assert r.outcomes.shown == ()

    def test_snapshot_movement_is_the_median_change_of_paired_firms(self, workshop, seeded_room):
        m = report([workshop.event]).movement
        assert (m.pairs.count, m.pairs.of) == (5, 10)
        assert dict(m.changes)["Overall"] == 25
        assert all(change == 25 for _name, change in m.changes)

    def test_a_rehearsal_counts_for_nothing(self, workshop, seeded_room):
        workshop.event.is_rehearsal = True
        r = report([workshop.event])
        assert r.events == ()
        assert r.reach.workshops == 0


@pytest.mark.django_db
class TestNoFigureForAGroupUnder5:
    """A room where everybody does the same: n delegates, one challenge, all consented, all
    answered done and adopt, all with a story; n firms took both Snapshot rounds."""

    def room(self, workshop, n: int):
        vote_step(workshop)
        for i in range(n):
            made = commit(workshop, f"Person {i} Lee", "Energy costs")
            sent(made)
            check_in(made, "done", verdict="adopt")
        firms(workshop, first=n, retakes=n)
        return report([workshop.event])

    def test_a_group_of_4_shows_no_figure(self, workshop):
        r = self.room(workshop, 4)
        assert isinstance(r.reach.delegates, Suppressed)
        assert isinstance(r.reach.firms, Suppressed)
        assert isinstance(r.reach.commitments, Suppressed)
        for s in (r.challenges, r.outcomes, r.verdicts):
            assert isinstance(s.of, Suppressed)
            assert s.shown == ()
            assert not isinstance(s.other, Share)
        assert all(isinstance(stage, Suppressed) for _label, stage in r.funnel[:4])
        assert isinstance(r.movement.pairs, Suppressed)
        assert all(isinstance(change, Suppressed) for _name, change in r.movement.changes)

    def test_a_group_of_5_shows_its_figures(self, workshop):
        r = self.room(workshop, 5)
        assert (r.reach.delegates, r.reach.firms, r.reach.commitments) == (5, 5, 5)
        assert shown(r.challenges) == {"Energy costs": (5, 5)}
        assert shown(r.outcomes) == {"Done": (5, 5)}
        assert shown(r.verdicts) == {"Adopt": (5, 5)}
        assert [(s.count, s.of) for _label, s in r.funnel[:4]] == [(5, 5)] * 4
        assert (r.movement.pairs.count, r.movement.pairs.of) == (5, 5)
        assert dict(r.movement.changes)["Overall"] == 25

    def test_a_group_of_4_shows_nothing_on_the_page_either(self, workshop, facilitator_client):
        self.room(workshop, 4)
        page = facilitator_client.get(f"/console/events/{workshop.event_id}/report/")
        html = page.content.decode()
        assert page.status_code == 200
        assert "Fewer than 5: not shown" in html
        assert "<strong>4</strong>" not in html
        assert "Energy costs" not in html

    @pytest.mark.parametrize("small", [4, 5])
    def test_a_size_band_or_sector_under_5_is_not_shown(self, workshop, small):
        """5 businesses of 1-9 employees in metals and `small` of 10-19 in food."""
        businesses = firms(workshop, first=5 + small, retakes=0)
        for n, response in enumerate(businesses):
            response.employees, response.sector = ("1-9", "metals") if n < 5 else ("10-19", "food")
            response.save(update_fields=["employees", "sector"])
        r = report([workshop.event]).reach
        total = 5 + small
        if small == 4:
            # 4 would be pooled alone, and a pool of 4 is worked out from the total, so the
            # band of 5 joins it: no band is named.
            assert shown(r.sizes) == {"other": (9, 9)}
            assert shown(r.sectors) == {"other": (9, 9)}
        else:
            assert shown(r.sizes) == {"1-9": (5, total), "10-19": (5, total)}
            assert shown(r.sectors) == {
                "Metals and engineering": (5, 10),
                "Food and drink": (5, 10),
            }

    def test_the_page_shows_the_size_and_sector_mix(self, workshop, facilitator_client):
        for response in firms(workshop, first=5, retakes=0):
            response.employees, response.sector = "20-49", "plastics"
            response.save(update_fields=["employees", "sector"])
        html = facilitator_client.get(f"/console/events/{workshop.event_id}/report/").content
        assert b"Businesses by size" in html
        assert b'<th scope="row">20-49</th>' in html
        assert b"Plastics, rubber and chemicals" in html

    @pytest.mark.parametrize(
        ("count", "of", "visible"),
        [(4, 20, False), (5, 20, True), (16, 20, False), (15, 20, True), (4, 4, False),
         (5, 5, True), (0, 20, True)],
    )  # fmt: skip
    def test_a_share_is_withheld_when_it_or_its_rest_is_under_5(self, count, of, visible):
        assert isinstance(share("x", count, of, "y"), Share) is visible

    def test_a_pool_under_5_takes_the_smallest_group_with_it(self):
        s = split({"a": 7, "b": 5, "c": 3}, ["a", "b", "c"], "commitments")
        assert shown(s) == {"a": (7, 15), "other": (8, 15)}


@pytest.mark.django_db
class TestStories:
    def test_only_consented_stories_are_quoted_without_who_wrote_them(self, workshop, seeded_room):
        texts = [s.text for s in report([workshop.event]).stories]
        assert texts == [
            "We timed every changeover and cut them from 40 to 25 minutes.",
            "[…] here: the stopwatch idea worked, mail […].",
            "Shared it with the night shift; they run it now.",
        ]
        story = report([workshop.event]).stories[0]
        assert (story.about, story.status, story.verdict) == (
            "Energy costs", "Done", "Adopt: keep doing it",
        )  # fmt: skip

    def test_a_story_without_consent_is_never_quoted(self, workshop, seeded_room):
        unconsented = seeded_room[24]
        assert not unconsented.consent
        check_in(unconsented, "done", story="Told by someone who never agreed to follow-up.")
        texts = [s.text for s in report([workshop.event]).stories]
        assert "Told by someone who never agreed to follow-up." not in texts
        assert len(texts) == 3

    def test_an_erased_story_is_gone(self, workshop, seeded_room, facilitator_client):
        privacy.erase_delegate(delegate=seeded_room[0].delegate)
        texts = [s.text for s in report([workshop.event]).stories]
        assert "We timed every changeover and cut them from 40 to 25 minutes." not in texts
        assert len(texts) == 2
        html = facilitator_client.get(f"/console/events/{workshop.event_id}/report/").content
        assert b"We timed every changeover" not in html
        # Its counts stay: still 6 done.
        assert shown(report([workshop.event]).outcomes)["Done"] == (6, 15)

    def test_after_the_retention_period_no_story_is_quoted(self, workshop, seeded_room):
        event = workshop.event
        privacy.apply_retention(today=privacy.retention_ends(event) + datetime.timedelta(days=1))
        assert report([event]).stories == ()
        assert shown(report([event]).verdicts) == {"Adapt": (8, 15), "other": (7, 15)}

    def test_the_page_names_nobody(self, workshop, seeded_room, facilitator_client):
        html = facilitator_client.get(f"/console/events/{workshop.event_id}/report/").content
        assert b"Moss" not in html
        assert b"@example.com" not in html
        assert b"Shared it with the night shift; they run it now." in html


def read_zip(response) -> dict[str, list[list[str]]]:
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    return {
        name: list(csv.reader(io.StringIO(archive.read(name).decode())))
        for name in archive.namelist()
    }


@pytest.mark.django_db
class TestThePageAndTheCsv:
    def test_the_page_states_each_figure_with_what_it_is_out_of(
        self, workshop, seeded_room, facilitator_client
    ):
        page = facilitator_client.get(f"/console/events/{workshop.event_id}/report/")
        html = page.content.decode()
        assert page.status_code == 200
        assert "Productivity Day" in html
        assert "21 November 2026, Hall" in html
        assert "<strong>6</strong> of 15 who answered (40%)" in html
        assert "<strong>10</strong> of 25 commitments (40%)" in html
        assert "Answered at least once: <strong>15</strong> of 20 sent a follow-up (75%)" in html
        assert "How these figures were made" in html
        assert "quoted as written" in html

    def test_the_csv_holds_the_figures_and_the_stories(
        self, workshop, seeded_room, facilitator_client
    ):
        response = facilitator_client.get(f"/console/events/{workshop.event_id}/report/report.zip")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/zip"
        files = read_zip(response)
        assert sorted(files) == ["figures.csv", "stories.csv"]
        figures = files["figures.csv"]
        assert figures[0] == ["section", "figure", "count", "out of", "out of what", "percent",
                              "note"]  # fmt: skip
        assert ["reach", "delegates", "25", "", "", "", ""] in figures
        assert ["outcomes", "Done", "6", "15", "who answered", "40", ""] in figures
        assert ["adopt, adapt or abandon", "Adapt", "8", "15", "who gave a verdict", "53",
                ""] in figures  # fmt: skip
        assert ["snapshot movement", "median change: Overall", "25", "", "points (0-100)", "",
                ""] in figures  # fmt: skip
        stories = files["stories.csv"]
        assert stories[0] == ["story (as written)", "about", "status", "verdict"]
        assert len(stories) == 4
        assert not any("@example.com" in cell for row in stories for cell in row)

    def test_a_suppressed_figure_is_a_note_in_the_csv(self, workshop, facilitator_client):
        vote_step(workshop)
        sent(commit(workshop, "Solo Person", "Skills"))
        files = read_zip(
            facilitator_client.get(f"/console/events/{workshop.event_id}/report/report.zip")
        )
        assert ["follow-up", "Asked for follow-up (consented)", "", "", "", "",
                "Fewer than 5: not shown"] in files["figures.csv"]  # fmt: skip
        assert ["reach", "delegates", "", "", "", "", "Fewer than 5: not shown"] in files[
            "figures.csv"
        ]
        assert not any(row[1] == "Skills" for row in files["figures.csv"])


@pytest.mark.django_db
class TestWhoMaySee:
    @pytest.mark.parametrize("suffix", ["", "report.zip"])
    def test_an_organiser_may_see_it(self, workshop, django_user_model, suffix):
        organiser = django_user_model.objects.create_user(username="orla", password="pw")
        workshop.event.organisers.add(organiser)
        client = Client()
        client.force_login(organiser)
        assert client.get(f"/console/events/{workshop.event_id}/report/{suffix}").status_code == 200

    @pytest.mark.parametrize("suffix", ["", "report.zip"])
    def test_someone_off_the_team_gets_not_found(self, workshop, outsider_client, suffix):
        response = outsider_client.get(f"/console/events/{workshop.event_id}/report/{suffix}")
        missing = outsider_client.get(f"/console/events/999999/report/{suffix}")
        assert response.status_code == 404
        assert missing.status_code == 404
        for refused in (response, missing):
            assert (
                "That event does not exist, or you are not on its team." in refused.content.decode()
            )

    def test_signed_out_goes_to_sign_in(self, workshop):
        response = Client().get(f"/console/events/{workshop.event_id}/report/")
        assert response.status_code == 302
        assert "login" in response["Location"]

    def test_a_post_is_refused(self, workshop, facilitator_client):
        response = facilitator_client.post(f"/console/events/{workshop.event_id}/report/")
        assert response.status_code == 405


@pytest.mark.validator
@pytest.mark.django_db
def test_the_report_is_valid_html(workshop, seeded_room, facilitator_client, tmp_path):
    pages = Pages(tmp_path)
    pages.add("report", facilitator_client.get(f"/console/events/{workshop.event_id}/report/"))
    Commitment.objects.filter(step__workshop=workshop).delete()
    pages.add(
        "report, empty", facilitator_client.get(f"/console/events/{workshop.event_id}/report/")
    )
    errors = [m for m in check(tmp_path) if m.get("type") in ("error", "non-document-error")]
    real = [m for m in errors if not HTMX_ATTRIBUTE.search(m.get("message", ""))]
    assert not real, [(pages.labels[m["url"].rsplit("/", 1)[1]], m["message"]) for m in real]
