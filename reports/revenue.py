"""The revenue behind the staff's revenue report, summed by the database in two grouped
queries whatever the number of sales: the purchases sold in the period (count, gross, tax)
and the refunds given in it (amount, tax), each grouped by product, location or month and by
currency (amounts of different currencies are never added together).

A sale counts on the day it was made and a refund on the day it was given, so the report's
"takings" (gross less refunds) are the money that came in during the period. A refund counts
under its purchase's product and location. A sale's location is the member's home gym when
she bought (sales/repositories.py); sales of no location count as "(no location)", seen by
the chain's managers only. Months are on one clock: the chosen location's, or the gym's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal

from django.db import models
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth

from reports.queries import Period
from sales.models import Purchase, Refund

ZERO = Decimal("0.00")


class RevenueGrouping(models.TextChoices):
    PRODUCT = "product", "Product"
    LOCATION = "location", "Location"
    MONTH = "month", "Month"


@dataclass(frozen=True)
class RevenueRow:
    """The sums of one group in one currency (or of every group: the totals)."""

    group: str | date  # a product's or a location's name ("" for none), or a month's first day
    currency: str
    sales: int = 0
    gross: Decimal = ZERO
    tax: Decimal = ZERO
    refunds: Decimal = ZERO
    refunded_tax: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        """Gross less its tax."""
        return self.gross - self.tax

    @property
    def takings(self) -> Decimal:
        """Gross less refunds: what the period brought in."""
        return self.gross - self.refunds


@dataclass(frozen=True)
class Revenue:
    grouping: RevenueGrouping
    period: Period
    rows: list[RevenueRow]
    totals: list[RevenueRow]  # one per currency, in currency order


def _group_field(grouping: RevenueGrouping, moment: str, zone: tzinfo, through: str = ""):
    match grouping:
        case RevenueGrouping.PRODUCT:
            return models.F(f"{through}product_name")
        case RevenueGrouping.LOCATION:
            return models.F(f"{through}location__name")
        case RevenueGrouping.MONTH:
            return TruncMonth(moment, tzinfo=zone, output_field=models.DateField())


def build_revenue(
    grouping: RevenueGrouping,
    period: Period,
    *,
    purchases: models.QuerySet[Purchase],
    refunds: models.QuerySet[Refund],
) -> Revenue:
    """The revenue of `purchases` sold and `refunds` given in `period` (both already
    narrowed to the locations asked about), grouped by `grouping`, months on the period's
    clock."""
    zone = period.starts.tzinfo
    starts, ends = period.starts, period.ends
    sold = (
        purchases.filter(purchased_at__gte=starts, purchased_at__lt=ends)
        .values(group=_group_field(grouping, "purchased_at", zone), cur=models.F("currency"))
        .annotate(sales=Count("id"), gross=Sum("price"), tax=Sum("tax"))
    )
    given = (
        refunds.filter(refunded_at__gte=starts, refunded_at__lt=ends)
        .values(
            group=_group_field(grouping, "refunded_at", zone, through="purchase__"),
            cur=models.F("purchase__currency"),
        )
        .annotate(refunds=Sum("amount"), refunded_tax=Sum("tax"))
    )
    sums: dict[tuple[object, str], dict[str, object]] = {}
    for row in [*sold, *given]:
        key = (_group_key(row["group"]), row["cur"])
        sums.setdefault(key, {}).update(
            {name: value for name, value in row.items() if name not in ("group", "cur")}
        )
    rows = [
        RevenueRow(group=group, currency=currency, **values)
        for (group, currency), values in sorted(sums.items(), key=_order)
    ]
    return Revenue(
        grouping=grouping,
        period=period,
        rows=rows,
        totals=_totals(rows),
    )


def _group_key(value: str | date | datetime | None) -> str | date:
    """A name ("" for no location), or a month as its first day (whichever type the
    database returned it as)."""
    if isinstance(value, datetime):
        return value.date()
    return value or ""


def _order(item: tuple[tuple[object, str], dict]) -> tuple:
    (group, currency), _ = item
    return (str(group).casefold(), str(group), currency)


def _totals(rows: list[RevenueRow]) -> list[RevenueRow]:
    """One row per currency: the groups' sums added up."""
    totals: dict[str, RevenueRow] = {}
    for row in rows:
        total = totals.get(row.currency) or RevenueRow(group="Total", currency=row.currency)
        totals[row.currency] = RevenueRow(
            group="Total",
            currency=row.currency,
            sales=total.sales + row.sales,
            gross=total.gross + row.gross,
            tax=total.tax + row.tax,
            refunds=total.refunds + row.refunds,
            refunded_tax=total.refunded_tax + row.refunded_tax,
        )
    return [totals[currency] for currency in sorted(totals)]
