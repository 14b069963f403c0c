"""In-memory twins of the sales ports: products, membership plans, purchases, and a payment
adapter that records every charge (and can be told to refuse)."""

import copy
from decimal import Decimal

from application.ports import Charge, PaymentTaken
from domain.exceptions import (
    IntroOfferAlreadyBoughtException,
    MembershipPlanNotFoundException,
    PaymentNotTakenException,
    ProductNotFoundException,
)
from domain.memberships import Allowance, AllowancePeriod, BillingPeriod, MembershipPlan
from domain.sales import ClassPack, Money, Purchase


class InMemoryProductRepository:
    def __init__(self) -> None:
        self._rows: dict[str, ClassPack] = {}

    def add(self, pack: ClassPack) -> ClassPack:
        """Setup: a product staff defined."""
        self._rows[pack.product_id] = pack
        return pack

    def get_by_id(self, product_id: str) -> ClassPack:
        if product_id not in self._rows:
            raise ProductNotFoundException()
        return self._rows[product_id]


class InMemoryMembershipPlanRepository:
    def __init__(self) -> None:
        self._rows: dict[str, MembershipPlan] = {}

    def add(self, plan: MembershipPlan) -> MembershipPlan:
        """Setup: a plan staff defined."""
        self._rows[plan.plan_id] = plan
        return plan

    def get_by_id(self, plan_id: str) -> MembershipPlan:
        if plan_id not in self._rows:
            raise MembershipPlanNotFoundException()
        return self._rows[plan_id]


class InMemoryPurchaseRepository:
    """Refuses a second intro offer of a product to a member, as the unique constraint does."""

    def __init__(self) -> None:
        self._rows: list[Purchase] = []

    def has_bought(self, member_id: str, product_id: str) -> bool:
        return self._holds(member_id, product_id)

    def _holds(self, member_id: str, product_id: str) -> bool:
        """The constraint's own look (a test may make `has_bought` miss, as a race would)."""
        return any(
            row.member_id == member_id and row.pack.product_id == product_id for row in self._rows
        )

    def add(self, purchase: Purchase) -> None:
        if purchase.pack.intro_offer and self._holds(purchase.member_id, purchase.pack.product_id):
            raise IntroOfferAlreadyBoughtException()
        self._rows.append(purchase)

    def all(self) -> list[Purchase]:
        return list(self._rows)

    def snapshot(self) -> list[Purchase]:
        return copy.copy(self._rows)

    def restore(self, snapshot: list[Purchase]) -> None:
        self._rows = copy.copy(snapshot)


class RecordingPayments:
    """Takes every charge (`charges`), or refuses them all once `refuse` is set."""

    def __init__(self) -> None:
        self.charges: list[Charge] = []
        self.refuse = False

    def take(self, charge: Charge) -> PaymentTaken:
        if self.refuse:
            raise PaymentNotTakenException()
        self.charges.append(charge)
        reference = f"TEST-{len(self.charges)}"
        return PaymentTaken(
            method=charge.method, reference=reference, recorded_by=charge.recorded_by
        )


def membership_plan(**changes) -> MembershipPlan:
    """A monthly plan of 8 classes a month at 60.00 EUR (20 % tax), with `changes`."""
    values = {
        "plan_id": "plan-8",
        "name": "8 classes a month",
        "price": Money(Decimal("60.00"), "EUR"),
        "tax_rate": Decimal("20"),
        "billing_period": BillingPeriod.MONTHLY,
        "allowance": Allowance(8, AllowancePeriod.MONTH),
    }
    return MembershipPlan(**{**values, **changes})
