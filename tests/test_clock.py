"""The facilitator's clock: the steps' time on screen (a step shown again adds to its time),
and the workshop behind or ahead of its plan, by the rule in `sessions.agenda.clock`, checked
against hand-computed values with the stored timestamps set directly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sessions.agenda import services
from sessions.agenda.clock import lag_text, read_clock
from sessions.live.audiences import DELEGATE, FACILITATOR, PROJECTOR
from sessions.live.regions import render_regions
from sessions.models import Showing, Step, Workshop

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 12, 9, 0, tzinfo=UTC)


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def step(workshop: Workshop, title: str, planned: int | None) -> Step:
    added = services.add_step(workshop=workshop, title=title)
    assert added is not None
    return services.plan_step(step=added, notes="", planned_minutes=planned)


def on_screen(workshop: Workshop, stretches: list[tuple[Step | None, float, float | None]]):
    """Set the workshop's history directly: each (step, from minute, until minute or None
    for "still on"); a gap between stretches is the waiting screen."""
    Showing.objects.filter(workshop=workshop).delete()
    for shown, start, end in stretches:
        Showing.objects.create(
            workshop=workshop,
            step=shown,
            started_at=minutes(start),
            ended_at=None if end is None else minutes(end),
        )
    current = next((s for s, _, end in stretches if end is None), None)
    Workshop.objects.filter(pk=workshop.pk).update(started_at=T0, current_step=current)
    return Workshop.objects.get(pk=workshop.pk)


@pytest.fixture
def agenda(workshop) -> dict[str, Step]:
    return {
        "A": step(workshop, "Where we are", 10),
        "B": step(workshop, "Pick the challenge", 5),
        "C": step(workshop, "Reframe", None),
        "D": step(workshop, "Generate", 20),
    }


def test_a_workshop_not_started_has_no_lag(workshop, agenda):
    clock = read_clock(workshop)
    assert not clock.started
    assert clock.lag_seconds == 0
    assert clock.lag_grows_from is None
    html = render_regions(workshop.pk, FACILITATOR, ("presenter",)).html["presenter"]
    assert "The clock starts when the first step is shown." in html


def test_within_the_plan_of_the_step_on_screen_the_lag_holds_and_then_grows(workshop, agenda):
    a, b, c, d = agenda["A"], agenda["B"], agenda["C"], agenda["D"]
    # A 0-12 (planned 10), waiting screen 12-13, B 13-16 (planned 5), C 16-20 (no plan),
    # D from 20 (planned 20).
    history = [(a, 0, 12), (b, 13, 16), (c, 16, 20), (d, 20, None)]
    workshop = on_screen(workshop, history)
    clock = read_clock(workshop, now=minutes(27))
    # Elapsed 27; planned so far: A 10 + B 5 + C 4 (as it took) + D 7 (of its 20) = 26.
    assert clock.elapsed_seconds == 27 * 60
    assert clock.step_seconds == 7 * 60
    assert clock.planned_minutes == 20
    assert clock.lag_seconds == 60
    assert clock.lag_text == "1 minute behind"
    # D reaches its plan at minute 33 + 7 = 40: from then the lag grows a second a second.
    assert clock.lag_grows_from == int(minutes(40).timestamp())
    assert clock.lag_base == 60
    assert clock.step_since == int(minutes(20).timestamp())
    later = read_clock(workshop, now=minutes(45))
    # Elapsed 45; planned so far: 10 + 5 + 4 + 20 = 39.
    assert later.lag_seconds == 6 * 60
    assert later.lag_text == "6 minutes behind"
    assert later.over_plan


def test_going_back_to_a_step_adds_to_its_time(workshop, agenda):
    a, b, c, d = agenda["A"], agenda["B"], agenda["C"], agenda["D"]
    history = [(a, 0, 12), (b, 13, 16), (c, 16, 20), (d, 20, 45), (a, 45, None)]
    workshop = on_screen(workshop, history)
    clock = read_clock(workshop, now=minutes(47))
    # A: 12 + 2 = 14 minutes, over its 10. Planned so far: B 5 + C 4 + D 20 + A 10 = 39.
    assert clock.step_seconds == 14 * 60
    assert clock.step_since == int(minutes(47 - 14).timestamp())
    assert clock.lag_seconds == 8 * 60
    # A reached its 10 minutes at minute 45 - 2 = 43, 4 minutes behind then; growing since.
    assert clock.lag_grows_from == int(minutes(43).timestamp())
    assert clock.lag_base == 4 * 60


def test_a_step_left_before_its_plan_puts_the_workshop_ahead(workshop, agenda):
    a, b = agenda["A"], agenda["B"]
    workshop = on_screen(workshop, [(a, 0, 4), (b, 4, None)])
    clock = read_clock(workshop, now=minutes(5))
    # Elapsed 5; planned so far: A 10 + B 1 (of its 5) = 11.
    assert clock.lag_seconds == -6 * 60
    assert clock.lag_text == "6 minutes ahead"
    assert clock.lag_grows_from == int(minutes(9).timestamp())
    assert clock.lag_base == -6 * 60


def test_the_waiting_screen_between_steps_counts_against_the_plan(workshop, agenda):
    a = agenda["A"]
    workshop = on_screen(workshop, [(a, 0, 10)])
    clock = read_clock(workshop, now=minutes(13))
    assert clock.step_seconds is None
    assert clock.lag_seconds == 3 * 60
    # Growing since the room left A for the waiting screen, on time then.
    assert clock.lag_grows_from == int(minutes(10).timestamp())
    assert clock.lag_base == 0


def test_every_drawing_of_the_same_state_carries_the_same_values_to_tick_from(workshop, agenda):
    a, b = agenda["A"], agenda["B"]
    workshop = on_screen(workshop, [(a, 0, 12.5), (b, 13.25, None)])
    drawn = {
        (c.step_since, c.lag_base, c.lag_grows_from)
        for c in (read_clock(workshop, now=minutes(m)) for m in (14, 14.3, 17.7, 19, 25))
    }
    assert len(drawn) == 1
    # B reaches its 5 minutes at 18.25; by then A 10 + B 5 planned against 18.25 elapsed.
    assert drawn == {(int(minutes(13.25).timestamp()), 195, int(minutes(18.25).timestamp()))}
    assert read_clock(workshop, now=minutes(25)).lag_seconds == 195 + 405


def test_a_step_without_a_plan_never_moves_the_lag(workshop, agenda):
    c = agenda["C"]
    workshop = on_screen(workshop, [(c, 0, None)])
    clock = read_clock(workshop, now=minutes(30))
    assert clock.lag_seconds == 0
    assert clock.lag_text == "on time"
    assert clock.lag_grows_from is None


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0, "on time"),
        (59, "on time"),
        (-59, "on time"),
        (60, "1 minute behind"),
        (-60, "1 minute ahead"),
        (119, "1 minute behind"),
        (150, "2 minutes behind"),
        (-600, "10 minutes ahead"),
    ],
)
def test_the_lag_in_words_counts_whole_minutes(seconds, words):
    assert lag_text(seconds) == words


def test_a_finished_workshop_s_clock_stops(workshop, agenda):
    a, b = agenda["A"], agenda["B"]
    workshop = on_screen(workshop, [(a, 0, 12), (b, 12, 20)])
    Workshop.objects.filter(pk=workshop.pk).update(closed_at=minutes(20), current_step=b)
    workshop.refresh_from_db()
    clock = read_clock(workshop, now=minutes(90))
    # Elapsed 20 (until it finished); planned: A 10 + B 5 = 15.
    assert clock.finished
    assert clock.elapsed_seconds == 20 * 60
    assert clock.lag_seconds == 5 * 60
    assert clock.lag_grows_from is None
    html = render_regions(workshop.pk, FACILITATOR, ("presenter",)).html["presenter"]
    assert "data-lag-from" not in html
    assert "data-count-up" not in html


def test_showing_steps_records_their_time_on_screen(workshop, agenda):
    a, b = agenda["A"], agenda["B"]
    services.show_step(workshop=workshop, step=a)
    started = Workshop.objects.get(pk=workshop.pk).started_at
    assert started is not None
    services.show_step(workshop=workshop, step=b)
    services.show_step(workshop=workshop, step=None)
    services.show_step(workshop=workshop, step=a)
    services.show_step(workshop=workshop, step=a)  # already on: nothing new
    shown = list(Showing.objects.filter(workshop=workshop).values_list("step", "ended_at"))
    assert [s for s, _ in shown] == [a.pk, b.pk, a.pk]
    assert [end is None for _, end in shown] == [False, False, True]
    assert Workshop.objects.get(pk=workshop.pk).started_at == started  # the first step's
    ordered = list(Showing.objects.filter(workshop=workshop))
    assert ordered[0].started_at == started
    assert ordered[0].ended_at == ordered[1].started_at


def test_finishing_the_workshop_ends_the_step_s_time(workshop, agenda):
    services.show_step(workshop=workshop, step=agenda["A"])
    services.close_workshop(workshop=workshop)
    showing = Showing.objects.get(workshop=workshop)
    assert showing.ended_at == Workshop.objects.get(pk=workshop.pk).closed_at


def test_deleting_the_step_on_screen_keeps_its_time_as_planned(workshop, agenda):
    a, b = agenda["A"], agenda["B"]
    workshop = on_screen(workshop, [(a, 0, 12), (b, 12, None)])
    services.delete_step(step=b)
    workshop.refresh_from_db()
    showing = Showing.objects.get(workshop=workshop, step=None)
    assert showing.ended_at is not None
    assert workshop.current_step is None


def test_the_console_shows_the_clock_and_no_other_screen_does(workshop, agenda):
    a, b = agenda["A"], agenda["B"]
    workshop = on_screen(workshop, [(a, 0, 4), (b, 4, None)])
    html = render_regions(workshop.pk, FACILITATOR, ("presenter",)).html["presenter"]
    assert "On this step <strong" in html
    assert " of 5 min planned" in html
    assert 'data-lag="' in html
    assert "minutes behind</strong>" in html  # B has been on since T0, far past its 5
    for audience in (PROJECTOR, DELEGATE):
        page = render_regions(workshop.pk, audience).joined()
        assert "planned" not in page
        assert "data-lag" not in page
