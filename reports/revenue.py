"""The revenue behind the staff's revenue report, summed by the database in three grouped
queries whatever the number of sales: the packs sold and the membership periods paid in the
period (count, gross, tax), and the refunds given in it (amount, tax), each grouped by
product, location or month and by currency (amounts of different currencies are never added
together). A membership's payments count under its plan's name, as "<plan> membership".

A sale counts on the day it was made and a refund on the day it was given, so the report's
"takings" (gross less refunds) are the money that came in during the period. A refund counts
under its purchase's product and location. A sale's location is the member's home gym when
she paid (sales/repositories.py); sales of no location count as "(no location)", seen by
the chain's managers only. Months are on one clock: the chosen location's, or the gym's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal

from django.db import models
from django.db.models import Count, F, Sum, Value
from django.db.models.functions import Concat, TruncMonth

from reports.queries import Period
from sales.models import MembershipPayment, Purchase, Refund
from sales.wording import MEMBERSHIP_SUFFIX

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


def _group_field(grouping: RevenueGrouping, moment: str, zone: tzinfo, *, product, location: str):
    match grouping:
        case RevenueGrouping.PRODUCT:
            return product
        case RevenueGrouping.LOCATION:
            return models.F(location)
        case RevenueGrouping.MONTH:
            return TruncMonth(moment, tzinfo=zone, output_field=models.DateField())


def build_revenue(
    grouping: RevenueGrouping,
    period: Period,
    *,
    purchases: models.QuerySet[Purchase],
    refunds: models.QuerySet[Refund],
    membership_payments: models.QuerySet[MembershipPayment],
) -> Revenue:
    """The revenue of `purchases` sold, `membership_payments` paid and `refunds` given in
    `period` (each already narrowed to the locations asked about), grouped by `grouping`,
    months on the period's clock."""
    zone = period.starts.tzinfo

    def within(rows: models.QuerySet, moment: str, **group) -> models.QuerySet:
        dated = rows.filter(**{f"{moment}__gte": period.starts, f"{moment}__lt": period.ends})
        return dated.values(group=_group_field(grouping, moment, zone, **group))

    packs = within(purchases, "purchased_at", product=F("product_name"), location="location__name")
    periods = within(
        membership_payments,
        "paid_at",
        product=Concat(F("plan_name"), Value(MEMBERSHIP_SUFFIX)),
        location="location__name",
    )
    given = within(
        refunds,
        "refunded_at",
        product=F("purchase__product_name"),
        location="purchase__location__name",
    )
    sold = {"cur": F("currency"), "sales": Count("id"), "gross": Sum("price"), "tax": Sum("tax")}
    sums: dict[tuple[object, str], dict[str, object]] = {}
    for row in [
        *packs.annotate(**sold),
        *periods.annotate(**sold),
        *given.annotate(
            cur=F("purchase__currency"), refunds=Sum("amount"), refunded_tax=Sum("tax")
        ),
    ]:
        group = sums.setdefault((_group_key(row.pop("group")), row.pop("cur")), {})
        for name, value in row.items():
            group[name] = group.get(name, 0) + value
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
