"""The member's page of her fees: what each late cancellation or no-show cost, and where it
stands (owed, charged to her card, paid at the desk, waived)."""

from dataclasses import dataclass
from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from domain.fees import FeeKind, FeeStatus
from members.decorators import member_required
from sales.models import Fee
from sales.wording import price_label
from web import formatting

# Her latest fees (staff see every one in the admin).
FEES_SHOWN = 100


@dataclass(frozen=True)
class FeeLine:
    kind: str
    class_name: str
    class_when: str
    amount: str
    status: str
    status_key: str
    imposed_at: datetime
    reason: str


def fees_of(member_id: object) -> list[FeeLine]:
    """Her latest fees, newest first, each with its class (one query)."""
    rows = (
        Fee.objects.filter(member_id=member_id)
        .select_related("fitness_class__location")
        .order_by("-imposed_at", "id")[:FEES_SHOWN]
    )
    return [
        FeeLine(
            kind=FeeKind(row.kind).label,
            class_name=row.fitness_class.name,
            class_when=formatting.member_time(
                row.fitness_class.starts_at, row.fitness_class.time_zone
            ),
            amount=price_label(row.amount, row.currency),
            status=FeeStatus(row.status).label,
            status_key=row.status,
            imposed_at=row.imposed_at,
            reason=row.reason if row.status == FeeStatus.WAIVED else "",
        )
        for row in rows
    ]


@require_GET
@member_required
def my_fees(request: HttpRequest) -> HttpResponse:
    fees = fees_of(request.member.pk)
    owed = [fee for fee in fees if fee.status_key == FeeStatus.OWED]
    return render(request, "sales/fees/mine.html", {"fees": fees, "owed": owed})
