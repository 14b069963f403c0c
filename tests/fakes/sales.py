"""In-memory twins of the sales ports: products, membership plans, purchases (and their
refunds), membership payments, a payment adapter that records every charge and refund (and
can be told to refuse), and an online checkout that records every page."""

import copy
from decimal import Decimal

from application.selling_ports import (
    Charge,
    CheckoutRequest,
    CheckoutSession,
    PaymentTaken,
    RefundRequest,
    SubscriptionRequest,
)
from domain.exceptions import (
    IntroOfferAlreadyBoughtException,
    MembershipPlanNotFoundException,
    OnlinePaymentUnavailableException,
    PaymentNotTakenException,
    ProductNotFoundException,
    PurchaseNotFoundException,
)
from domain.membership_payments import MembershipPayment
from domain.memberships import Allowance, AllowancePeriod, BillingPeriod, MembershipPlan
from domain.refunds import Refund
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
        self.refunds: list[Refund] = []

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

    def get_by_id(self, purchase_id: str, *, for_update: bool = False) -> Purchase:
        found = next((row for row in self._rows if row.purchase_id == purchase_id), None)
        if found is None:
            raise PurchaseNotFoundException()
        return found

    def refunded(self, purchase_id: str) -> Money:
        currency = self.get_by_id(purchase_id).price.currency
        amounts = (r.amount.amount for r in self.refunds if r.purchase_id == purchase_id)
        return Money(sum(amounts, Decimal(0)), currency)

    def add_refund(self, refund: Refund) -> None:
        self.refunds.append(refund)

    def snapshot(self) -> tuple[list[Purchase], list[Refund]]:
        return copy.copy(self._rows), copy.copy(self.refunds)

    def restore(self, snapshot: tuple[list[Purchase], list[Refund]]) -> None:
        rows, refunds = snapshot
        self._rows, self.refunds = copy.copy(rows), copy.copy(refunds)


class InMemoryMembershipPaymentRepository:
    """Refuses a reference stored twice for one membership, as the unique constraint does."""

    def __init__(self) -> None:
        self._rows: list[MembershipPayment] = []

    def add(self, payment: MembershipPayment) -> None:
        if any(
            (row.membership_id, row.reference) == (payment.membership_id, payment.reference)
            for row in self._rows
        ):
            raise ValueError(f"{payment.reference} is stored for this membership already")
        self._rows.append(payment)

    def all(self) -> list[MembershipPayment]:
        return list(self._rows)

    def snapshot(self) -> list[MembershipPayment]:
        return copy.copy(self._rows)

    def restore(self, snapshot: list[MembershipPayment]) -> None:
        self._rows = copy.copy(snapshot)


class RecordingPayments:
    """Takes every charge (`charges`) and refund (`refunds`), or refuses them all once
    `refuse` is set."""

    def __init__(self) -> None:
        self.charges: list[Charge] = []
        self.refunds: list[RefundRequest] = []
        self.refuse = False

    def take(self, charge: Charge) -> PaymentTaken:
        if self.refuse:
            raise PaymentNotTakenException()
        self.charges.append(charge)
        reference = f"TEST-{len(self.charges)}"
        return PaymentTaken(
            method=charge.method, reference=reference, recorded_by=charge.recorded_by
        )

    def refund(self, request: RefundRequest) -> PaymentTaken:
        if self.refuse:
            raise PaymentNotTakenException()
        self.refunds.append(request)
        return PaymentTaken(
            method=request.method,
            reference=f"TEST-R{len(self.refunds)}",
            recorded_by=request.recorded_by,
        )


class RecordingCheckout:
    """The online checkout port: every page asked for (`started`, `subscribing`), card kept
    (`cards`) and refund made (`refunds`; a subscription's, and its stop: `stopped`), or a
    provider out of reach once `unavailable` is set."""

    def __init__(self) -> None:
        self.started: list[CheckoutRequest] = []
        self.cards: dict[str, str] = {}
        self.refunds: dict[str, tuple[str, Money]] = {}
        self.subscribing: list[SubscriptionRequest] = []
        self.stopped: dict[str, tuple[str, str]] = {}
        self.unavailable = False

    def _reachable(self) -> None:
        if self.unavailable:
            raise OnlinePaymentUnavailableException()

    def start(self, request: CheckoutRequest) -> CheckoutSession:
        self._reachable()
        self.started.append(request)
        number = len(self.started)
        return CheckoutSession(session_id=f"cs_{number}", url=f"https://pay.test/cs_{number}")

    def keep_card(self, member_id: str, payment_reference: str) -> None:
        self._reachable()
        self.cards[member_id] = f"card of {payment_reference}"

    def refund(self, reference: str, amount: Money, idempotency_key: str) -> str:
        """One refund per key, as the provider keeps it."""
        self._reachable()
        self.refunds.setdefault(idempotency_key, (reference, amount))
        return f"re_{idempotency_key}"

    def start_subscription(self, request: SubscriptionRequest) -> CheckoutSession:
        self._reachable()
        self.subscribing.append(request)
        number = len(self.subscribing)
        return CheckoutSession(session_id=f"cs_sub_{number}", url=f"https://pay.test/sub_{number}")

    def keep_subscription_card(self, member_id: str, subscription_id: str) -> None:
        self._reachable()
        self.cards[member_id] = f"card of {subscription_id}"

    def refund_subscription(self, subscription_id: str, invoice_id: str, key: str) -> str:
        """The invoice refunded and the subscription stopped, once per key."""
        self._reachable()
        self.stopped.setdefault(key, (subscription_id, invoice_id))
        return f"re_{key}"


class RecordingSubscriptions:
    """The subscriptions port: every change told (`told`: subscription, what, key), or a
    provider out of reach once `unavailable` is set."""

    def __init__(self) -> None:
        self.told: list[tuple[str, object, str]] = []
        self.unavailable = False

    def _tell(self, subscription_id: str, change: object, key: str) -> None:
        if self.unavailable:
            raise OnlinePaymentUnavailableException()
        self.told.append((subscription_id, change, key))

    def cancel_at_period_end(self, subscription_id: str, cancel: bool, key: str) -> None:
        self._tell(subscription_id, {"cancel_at_period_end": cancel}, key)

    def pause(self, subscription_id: str, resumes_at, key: str) -> None:
        self._tell(subscription_id, {"resumes_at": resumes_at}, key)


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
