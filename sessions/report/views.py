"""The outcome report's page (printable on A4) and its CSV download: an event's, for the
event's team (`Action.VIEW`: organisers and facilitators), and a series', for whoever is on
the team of every one of its editions (`access.get_series_for`).
"""

from __future__ import annotations

from collections.abc import Iterator

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from sessions.access import Action, get_event_for, get_series_for, may_see_series
from sessions.models import Event
from sessions.report.figures import (
    Report,
    SeriesReport,
    Share,
    Split,
    Suppressed,
    report,
    series_report,
)
from sessions.report.tables import tables
from sessions.requests import AuthenticatedHttpRequest
from sessions.spreadsheet import zip_response


@login_required
@require_GET
def event_report(request: AuthenticatedHttpRequest, event_id: int) -> HttpResponse:
    event = get_event_for(request.user, event_id, Action.VIEW)
    csv_url = reverse("workshops:event_report_csv", args=[event.pk])
    series = event.series
    context = {
        "report": report([event]),
        "csv_url": csv_url,
        "series": series if series and may_see_series(request.user, series) else None,
    }
    return render(request, "workshops/report/report.html", context)


@login_required
@require_GET
def series_report_page(request: AuthenticatedHttpRequest, series_id: int) -> HttpResponse:
    """One report over the series' editions, oldest first: each edition's figures side by
    side and the series' totals."""
    series, events = get_series_for(request.user, series_id, Action.VIEW)
    s = series_report(series, events)
    context = {
        "s": s,
        "tables": tables(s),
        "csv_url": reverse("workshops:series_report_csv", args=[series.pk]),
    }
    return render(request, "workshops/report/series.html", context)


FIGURES_HEADER = ("section", "figure", "count", "out of", "out of what", "percent", "note")
STORIES_HEADER = ("story (as written)", "about", "status", "verdict")


def _share_row(section: str, item: Share | Suppressed, label: str = "") -> tuple[object, ...]:
    if isinstance(item, Suppressed):
        return (section, label, "", "", "", "", str(item))
    return (section, str(item.label), item.count, item.of, str(item.of_label), item.percent, "")


def _split_rows(section: str, s: Split) -> Iterator[tuple[object, ...]]:
    if isinstance(s.of, Suppressed):
        yield (section, "all", "", "", "", "", str(s.of))
        return
    for item in s.shown:
        yield _share_row(section, item)
    if s.other is not None:
        yield _share_row(section, s.other, "other")


def _count_row(
    section: str, label: str, value: float | Suppressed, unit: str = ""
) -> tuple[object, ...]:
    if isinstance(value, Suppressed):
        return (section, label, "", "", "", "", str(value))
    return (section, label, value, "", unit, "", "")


def figure_rows(r: Report) -> Iterator[tuple[object, ...]]:
    yield _count_row("reach", "events", r.reach.events)
    yield _count_row("reach", "workshops", r.reach.workshops)
    yield _count_row("reach", "delegates", r.reach.delegates)
    yield _count_row("reach", "businesses benchmarked", r.reach.firms)
    yield _count_row("reach", "commitments made", r.reach.commitments)
    yield from _split_rows("businesses by employees", r.reach.sizes)
    yield from _split_rows("businesses by sector", r.reach.sectors)
    yield from _split_rows("commitments by challenge", r.challenges)
    for label, item in r.funnel:
        yield _share_row("follow-up", item, str(label))
    yield from _split_rows("outcomes", r.outcomes)
    yield from _split_rows("adopt, adapt or abandon", r.verdicts)
    section = "snapshot movement"
    yield _share_row(section, r.movement.pairs, "Took the retake")
    for name, change in r.movement.changes:
        yield _count_row(section, f"median change: {name}", change, "points (0-100)")


def story_rows(r: Report) -> Iterator[tuple[object, ...]]:
    for story in r.stories:
        yield (story.text, story.about, story.status, story.verdict)


def report_files(r: Report, stem: str) -> HttpResponse:
    return zip_response(
        f"{stem}.zip",
        [
            ("figures.csv", FIGURES_HEADER, figure_rows(r)),
            ("stories.csv", STORIES_HEADER, story_rows(r)),
        ],
    )


ALL_EDITIONS = "all editions"


def edition_name(event: Event) -> str:
    return f"{event.edition}: {event.name} ({event.date:%Y-%m-%d})"


def series_columns(s: SeriesReport) -> Iterator[tuple[str, Report]]:
    for edition in s.editions:
        yield edition_name(edition.events[0]), edition
    yield ALL_EDITIONS, s.total


def series_files(s: SeriesReport) -> HttpResponse:
    """The series' figures, each edition's and the totals, with an "edition" column first;
    and each edition's stories, with the edition they come from."""
    figures = ((name, *row) for name, r in series_columns(s) for row in figure_rows(r))
    stories = ((edition_name(r.events[0]), *row) for r in s.editions for row in story_rows(r))
    return zip_response(
        f"report-series-{s.series.pk}.zip",
        [
            ("figures.csv", ("edition", *FIGURES_HEADER), figures),
            ("stories.csv", ("edition", *STORIES_HEADER), stories),
        ],
    )


@login_required
@require_GET
def event_report_csv(request: AuthenticatedHttpRequest, event_id: int) -> HttpResponse:
    """The report's figures and stories: a zip of figures.csv and stories.csv."""
    event = get_event_for(request.user, event_id, Action.VIEW)
    return report_files(report([event]), f"report-event-{event.pk}")


@login_required
@require_GET
def series_report_csv(request: AuthenticatedHttpRequest, series_id: int) -> HttpResponse:
    """The series' figures and stories: a zip of figures.csv and stories.csv."""
    series, events = get_series_for(request.user, series_id, Action.VIEW)
    return series_files(series_report(series, events))
