"""The staff report page and its CSV export, both read-only GETs of the same form.

Who may see them: staff (`staff_member_required`: anyone else is sent to the admin login)
holding the permission `reports.view_reports` (403 otherwise; superusers hold it). The
permission lives on the table-less `reports.models.Report`, so it can be given to a group.
A report covers one of the locations the user works at, or all of them (the chain's managers:
the whole chain); another location's name is refused as any unknown choice is.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import tzinfo
from fractions import Fraction
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from locations import scoping
from locations.models import Location
from reports import charts
from reports.csv_download import csv_download
from reports.formatting import decimal, percent
from reports.forms import ReportForm, report_form
from reports.queries import Grouping, Period, Report, ReportRow, build_report
from web import formatting

PERMISSION = "reports.view_reports"


@dataclass(frozen=True)
class Column:
    heading: str
    attribute: str
    is_rate: bool = False


# The columns of the table and of the CSV, in order (the group's own column comes first).
COLUMNS = [
    Column("Classes held", "classes_held"),
    Column("Capacity", "capacity"),
    Column("Spots taken", "booked"),
    Column("Fill rate", "fill_rate", is_rate=True),
    Column("Waitlist joins", "waitlist_joined"),
    Column("Promoted", "waitlist_promoted"),
    Column("Waitlist conversion", "waitlist_conversion", is_rate=True),
    Column("Attended", "attended"),
    Column("No-shows", "no_shows"),
    Column("Attendance rate", "attendance_rate", is_rate=True),
    Column("No-show rate", "no_show_rate", is_rate=True),
    Column("Bookings made", "bookings_made"),
    Column("Late cancellations", "late_cancellations"),
    Column("Late-cancellation rate", "late_cancellation_rate", is_rate=True),
]

GROUP_HEADINGS = {
    Grouping.CLASS: "Class",
    Grouping.INSTRUCTOR: "Instructor",
    Grouping.LOCATION: "Location",
}
UNNAMED = {
    Grouping.CLASS: "(no name)",
    Grouping.INSTRUCTOR: "(no instructor)",
    Grouping.LOCATION: "(no location)",
}
EVERYWHERE = {True: "The whole chain", False: "All my locations"}


def _label(grouping: Grouping, group: str) -> str:
    return group or UNNAMED[grouping]


def ask[F: ReportForm](
    request: HttpRequest, form_class: type[F]
) -> tuple[F, list[Location], tzinfo]:
    """The form as the URL fills it, the locations it asks about (when it is valid: the
    chosen one, or every one the user works at) and the clock of its days: the chosen
    location's ("today" is its today), or the gym's (TIME_ZONE) over several."""
    mine = list(scoping.locations_of(request.user).only("id", "name", "time_zone"))
    asked = next((loc for loc in mine if loc.name == request.GET.get("location")), None)
    zone = formatting.zone_of(asked.time_zone if asked else None)
    form = report_form(
        request.GET.dict(),
        timezone.localdate(timezone.now(), zone),
        [location.name for location in mine],
        EVERYWHERE[scoping.works_everywhere(request.user)],
        form_class,
    )
    if not form.is_valid():
        return form, [], zone
    chosen = [loc for loc in mine if form.cleaned_data["location"] in ("", loc.name)]
    return form, chosen, zone


def _read(request: HttpRequest) -> tuple[ReportForm, Report | None]:
    """The form as the URL fills it and, when it is valid, the report it asks for. Over
    several locations each class counts on its own location's day."""
    now = timezone.now()
    form, chosen, zone = ask(request, ReportForm)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    period = Period.of_days(data["start"], data["end"], zone)
    clocks = [(location.pk, formatting.zone_of(location.time_zone)) for location in chosen]
    report = build_report(period, Grouping(data["group"]), now=now, locations=clocks)
    return form, report


def _cells(row: ReportRow, rate: Callable[[Fraction | None], str] = percent) -> list[str]:
    """The row's values in column order, counts as whole numbers and rates through `rate`."""
    values = [getattr(row, column.attribute) for column in COLUMNS]
    return [
        rate(value) if column.is_rate else str(value)
        for column, value in zip(COLUMNS, values, strict=True)
    ]


def _where(form: ReportForm) -> str:
    """Where the report counts, as its heading says it."""
    chosen = form.cleaned_data.get("location", "")
    return chosen or dict(form.fields["location"].choices)[""]


def _page(
    request: HttpRequest, form: ReportForm, report: Report | None, *, status: int = 200
) -> HttpResponse:
    context = {
        **admin.site.each_context(request),
        "title": "Reports",
        "form": form,
        "report": report,
        "columns": COLUMNS,
    }
    if report is not None:
        grouping = report.grouping
        labels = [_label(grouping, row.group) for row in report.rows]
        subject = grouping.label.lower()
        context |= {
            "where": _where(form),
            "on_one_clock": bool(form.cleaned_data["location"]),
            "group_heading": GROUP_HEADINGS[grouping],
            "rows": [(label, _cells(row)) for row, label in zip(report.rows, labels, strict=True)],
            "total": _cells(report.total),
            "fill_rate_chart": charts.fill_rate_chart(report.rows, labels, subject=subject),
            "attendance_chart": charts.attendance_chart(report.rows, labels, subject=subject),
            "csv_url": f"{reverse('reports:csv')}?{urlencode(_query(form, report))}",
        }
    return render(request, "reports/report.html", context, status=status)


def _query(form: ReportForm, report: Report) -> dict[str, str]:
    where = {"location": form.cleaned_data["location"]} if form.cleaned_data["location"] else {}
    return {
        "start": report.period.first_day.isoformat(),
        "end": report.period.last_day.isoformat(),
        **where,
        "group": report.grouping.value,
    }


@staff_member_required
@permission_required(PERMISSION, raise_exception=True)
@require_GET
def report_page(request: HttpRequest) -> HttpResponse:
    form, report = _read(request)
    return _page(request, form, report)


@staff_member_required
@permission_required(PERMISSION, raise_exception=True)
@require_GET
def report_csv(request: HttpRequest) -> HttpResponse:
    """The table as CSV: the same columns, rates as plain decimals (0.8500; empty when
    undefined), the totals last. Invalid input shows the page with its errors instead."""
    form, report = _read(request)
    if report is None:
        return _page(request, form, None, status=400)
    heading = [GROUP_HEADINGS[report.grouping], *(column.heading for column in COLUMNS)]
    rows = [[_label(report.grouping, row.group), *_cells(row, rate=decimal)] for row in report.rows]
    total = [report.total.group, *_cells(report.total, rate=decimal)]
    return csv_download("report", report.grouping.value, report.period, [heading, *rows, total])
