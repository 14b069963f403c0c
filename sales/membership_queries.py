"""Page reads of memberships: the member's own, as her membership page shows it, and the plans
on sale."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from bookings.repositories import DjangoBookingRepository
from domain.memberships import Freeze, Membership, MembershipStatus
from members.repositories import DjangoMemberRepository
from sales.models import MembershipPlan
from sales.wording import plan_summary


@dataclass(frozen=True)
class MembershipOverview:
    """Her live membership on the gym's clock: its status, the classes it paid for in the
    current week or month (None: unlimited) and her current or next freeze."""

    membership: Membership
    status: MembershipStatus
    used: int | None
    freeze: Freeze | None

    @property
    def plan(self):
        return self.membership.plan


def membership_overview(member_id: str, now: datetime) -> MembershipOverview | None:
    """Her live membership (None: none), read with her (three queries) and its allowance
    counted (one more, for a limited plan)."""
    membership = DjangoMemberRepository().get_by_id(member_id).membership
    if membership is None:
        return None
    zone = timezone.get_current_timezone()
    today = timezone.localdate(now)
    used = None
    if not membership.plan.allowance.is_unlimited:
        since, until = membership.allowance_window(now, zone)
        used = DjangoBookingRepository().count_paid_by_membership(
            membership.membership_id, since, until
        )
    return MembershipOverview(
        membership=membership,
        status=membership.status_on(today),
        used=used,
        freeze=membership.current_or_next_freeze(today),
    )


def plans_on_sale() -> list[str]:
    """What each plan on sale includes, cheapest first (one query)."""
    plans = MembershipPlan.objects.filter(is_active=True).order_by("price", "name", "id")
    return [plan_summary(plan) for plan in plans]
