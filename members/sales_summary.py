"""What a member's admin page says about what she bought and owes: her live membership (its
status and next renewal), her purchases and the fees she owes. Read-only, in three queries
however long her history.

The sales app sits above members and imports it, never the other way round: the rows are
read through her reverse relations (`memberships`, `purchases`, `fees`).
"""

from datetime import date
from decimal import Decimal

from django.db.models import Count, Max, Sum

from domain.fees import FeeStatus
from domain.sales import Money
from members.models import Member
from members.repositories import membership_to_entity
from web import formatting


def sales_lines(member: Member, today: date) -> list[str]:
    """One line each for her membership, her purchases and her fees owed."""
    return [_membership_line(member, today), *_money_lines(member)]


def _membership_line(member: Member, today: date) -> str:
    live = member.memberships.filter(ended_at__isnull=True).first()
    if live is None:
        return "No membership."
    membership = membership_to_entity(live)
    ends = formatting.staff_day(live.period_end)
    then = f"ends on {ends}" if live.cancel_at_period_end else f"renews on {ends}"
    return f"{live.plan_name}: {membership.status_on(today).label}, {then}."


def _money_lines(member: Member) -> list[str]:
    """Her purchases (how many, the latest) and her fees owed per currency."""
    purchases = member.purchases.aggregate(count=Count("pk"), latest=Max("purchased_at"))
    bought = formatting.count(purchases["count"], "purchase", "purchases")
    if purchases["latest"] is not None:
        bought += f", the latest on {formatting.staff_day(purchases['latest'])}"
    owed = (
        member.fees.filter(status=FeeStatus.OWED.value)
        .values("currency")
        .annotate(total=Sum("amount"))
        .order_by("currency")
    )
    fees = ", ".join(str(Money(Decimal(row["total"]), row["currency"])) for row in owed)
    return [f"{bought}.", f"Fees owed: {fees}." if fees else "No fees owed."]
