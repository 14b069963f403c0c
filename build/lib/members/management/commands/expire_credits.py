"""`manage.py expire_credits`: record every credit grant that expired with credit left.

Expired credit can never be spent whether or not this runs (the balance leaves it out at
once); this records the fact, once per grant, as a `CreditsExpired` event with the amount
that was lost: the audit trail and the reports read it. One transaction per member.
"""

from collections import Counter
from datetime import datetime

from events import periodic
from gymbooking.composition import services
from members.repositories import DjangoMemberRepository
from web import formatting


class Command(periodic.PeriodicCommand):
    help = (
        "Record a CreditsExpired event for every credit grant that expired with credit left "
        "(once per grant). Safe to run at any time and more than once."
    )
    item_label = "members"

    def due(self, now: datetime) -> list[str]:
        return DjangoMemberRepository().ids_with_unrecorded_expired_credits(now)

    def process(self, member_id: str, tally: Counter[str]) -> None:
        recorded = services().expire_credits.execute(member_id)
        if recorded:
            tally["members"] += 1
            tally["grants"] += recorded

    def summary(self, tally: Counter[str]) -> str:
        return (
            f"Recorded {formatting.count(tally['grants'], 'expired grant', 'expired grants')} "
            f"of {formatting.count(tally['members'], 'member', 'members')}."
        )

    def preview(self, member_ids: list[str], now: datetime) -> str:
        grants = [
            grant
            for member in DjangoMemberRepository().get_by_ids(member_ids)
            for grant in member.grants
            if grant.has_unrecorded_expiry(now)
        ]
        credits = sum(grant.remaining for grant in grants)
        return (
            f"Would record {formatting.count(len(grants), 'expired grant', 'expired grants')} "
            f"({formatting.count(credits, 'credit', 'credits')}) "
            f"of {formatting.count(len(member_ids), 'member', 'members')}."
        )

    def describe(self, member_ids: list[str], now: datetime) -> list[str]:
        lines = []
        for member in DjangoMemberRepository().get_by_ids(member_ids):
            for grant in member.grants:
                if grant.has_unrecorded_expiry(now):
                    lines.append(
                        f"{member.name}: {formatting.count(grant.remaining, 'credit', 'credits')} "
                        f"expired {formatting.staff_time(grant.expires_at)}"
                    )
        return lines
