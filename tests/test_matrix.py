"""The 2x2 step: rating each option for impact and effort, the medians and quadrants, the
plot on every screen, and votes whose options are the clusters of an ideas step."""

from __future__ import annotations

import re
import uuid

import pytest
from django.db import IntegrityError, transaction

from sessions.agenda import services
from sessions.errors import Conflict, NotFound
from sessions.ideas import services as ideas
from sessions.live import audiences, regions
from sessions.models import Ballot, Mark, Poll
from sessions.voting import services as voting
from sessions.voting.plotting import Box, MatrixPlot, text_box, text_width
from sessions.voting.read import (
    FILL_INS,
    MAJOR_PROJECTS,
    QUICK_WINS,
    THANKLESS_TASKS,
    Axis,
    OptionResult,
    quadrant_of,
    render_ballot,
    tally_poll,
)
from tests.test_voting import HTMX, make_poll, option_id, phone, tap, text

pytestmark = pytest.mark.django_db

THEMES = ["Changeovers", "Training", "Data entry"]


def matrix_poll(workshop, options=THEMES, **kwargs) -> Poll:
    return make_poll(workshop, kind="matrix", options=options, **kwargs)


def ratings(poll: Poll) -> dict[str, tuple[int, int | None]]:
    """Every stored mark as label: (impact, effort), for a poll with one voter."""
    marks = Mark.objects.filter(ballot__poll=poll).values_list("option__label", "value", "effort")
    return {label: (impact, effort) for label, impact, effort in marks}


def result(poll: Poll, label: str) -> OptionResult:
    return next(r for r in tally_poll(poll).results if r.label == label)


def rate(poll: Poll, label: str, impact: int | None, effort: int | None, client=None):
    """One phone (a new one unless given) rates one option."""
    client = client or phone(poll.step.workshop)
    if impact is not None:
        assert tap(client, poll, label, "impact", value=impact).status_code == 200
    if effort is not None:
        assert tap(client, poll, label, "effort", value=effort).status_code == 200
    return client


def svg_of(html: str) -> str:
    match = re.search(r"<svg class=\"matrix-plot\".*?</svg>", html, re.S)
    assert match, "no 2x2 plot in the page"
    return match.group(0)


# --- rating --------------------------------------------------------------------------------


def test_impact_and_effort_can_be_rated_in_either_order(workshop, delegate_client):
    poll = matrix_poll(workshop)
    assert tap(delegate_client, poll, "Training", "impact", value=4).status_code == 200
    assert ratings(poll) == {"Training": (4, None)}
    tap(delegate_client, poll, "Training", "effort", value=2)
    tap(delegate_client, poll, "Changeovers", "effort", value=5)
    assert ratings(poll) == {"Training": (4, 2), "Changeovers": (0, 5)}
    tap(delegate_client, poll, "Changeovers", "impact", value=1)
    assert ratings(poll) == {"Training": (4, 2), "Changeovers": (1, 5)}
    assert Ballot.objects.get().spent == 2


def test_a_rating_can_be_changed_while_the_vote_is_open(workshop, delegate_client):
    poll = matrix_poll(workshop)
    rate(poll, "Training", 4, 2, client=delegate_client)
    rate(poll, "Training", 2, 5, client=delegate_client)
    assert ratings(poll) == {"Training": (2, 5)}
    assert result(poll, "Training").impact.median == 2


def test_clearing_an_option_removes_only_its_ratings(workshop, delegate_client):
    poll = matrix_poll(workshop)
    rate(poll, "Training", 4, 2, client=delegate_client)
    rate(poll, "Changeovers", 3, None, client=delegate_client)
    answer = tap(delegate_client, poll, "Training", "clear")
    assert answer.status_code == 200
    assert ratings(poll) == {"Changeovers": (3, None)}
    assert Ballot.objects.get().spent == 1
    tap(delegate_client, poll, None, "clear")  # "Start my vote again"
    assert ratings(poll) == {}
    assert tally_poll(poll).voters == 0


def test_impact_and_effort_taps_sharing_the_options_key_both_land_once(workshop, delegate_client):
    poll = matrix_poll(workshop)
    key = str(uuid.uuid4())  # the option's forms share one key, as drawn on the ballot
    tap(delegate_client, poll, "Training", "impact", value=4, key=key)
    tap(delegate_client, poll, "Training", "effort", value=2, key=key)
    again = tap(delegate_client, poll, "Training", "impact", value=4, key=key)
    assert "Already counted" in text(again)
    assert ratings(poll) == {"Training": (4, 2)}
    assert Ballot.objects.get().revision == 2


@pytest.mark.parametrize("action", ["impact", "effort"])
@pytest.mark.parametrize("value", [0, 6, -1, "high", "3.5"])
def test_a_rating_outside_1_to_5_is_refused_and_changes_nothing(
    workshop, delegate_client, action, value
):
    poll = matrix_poll(workshop)
    rate(poll, "Training", 4, 2, client=delegate_client)
    response = tap(delegate_client, poll, "Training", action, value=value)
    assert response.status_code == 400
    assert "not understood" in text(response)
    assert ratings(poll) == {"Training": (4, 2)}


@pytest.mark.parametrize("action", ["impact", "effort"])
def test_a_rating_without_a_value_is_refused_with_its_axis(workshop, delegate_client, action):
    poll = matrix_poll(workshop)
    response = tap(delegate_client, poll, "Training", action)
    assert response.status_code == 400
    assert f"An {action} rating is a whole number from 1 to 5." in text(response)
    assert not Mark.objects.exists()


@pytest.mark.parametrize("action", ["speed", "IMPACT", ""])
def test_an_unknown_axis_is_refused(workshop, delegate_client, action):
    poll = matrix_poll(workshop)
    response = tap(delegate_client, poll, "Training", action, value=3)
    assert response.status_code == 400
    assert "not understood" in text(response)
    assert not Mark.objects.exists()


def test_other_kinds_of_tap_do_not_fit_a_2x2_and_axes_do_not_fit_other_votes(
    workshop, delegate_client
):
    poll = matrix_poll(workshop)
    for action in ("rate", "add", "pick", "rank"):
        refused = tap(delegate_client, poll, "Training", action, value=3)
        assert refused.status_code == 400
        assert "does not fit this kind of vote" in text(refused)
    scale = make_poll(workshop, kind="scale", options=["Useful", "Clear"])
    refused = tap(delegate_client, scale, "Useful", "impact", value=3)
    assert "does not fit this kind of vote" in text(refused)
    assert not Mark.objects.exists()


def test_an_option_of_another_vote_cannot_be_rated_or_cleared(workshop, delegate_client):
    poll = matrix_poll(workshop)
    other = make_poll(workshop, kind="matrix", options=["Elsewhere", "Other"])
    rate(poll, "Training", 4, 2, client=delegate_client)
    for action, value in (("impact", 3), ("clear", None)):
        data = {"poll": poll.pk, "option": option_id(other, "Elsewhere"), "action": action}
        if value:
            data["value"] = value
        response = delegate_client.post(f"/w/{workshop.pk}/vote/", data, **HTMX)
        assert response.status_code == 404
        assert "not part of this vote" in text(response)
    assert ratings(poll) == {"Training": (4, 2)}


def test_a_closed_2x2_refuses_ratings_and_keeps_them(workshop, delegate_client):
    poll = matrix_poll(workshop)
    rate(poll, "Training", 4, 2, client=delegate_client)
    voting.close_poll(poll=poll)
    for action, value in (("impact", 1), ("effort", 5), ("clear", None)):
        refused = tap(delegate_client, poll, "Training", action, value=value)
        assert refused.status_code == 409
        assert "This vote is closed" in text(refused)
    assert ratings(poll) == {"Training": (4, 2)}


def test_a_plain_form_post_rates_and_returns_to_the_phone_page(workshop, delegate_client):
    poll = matrix_poll(workshop)
    data = {"poll": poll.pk, "option": option_id(poll, "Training"), "action": "effort"}
    response = delegate_client.post(f"/w/{workshop.pk}/vote/", {**data, "value": 3})
    assert response.status_code == 302
    assert response["Location"] == f"/w/{workshop.pk}/"
    assert ratings(poll) == {"Training": (0, 3)}


def test_the_database_holds_ratings_to_1_to_5(workshop, delegate_client):
    poll = matrix_poll(workshop)
    rate(poll, "Training", 4, None, client=delegate_client)
    mark = Mark.objects.filter(ballot__poll=poll)
    for change in ({"effort": 6}, {"effort": 0}, {"value": 6}, {"value": 0}):
        # value 0 means "impact not rated yet", allowed only once effort is rated
        with pytest.raises(IntegrityError), transaction.atomic():
            mark.update(**change)
    mark.update(value=0, effort=3)
    assert ratings(poll) == {"Training": (0, 3)}


# --- the tally -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "median", "q1", "q3"),
    [
        ([4], 4, 4, 4),
        ([1, 2, 5], 2, 1.5, 3.5),
        ([2, 3], 2.5, 2.25, 2.75),
        ([1, 2, 4, 5], 3, 1.75, 4.25),
        ([3, 3, 3, 5, 5, 5], 4, 3, 5),
        ([1, 1, 1, 1, 1, 5, 5, 5], 1, 1, 5),
    ],
)
def test_medians_and_quartiles_interpolate_between_the_middle_ratings(values, median, q1, q3):
    axis = Axis(tuple(values.count(v) for v in range(1, 6)))
    assert axis.median == median
    assert axis.q1 == q1
    assert axis.q3 == q3
    assert Axis((0,) * 5).median is None


def test_the_tally_gives_each_axis_its_median_spread_and_count(workshop):
    poll = matrix_poll(workshop)
    for impact, effort in ((5, 1), (4, 2), (2, 2), (1, None)):
        rate(poll, "Training", impact, effort)
    rate(poll, "Changeovers", None, 4)
    training = result(poll, "Training")
    assert (training.impact.n, training.effort.n, training.voters) == (4, 3, 4)
    assert training.impact.median == 3  # (2 + 4) / 2: an even count
    assert training.effort.median == 2
    assert training.impact.spread_text == "1.75 to 4.25"
    assert training.effort.spread_text == "1.5 to 2"
    assert training.quadrant == QUICK_WINS
    changeovers = result(poll, "Changeovers")
    assert changeovers.quadrant is None  # effort only: not placed until impact is rated
    assert changeovers.impact.median_text == ""
    assert tally_poll(poll).voters == 5


@pytest.mark.parametrize(
    ("impact", "effort", "quadrant"),
    [
        (4, 2, QUICK_WINS),
        (5, 4.5, MAJOR_PROJECTS),
        (1, 1, FILL_INS),
        (2, 4, THANKLESS_TASKS),
        (3, 2.5, QUICK_WINS),  # exactly 3 counts as high
        (3, 3, MAJOR_PROJECTS),
        (2.5, 3, THANKLESS_TASKS),
        (2.5, 2.5, FILL_INS),
    ],
)
def test_quadrants_split_at_3_and_3_counts_as_high(impact, effort, quadrant):
    assert quadrant_of(impact, effort) == quadrant


def test_results_list_quick_wins_first_then_by_impact(workshop):
    poll = matrix_poll(workshop, options=["Thankless", "Major", "Quick", "Unrated", "Quicker"])
    for label, impact, effort in (
        ("Thankless", 1, 5),
        ("Major", 5, 5),
        ("Quick", 4, 1),
        ("Quicker", 5, 2),
    ):
        rate(poll, label, impact, effort)
    assert [r.label for r in tally_poll(poll).results] == [
        "Quicker",
        "Quick",
        "Major",
        "Thankless",
        "Unrated",
    ]


def test_the_top_options_carried_forward_are_the_quick_wins_first(workshop):
    poll = matrix_poll(workshop)
    rate(poll, "Changeovers", 5, 5)
    rate(poll, "Data entry", 4, 1)
    rate(poll, "Training", 2, 1)
    voting.close_poll(poll=poll)
    focus = voting.set_focus(poll=poll, top=2)
    assert [o.label for o in focus] == ["Data entry", "Changeovers"]


def test_the_2x2_tally_costs_three_queries_for_one_voter_or_thirty(
    workshop, django_assert_max_num_queries
):
    poll = matrix_poll(workshop)
    rate(poll, "Training", 4, 2)
    fresh = Poll.objects.get(pk=poll.pk)  # nothing cached: its options are queried too
    with django_assert_max_num_queries(3):
        tally_poll(fresh)
    for n in range(29):
        rate(poll, THEMES[n % 3], n % 5 + 1, (n * 2) % 5 + 1)
    fresh = Poll.objects.get(pk=poll.pk)
    with django_assert_max_num_queries(3):
        tally = tally_poll(fresh)
        assert tally.voters == 30
        assert tally.plot.points  # the plot's layout needs no query


# --- the plot ------------------------------------------------------------------------------


def test_the_plot_shows_every_option_and_its_numbers_on_the_console(workshop):
    poll = matrix_poll(workshop)
    rate(poll, "Training", 4, 2)
    rate(poll, "Changeovers", 2, 4)
    rate(poll, "Data entry", 5, 5)
    html = regions.render_regions(workshop.pk, audiences.FACILITATOR, ("results",)).joined()
    svg = svg_of(html)
    for label in THEMES:
        assert f">{label} <tspan" in svg  # a label next to its point
    for name in ("Quick wins", "Major projects", "Fill-ins", "Thankless tasks"):
        assert name in svg
    assert "n=1" in svg
    assert "<table" in html
    assert "interquartile range" in html
    assert "a median of 3 or more counts as high" in html


def test_hostile_labels_show_as_escaped_text_in_the_plot_and_the_table(workshop):
    hostile = ["<script>alert(1)</script>", '" hx-get="/x" id="results', "<b onmouseover=x>"]
    poll = matrix_poll(workshop, options=hostile)
    for n, label in enumerate(hostile):
        rate(poll, label, n + 2, 4 - n)
    voting.reveal_results(poll=poll)
    for audience in (audiences.FACILITATOR, audiences.PROJECTOR, audiences.DELEGATE):
        html = regions.render_regions(workshop.pk, audience, ("results",)).joined()
        assert "<script>" not in html
        assert "<b onmouseover" not in html
        assert 'hx-get="/x"' not in html
        svg = svg_of(html)
        assert "&lt;script&gt;alert(1)&lt;…" in svg  # shortened on the plot
        assert "&lt;b onmouseover=x&gt;" in svg
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # in full in the table


def test_the_projector_and_phones_show_the_plot_only_once_revealed(workshop, delegate_client):
    poll = matrix_poll(workshop)
    rate(poll, "Training", 4, 2, client=delegate_client)
    projector = regions.render_regions(workshop.pk, audiences.PROJECTOR, ("results",)).joined()
    assert "<svg" not in projector
    assert "Training" not in projector
    assert re.search(r'data-voted="1">1</strong> of 1 delegate have voted', projector)
    phones = regions.render_regions(workshop.pk, audiences.DELEGATE, ("results",)).joined()
    assert "<svg" not in phones
    console = regions.render_regions(workshop.pk, audiences.FACILITATOR, ("results",)).joined()
    assert "Training" in svg_of(console)
    voting.reveal_results(poll=poll)
    for audience in (audiences.PROJECTOR, audiences.DELEGATE):
        shown = regions.render_regions(workshop.pk, audience, ("results",)).joined()
        assert "Training" in svg_of(shown)


def test_show_live_shows_the_plot_while_rating(workshop):
    poll = matrix_poll(workshop, show_live=True)
    rate(poll, "Training", 4, 2)
    shown = regions.render_regions(workshop.pk, audiences.PROJECTOR, ("results",)).joined()
    assert "Training" in svg_of(shown)


def ratings_at(median: int) -> Axis:
    return Axis(tuple(2 if rating == median else 0 for rating in range(1, 6)))


def plotted(points: list[tuple[int, int]]) -> MatrixPlot:
    """A plot of options with these (impact, effort) medians, two ratings each."""
    results = []
    for n, (impact, effort) in enumerate(points):
        r = OptionResult(
            n, f"Theme number {n}", impact=ratings_at(impact), effort=ratings_at(effort)
        )
        r.quadrant = quadrant_of(impact, effort)
        results.append(r)
    return MatrixPlot(results)


def test_labels_never_overlap_each_other_or_a_marker_and_the_layout_is_repeatable():
    crowded = [(impact, effort) for impact in (1, 2, 4, 5) for effort in (1, 2, 4, 5)]
    crowded += [(3, 3)] * 4
    plot = plotted(crowded)
    assert plot.fanned  # the four at (3, 3) are drawn around that point
    r = plot.marker_radius
    markers = [Box(p.x - r, p.y - r, p.x + r, p.y + r) for p in plot.points]
    assert len({(p.x, p.y) for p in plot.points}) == len(plot.points)
    labels = []
    for p in plot.points:
        if p.labelled:
            width = text_width(p.short_label, plot.label_size) + text_width(
                f" {p.n_text}", plot.n_size
            )
            labels.append(text_box(p.label_x, p.label_y, width, plot.label_size, p.anchor))
    assert len(labels) >= 5  # the rest are listed by number under the plot
    for i, label in enumerate(labels):
        assert not any(label.overlaps(other) for other in labels[i + 1 :])
        assert not any(label.overlaps(marker) for marker in markers)
    again = plotted(crowded)
    assert [(p.x, p.y, p.label_x, p.label_y, p.labelled) for p in again.points] == [
        (p.x, p.y, p.label_x, p.label_y, p.labelled) for p in plot.points
    ]
    assert [p.number for p in plot.unlabelled] == [p.number for p in again.unlabelled]


def test_options_without_a_label_on_the_plot_are_listed_by_number(workshop):
    labels = [f"A rather long theme name {n}" for n in range(24)]
    poll = matrix_poll(workshop, options=labels)
    for label in labels:
        rate(poll, label, 3, 3)
    html = regions.render_regions(workshop.pk, audiences.FACILITATOR, ("results",)).joined()
    plot = tally_poll(poll).plot
    assert plot.unlabelled
    assert "On the plot by number:" in html
    for point in plot.unlabelled:
        assert f"<strong>{point.number}</strong> {point.result.label}" in html


# --- the phone's ballot --------------------------------------------------------------------


def test_the_ballot_has_two_rows_of_five_buttons_per_option(workshop, delegate_client):
    poll = matrix_poll(workshop)
    ballot = render_ballot(poll, delegate_client.delegate.pk)
    assert ballot.count('name="action" value="impact"') == len(THEMES)
    assert ballot.count('name="action" value="effort"') == len(THEMES)
    assert ballot.count('aria-pressed="false"') == 10 * len(THEMES)
    assert ">low<" in ballot
    assert ">high<" in ballot


def test_the_ballot_marks_the_current_impact(workshop, delegate_client):
    poll = matrix_poll(workshop)
    answer = tap(delegate_client, poll, "Training", "impact", value=4)
    html = text(answer)
    assert html.count('aria-pressed="true"') == 1
    assert 'aria-pressed="true" aria-label="Impact 4 of 5"' in html
    assert "Clear these ratings" in html


def test_the_ballot_marks_the_current_effort(workshop, delegate_client):
    poll = matrix_poll(workshop)
    html = text(tap(delegate_client, poll, "Training", "effort", value=2))
    assert 'aria-pressed="true" aria-label="Effort 2 of 5"' in html


# --- options from the clusters of an ideas step --------------------------------------------


def ideas_step(workshop, *clusters: str):
    step = ideas.add_ideas_step(workshop=workshop, title="Ideas on changeovers", prompt="How?")
    for name in clusters:
        ideas.create_cluster(board=step.board, name=name)
    return step


def test_cluster_labels_are_the_clusters_names_in_order(workshop):
    step = ideas_step(workshop, "Quick changeover kits", "Training", "Data capture")
    assert voting.cluster_labels(workshop, step.pk) == [
        "Quick changeover kits",
        "Training",
        "Data capture",
    ]


def test_cluster_labels_refuse_a_step_without_clusters_or_not_of_ideas(workshop, other_workshop):
    empty = ideas_step(workshop)
    with pytest.raises(Conflict, match="That ideas step has no clusters yet"):
        voting.cluster_labels(workshop, empty.pk)
    message = services.add_step(workshop=workshop, title="Welcome")
    foreign = ideas_step(other_workshop, "Theirs", "Also theirs")
    for step_id in (message.pk, foreign.pk, 999_999):
        with pytest.raises(NotFound, match="not part of this workshop"):
            voting.cluster_labels(workshop, step_id)


def add_vote(client, workshop, **data):
    form = {"kind": "vote", "title": "Impact and effort", "poll_kind": "matrix", **data}
    return client.post(f"/console/workshops/{workshop.pk}/steps/", form)


def test_a_vote_step_can_take_its_options_from_the_clusters(workshop, facilitator_client):
    step = ideas_step(workshop, "Quick changeover kits", "Training", "Data capture")
    page = text(facilitator_client.get(f"/console/workshops/{workshop.pk}/"))
    assert "Options from the clusters of" in page
    assert f'<option value="{step.pk}">Ideas on changeovers</option>' in page
    response = add_vote(
        facilitator_client, workshop, options="Typed\nignored", options_from=step.pk
    )
    assert response.status_code == 302
    poll = Poll.objects.get()
    assert poll.kind == "matrix"
    assert list(poll.options.values_list("label", flat=True)) == [
        "Quick changeover kits",
        "Training",
        "Data capture",
    ]


def test_the_cluster_choice_appears_only_when_there_is_an_ideas_step(workshop, facilitator_client):
    page = text(facilitator_client.get(f"/console/workshops/{workshop.pk}/"))
    assert "Options from the clusters of" not in page


def test_options_from_an_ideas_step_without_clusters_wait_for_the_vote_to_open(
    workshop, facilitator_client
):
    step = ideas_step(workshop)
    response = add_vote(facilitator_client, workshop, options_from=step.pk)
    assert response.status_code == 302
    poll = Poll.objects.get()
    assert not poll.options.exists()
    with pytest.raises(Conflict, match="which has none yet: cluster the ideas first"):
        voting.open_poll(poll=poll)


def test_options_from_another_workshops_ideas_step_are_refused(
    workshop, other_workshop, facilitator_client
):
    ideas_step(workshop, "Ours", "Also ours")
    foreign = ideas_step(other_workshop, "Theirs", "Also theirs")
    response = add_vote(facilitator_client, workshop, options_from=foreign.pk)
    assert response.status_code == 400
    assert "That ideas step is not part of this workshop." in text(response)
    assert not Poll.objects.exists()


def test_typed_options_are_still_needed_without_clusters(workshop, facilitator_client):
    ideas_step(workshop, "Ours", "Also ours")
    response = add_vote(facilitator_client, workshop, options="Only one", options_from="")
    assert response.status_code == 400
    assert "at least 2 options" in text(response)
    assert not Poll.objects.exists()
