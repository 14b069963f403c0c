"""A report's table as a CSV download: its name says what and which days, and a cell that a
spreadsheet would run as a formula is quoted."""

import csv
from collections.abc import Iterable

from django.http import HttpResponse

from reports.queries import Period


def csv_download(
    report: str, grouping: str, period: Period, rows: Iterable[list[str]]
) -> HttpResponse:
    """`rows` (the heading first) as gymbooking-<report>-by-<grouping>-<first>-to-<last>.csv;
    every row's first cell, a name, made spreadsheet-safe."""
    filename = (
        f"gymbooking-{report}-by-{grouping}-"
        f"{period.first_day.isoformat()}-to-{period.last_day.isoformat()}.csv"
    )
    response = HttpResponse(
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
    writer = csv.writer(response)
    for label, *cells in rows:
        writer.writerow([spreadsheet_safe(label), *cells])
    return response


def spreadsheet_safe(text: str) -> str:
    """A name that a spreadsheet would run as a formula ("=…", "+…", "-…", "@…") is quoted."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
