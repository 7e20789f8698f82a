"""CSV exports: spreadsheet-safe cells, streamed rows, and the archive's files."""

from __future__ import annotations

import csv
import datetime
import io
import zipfile

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from sessions.agenda import services
from sessions.ideas import services as ideas
from sessions.models import Idea
from sessions.spreadsheet import csv_response, safe_cell, zip_response
from tests.test_archive import run_workshop

# --- sessions.spreadsheet itself -----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Plain text", "Plain text"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (3, "3"),
        (-3, "-3"),  # a number, not a formula
        (2.5, "2.5"),
        (True, "yes"),
        (False, "no"),
        (datetime.date(2026, 11, 21), "2026-11-21"),
        (datetime.datetime(2026, 11, 21, 9, 30, 5), "2026-11-21T09:30:05"),
    ],
)
def test_safe_cell(value, cell):
    assert safe_cell(value) == cell


def test_an_aware_datetime_is_written_in_local_time_without_microseconds(settings):
    settings.TIME_ZONE = "Europe/London"
    moment = datetime.datetime(2026, 7, 1, 8, 0, 0, 123456, tzinfo=datetime.UTC)
    assert safe_cell(moment) == "2026-07-01T09:00:00+01:00"


def test_csv_response_streams_and_consumes_rows_lazily():
    produced = []

    def rows():
        for n in range(3):
            produced.append(n)
            yield (n, f"=row {n}")

    response = csv_response("x.csv", ("n", "text"), rows())
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    assert response["Content-Type"].startswith("text/csv")
    assert produced == []  # nothing read before the response is sent
    chunks = iter(response.streaming_content)
    assert next(chunks) == b"n,text\r\n"
    assert produced == []
    assert next(chunks) == b"0,'=row 0\r\n"
    assert produced == [0]
    assert b"".join(chunks) == b"1,'=row 1\r\n2,'=row 2\r\n"
    assert produced == [0, 1, 2]


def test_zip_response_holds_each_csv_with_safe_cells():
    response = zip_response("all.zip", [("a.csv", ("x",), iter([("=1",)])), ("b.csv", ("y",), [])])
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.namelist() == ["a.csv", "b.csv"]
    assert archive.read("a.csv").decode() == "x\r\n'=1\r\n"
    assert archive.read("b.csv").decode() == "y\r\n"


# --- the archive's exports --------------------------------------------------------------------

# (Idea texts are trimmed when sent, so a leading tab is covered by test_safe_cell.)
HOSTILE = ["=cmd|' /C calc'!A0", "+SUM(1,2)", "-1+2", "@SUM(A1)", "=1", 'Fine, "quoted"']


def rows_of(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


@pytest.fixture
def ran(workshop):
    result = run_workshop(workshop)
    board = result.board_step.board
    ideas.open_board(board=board)
    for text in HOSTILE:
        ideas.submit_idea(
            workshop_id=workshop.pk,
            delegate_id=result.delegates[2].pk,
            board_id=board.pk,
            text=text,
        )
    services.close_workshop(workshop=workshop)
    return result


def export(client, workshop, kind):
    return client.get(reverse("workshops:export_csv", args=[workshop.pk, kind]))


@pytest.mark.django_db
def test_votes_export_one_row_per_option_with_totals(ran, facilitator_client):
    response = export(facilitator_client, ran.workshop, "votes")
    assert isinstance(response, StreamingHttpResponse)
    rows = rows_of(response)
    assert rows[0][:7] == [
        "step",
        "step title",
        "kind of vote",
        "rank",
        "option",
        "score",
        "voters",
    ]
    dots = [r[3:7] for r in rows[1:] if r[1] == "Pick the challenge"]
    assert dots == [
        ["1", "Lean basics", "3", "2"],
        ["2", "Measuring", "2", "2"],
        ["3", "Digital", "1", "1"],
    ]
    matrix = {r[4]: (r[7], r[8], r[9]) for r in rows[1:] if r[1] == "Impact and effort"}
    assert matrix == {
        "Changeover": ("Quick wins", "4.5", "1.5"),
        "People": ("Thankless tasks", "2.5", "4.5"),
    }


@pytest.mark.django_db
def test_ballots_export_one_row_per_mark_without_names(ran, facilitator_client):
    rows = rows_of(export(facilitator_client, ran.workshop, "ballots"))
    header, body = rows[0], rows[1:]
    assert "delegate" not in " ".join(header)
    dots = [r for r in body if r[1] == "Pick the challenge"]
    # Lean basics x2 + Measuring; Measuring + Digital; Lean basics: five marks, 6 dots.
    assert len(dots) == 5
    assert sum(int(r[5]) for r in dots) == 6
    assert len({r[3] for r in dots}) == 3  # three ballots
    matrix = [r for r in body if r[1] == "Impact and effort"]
    assert sorted((r[4], r[5], r[6]) for r in matrix) == [
        ("Changeover", "4", "1"),
        ("Changeover", "5", "2"),
        ("People", "2", "4"),
        ("People", "3", "5"),
    ]
    for name in ("A", "B", "C"):
        assert [name] not in [r[3:4] for r in body]


@pytest.mark.django_db
def test_ideas_export_neutralises_hostile_texts_and_gives_cluster_and_status(
    ran, facilitator_client
):
    rows = rows_of(export(facilitator_client, ran.workshop, "ideas"))
    by_text = {r[3]: r for r in rows[1:]}
    for hostile in HOSTILE[:5]:
        assert "'" + hostile in by_text, hostile
    assert by_text['Fine, "quoted"'][4] == "Shown"
    assert by_text["SMED on line 2"][5] == "Changeover"
    assert by_text["Quick changeover"][4] == "merged"
    assert by_text["Quick changeover"][6] == str(Idea.objects.get(text="SMED on line 2").pk)
    assert by_text["<b>Secret</b> rant"][4] == "Hidden"
    assert "'" + '=HYPERLINK("http://evil.example","<script>x</script>")' in by_text
    assert all(not cell.startswith(("=", "+", "-", "@", "\t")) for r in rows for cell in r)


@pytest.mark.django_db
def test_pulse_and_steps_export(ran, facilitator_client):
    pulse = rows_of(export(facilitator_client, ran.workshop, "pulse"))
    assert pulse[0] == ["step", "usefulness (1-5)", "word", "answered at"]
    assert sorted((r[1], r[2]) for r in pulse[1:]) == [
        ("3", "Long"),
        ("4", "practical"),
        ("5", "Practical"),
    ]
    steps = rows_of(export(facilitator_client, ran.workshop, "steps"))
    assert [r[:3] for r in steps[1:]] == [
        ["1", "Message", "Welcome"],
        ["2", "Vote", "Pick the challenge"],
        ["3", "Ideas", "Ideas"],
        ["4", "Vote", "Impact and effort"],
        ["5", "Pulse", "Pulse"],
    ]


@pytest.mark.django_db
def test_all_exports_as_one_zip(ran, facilitator_client):
    response = facilitator_client.get(reverse("workshops:export_zip", args=[ran.workshop.pk]))
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    w = ran.workshop.pk
    assert archive.namelist() == [
        f"workshop-{w}-{kind}.csv"
        for kind in (
            "steps",
            "votes",
            "ballots",
            "ideas",
            "pulse",
            "commitments",
            "word-cloud",
            "questions",
        )
    ]
    single = b"".join(export(facilitator_client, ran.workshop, "ideas").streaming_content)
    assert archive.read(f"workshop-{w}-ideas.csv") == single


@pytest.mark.django_db
def test_exports_are_refused_to_outsiders_and_unknown_kinds(
    ran, outsider_client, facilitator_client
):
    assert export(outsider_client, ran.workshop, "ideas").status_code == 404
    assert export(facilitator_client, ran.workshop, "passwords").status_code == 404


@pytest.mark.django_db
def test_the_ballot_export_reads_rows_in_chunks(
    ran, facilitator_client, django_assert_max_num_queries
):
    """Rows come from QuerySet.iterator(): a bounded number of queries, whatever the size."""
    response = export(facilitator_client, ran.workshop, "ballots")
    with django_assert_max_num_queries(3):
        rows_of(response)
