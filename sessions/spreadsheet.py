"""CSV exports: streamed row by row, and safe to open in a spreadsheet.

Every CSV the app serves goes through `csv_response`: rows come from an iterator (use
`QuerySet.iterator()` so a workshop of 1,000 delegates is never loaded at once), and every
cell a spreadsheet could take for a formula is neutralised by `safe_cell`.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

# A cell starting with one of these is read as a formula by Excel, LibreOffice or Sheets
# (tab and carriage return too: some spreadsheets strip them and read what follows).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """The cell as text, with a leading apostrophe when it would start a formula.

    Numbers stay numbers (a negative count is not a formula); dates are ISO 8601.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime):
        return (
            timezone.localtime(value).isoformat(timespec="seconds")
            if timezone.is_aware(value)
            else value.isoformat(timespec="seconds")
        )
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class _Line:
    """A file-like object whose `write` hands back the line it was given."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """The CSV text, one line at a time, header first, every cell through `safe_cell`."""
    writer = csv.writer(_Line())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> StreamingHttpResponse:
    """A streamed CSV download. `rows` is consumed lazily while the response is sent."""
    response = StreamingHttpResponse(
        csv_lines(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def zip_response(
    filename: str, files: Iterable[tuple[str, Sequence[str], Iterable[Sequence[object]]]]
) -> HttpResponse:
    """Several CSV files in one zip download: (name, header, rows) each.

    A zip's directory comes last, so this one is built in memory; the CSVs inside are
    written row by row, never held as lists.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, header, rows in files:
            with (
                archive.open(name, "w") as member,
                io.TextIOWrapper(member, encoding="utf-8", newline="") as text,
            ):
                for line in csv_lines(header, rows):
                    text.write(line)
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
