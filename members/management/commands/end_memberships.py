"""`manage.py end_memberships`: end every membership whose period is over without a renewal
— cancelled at its period end, or not paid — with a `MembershipEnded` event, once. One
transaction per member; a membership renewed meanwhile is left alone."""

from collections import Counter
from datetime import datetime

from events import periodic
from gymbooking.composition import services
from members.repositories import DjangoMemberRepository
from web import formatting


class Command(periodic.PeriodicCommand):
    help = (
        "End every membership past its period end that was cancelled or not renewed (a "
        "MembershipEnded event each). Safe to run at any time and more than once."
    )
    item_label = "members"

    def due(self, now: datetime) -> list[str]:
        return DjangoMemberRepository().ids_with_lapsed_memberships(now)

    def process(self, member_id: str, tally: Counter[str]) -> None:
        if services().end_lapsed_membership.execute(member_id):
            tally["ended"] += 1

    def summary(self, tally: Counter[str]) -> str:
        return f"Ended {formatting.count(tally['ended'], 'membership', 'memberships')}."

    def preview(self, member_ids: list[str], now: datetime) -> str:
        return f"Would end {formatting.count(len(member_ids), 'membership', 'memberships')}."
