"""The outcome report's page (printable on A4) and its CSV download, for the event's team
(`Action.VIEW`: organisers and facilitators).

Per-series report: when events are grouped into series, add `series_report` and
`series_report_csv` here, each calling `figures.report(<the series' events, oldest first>)`
and the same template and `report_files` (see the marked place in `sessions/urls.py`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from sessions.access import Action, get_event_for
from sessions.models import Event
from sessions.report.figures import Report, Share, Split, Suppressed, report
from sessions.requests import AuthenticatedHttpRequest
from sessions.spreadsheet import zip_response


@login_required
@require_GET
def event_report(request: AuthenticatedHttpRequest, event_id: int) -> HttpResponse:
    event = get_event_for(request.user, event_id, Action.VIEW)
    csv_url = reverse("workshops:event_report_csv", args=[event.pk])
    return render_report(request, [event], csv_url=csv_url)


def render_report(
    request: AuthenticatedHttpRequest, events: Sequence[Event], *, csv_url: str
) -> HttpResponse:
    """The page over `events` (one event now; a series' events later)."""
    context = {"report": report(events), "csv_url": csv_url}
    return render(request, "workshops/report/report.html", context)


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
    yield from _split_rows("commitments by challenge", r.challenges)
    for label, item in r.funnel:
        yield _share_row("follow-up", item, str(label))
    yield from _split_rows("outcomes", r.outcomes)
    yield from _split_rows("adopt, adapt or abandon", r.verdicts)
    section = "snapshot movement"
    yield _count_row(section, "firms that took the Snapshot and its retake", r.movement.pairs)
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


@login_required
@require_GET
def event_report_csv(request: AuthenticatedHttpRequest, event_id: int) -> HttpResponse:
    """The report's figures and stories: a zip of figures.csv and stories.csv."""
    event = get_event_for(request.user, event_id, Action.VIEW)
    return report_files(report([event]), f"report-event-{event.pk}")
