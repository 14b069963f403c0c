"""The staff revenue report and its CSV export: read-only GETs of the same form, with the
report page's permission (`reports.view_reports`) and location scoping: a sale counts where it
was placed (`sales.Purchase.location`), so staff of one gym see its sales only."""

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from locations import scoping
from reports.csv_download import csv_download
from reports.forms import RevenueForm
from reports.queries import Period
from reports.revenue import Revenue, RevenueGrouping, RevenueRow, build_revenue
from reports.views import PERMISSION, ask
from sales.models import MembershipPayment, Purchase, Refund


@dataclass(frozen=True)
class Column:
    heading: str
    attribute: str
    is_amount: bool = True


# The figures of the table and of the CSV, in order, after the group and the currency.
COLUMNS = [
    Column("Sales", "sales", is_amount=False),
    Column("Gross", "gross"),
    Column("Tax", "tax"),
    Column("Net", "net"),
    Column("Refunds", "refunds"),
    Column("Tax refunded", "refunded_tax"),
    Column("Takings", "takings"),
]
GROUP_HEADINGS = {
    RevenueGrouping.PRODUCT: "Product",
    RevenueGrouping.LOCATION: "Location",
    RevenueGrouping.MONTH: "Month",
}
NO_LOCATION = "(no location)"


def _label(group: str | date, *, for_csv: bool = False) -> str:
    """A month as "March 2026" ("2026-03" in the CSV); no location as "(no location)"."""
    if isinstance(group, date):
        return group.strftime("%Y-%m" if for_csv else "%B %Y")
    return group or NO_LOCATION


def _cells(row: RevenueRow) -> list[str]:
    """Counts as whole numbers, amounts to the cent ("90.00"), whatever the database summed
    them to."""
    values = [(column, getattr(row, column.attribute)) for column in COLUMNS]
    return [f"{value:.2f}" if column.is_amount else str(value) for column, value in values]


def _read(request: HttpRequest) -> tuple[RevenueForm, Revenue | None]:
    form, chosen, zone = ask(request, RevenueForm)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    # The chain's managers see every sale, those of no location too; other staff their own.
    purchases = scoping.within(Purchase.objects.all(), request.user, "location")
    refunds = scoping.within(Refund.objects.all(), request.user, "purchase__location")
    periods = scoping.within(MembershipPayment.objects.all(), request.user, "location")
    if data["location"]:
        purchases = purchases.filter(location__in=chosen)
        refunds = refunds.filter(purchase__location__in=chosen)
        periods = periods.filter(location__in=chosen)
    revenue = build_revenue(
        RevenueGrouping(data["group"]),
        Period.of_days(data["start"], data["end"], zone),
        purchases=purchases,
        refunds=refunds,
        membership_payments=periods,
    )
    return form, revenue


def _page(
    request: HttpRequest, form: RevenueForm, revenue: Revenue | None, *, status: int = 200
) -> HttpResponse:
    context = {
        **admin.site.each_context(request),
        "title": "Revenue",
        "form": form,
        "revenue": revenue,
        "columns": COLUMNS,
    }
    if revenue is not None:
        context |= {
            "where": form.cleaned_data["location"] or dict(form.fields["location"].choices)[""],
            "group_heading": GROUP_HEADINGS[revenue.grouping],
            "rows": [(_label(row.group), row.currency, _cells(row)) for row in revenue.rows],
            "totals": [(row.currency, _cells(row)) for row in revenue.totals],
            "csv_url": f"{reverse('reports:revenue_csv')}?{urlencode(_query(form))}",
        }
    return render(request, "reports/revenue.html", context, status=status)


def _query(form: RevenueForm) -> dict[str, str]:
    data = form.cleaned_data
    where = {"location": data["location"]} if data["location"] else {}
    return {
        "start": data["start"].isoformat(),
        "end": data["end"].isoformat(),
        **where,
        "group": data["group"],
    }


@staff_member_required
@permission_required(PERMISSION, raise_exception=True)
@require_GET
def revenue_page(request: HttpRequest) -> HttpResponse:
    form, revenue = _read(request)
    return _page(request, form, revenue)


@staff_member_required
@permission_required(PERMISSION, raise_exception=True)
@require_GET
def revenue_csv(request: HttpRequest) -> HttpResponse:
    """The table as CSV: the same figures as plain decimals, a totals row per currency last.
    Invalid input shows the page with its errors instead."""
    form, revenue = _read(request)
    if revenue is None:
        return _page(request, form, None, status=400)
    heading = [GROUP_HEADINGS[revenue.grouping], "Currency", *(c.heading for c in COLUMNS)]
    rows = [[_label(row.group, for_csv=True), row.currency, *_cells(row)] for row in revenue.rows]
    totals = [["Total", row.currency, *_cells(row)] for row in revenue.totals]
    return csv_download(
        "revenue", revenue.grouping.value, revenue.period, [heading, *rows, *totals]
    )
