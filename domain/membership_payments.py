"""A membership's payments: one for its first period and one for each renewal, kept as the
receipt shows them — the plan's terms it was paid at, the period it paid for, how and by whom.
They are to memberships what purchases are to packs: the money side of the ledger.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from domain.memberships import Membership
from domain.sales import Money, PaymentMethod
from domain.values import new_id


class MembershipPaymentKind(StrEnum):
    START = "start"
    RENEWAL = "renewal"

    @property
    def label(self) -> str:
        return {"start": "First period", "renewal": "Renewal"}[self.value]


@dataclass(frozen=True)
class MembershipPayment:
    """One period of a membership paid for; `price` includes `tax`, at `tax_rate` percent."""

    payment_id: str
    membership_id: str
    member_id: str
    plan_id: str
    plan_name: str
    kind: MembershipPaymentKind
    price: Money
    tax: Money
    tax_rate: Decimal  # percent
    period_start: datetime
    period_end: datetime
    method: PaymentMethod
    reference: str
    recorded_by: str
    paid_at: datetime

    @classmethod
    def for_current_period(
        cls,
        membership: Membership,
        kind: MembershipPaymentKind,
        *,
        method: PaymentMethod,
        reference: str,
        recorded_by: str,
        now: datetime,
    ) -> "MembershipPayment":
        """The payment of the period `membership` has just started or moved on to, at the
        price of the terms she signed up to."""
        plan = membership.plan
        return cls(
            payment_id=new_id(),
            membership_id=membership.membership_id,
            member_id=membership.member_id,
            plan_id=plan.plan_id,
            plan_name=plan.name,
            kind=kind,
            price=plan.price,
            tax=plan.tax,
            tax_rate=plan.tax_rate,
            period_start=membership.period_start,
            period_end=membership.period_end,
            method=method,
            reference=reference,
            recorded_by=recorded_by,
            paid_at=now,
        )
