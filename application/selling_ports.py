"""The ports of selling: what the sales, payment and fee use cases need from the outside
world (products, purchases, plans, the payment adapters, fee terms), as Protocols beside
`application.ports`, which holds the booking core's.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.fees import Fee, FeeKind, FeeTerms
from domain.membership_payments import MembershipPayment
from domain.memberships import MembershipPlan
from domain.refunds import Refund
from domain.sales import ClassPack, Money, PaymentMethod, Purchase


class ProductRepository(Protocol):
    def get_by_id(self, product_id: str) -> ClassPack:
        """The product, on sale or not; `ProductNotFoundException` for an unknown id."""
        ...


class PurchaseRepository(Protocol):
    def has_bought(self, member_id: str, product_id: str) -> bool:
        """Whether the member ever bought the product."""
        ...

    def add(self, purchase: Purchase) -> None:
        """Store a sale. A second intro offer of one product to one member is refused
        (`IntroOfferAlreadyBoughtException`), as the database's unique constraint refuses it."""
        ...

    def get_by_id(self, purchase_id: str, *, for_update: bool = False) -> Purchase:
        """The sale; `PurchaseNotFoundException` for an unknown id."""
        ...

    def refunded(self, purchase_id: str) -> Money:
        """What was refunded of the sale so far (zero in its currency when nothing was)."""
        ...

    def add_refund(self, refund: Refund) -> None: ...


class MembershipPlanRepository(Protocol):
    def get_by_id(self, plan_id: str) -> MembershipPlan:
        """The plan, on sale or not; `MembershipPlanNotFoundException` for an unknown id."""
        ...


class MembershipPaymentRepository(Protocol):
    def add(self, payment: MembershipPayment) -> None:
        """Store a membership's payment; one reference is stored once per membership."""
        ...


@dataclass(frozen=True)
class Charge:
    """What a sale asks a payment adapter to take: the tax-inclusive amount, how, and who is
    recording it (a staff user's name at the front desk)."""

    member_id: str
    amount: Money
    method: PaymentMethod
    recorded_by: str
    description: str


@dataclass(frozen=True)
class PaymentTaken:
    """A payment an adapter took: how, its reference (a receipt number, a terminal slip), and
    who recorded it."""

    method: PaymentMethod
    reference: str
    recorded_by: str


@dataclass(frozen=True)
class RefundRequest:
    """What a refund asks a payment adapter to give back, the way the sale was paid."""

    member_id: str
    purchase_reference: str  # the sale's payment reference
    method: PaymentMethod  # how the sale was paid
    amount: Money
    recorded_by: str
    reason: str


class PaymentGateway(Protocol):
    def take(self, charge: Charge) -> PaymentTaken:
        """Take the payment, or refuse it with `PaymentNotTakenException` (nothing is sold)."""
        ...

    def refund(self, request: RefundRequest) -> PaymentTaken:
        """Give the money back (the refund's reference), or PaymentNotTakenException."""
        ...


@dataclass(frozen=True)
class CheckoutRequest:
    """A hosted payment page asked for one pack: who pays, for what, how much, and where the
    provider sends her back afterwards."""

    member_id: str
    member_name: str
    member_email: str
    product_id: str
    product_name: str
    amount: Money
    success_url: str
    cancel_url: str


@dataclass(frozen=True)
class CheckoutSession:
    """The provider's payment page: its id and where the member pays."""

    session_id: str
    url: str


class OnlineCheckout(Protocol):
    """A card payment provider's hosted checkout. Every method refuses with
    `OnlinePaymentUnavailableException` when the provider cannot be reached or says no."""

    def start(self, request: CheckoutRequest) -> CheckoutSession:
        """A payment page for the pack, paid by her customer at the provider (made once),
        keeping the card for later charges she agrees to."""
        ...

    def keep_card(self, member_id: str, payment_reference: str) -> None:
        """Remember the card that made the payment, for later off-session charges."""
        ...

    def refund(self, reference: str, amount: Money, idempotency_key: str) -> str:
        """Give back `amount` of the payment `reference`; the refund's reference."""

    def start_subscription(self, request: "SubscriptionRequest") -> CheckoutSession:
        """A payment page for the plan's first period that subscribes her to be charged
        again every period, on the card she pays with."""
        ...

    def keep_subscription_card(self, member_id: str, subscription_id: str) -> None:
        """Remember the card the subscription charges, for later off-session charges."""
        ...

    def refund_subscription(self, subscription_id: str, invoice_id: str, key: str) -> str:
        """Give back the invoice's payment in full and stop the subscription at once; the
        refund's reference."""
        ...


class FeePolicies(Protocol):
    def for_booking(self, booking_id: str) -> FeeTerms:
        """The fees the credit a booking spent carries (`NO_FEES` for a granted credit)."""
        ...

    def for_grant(self, grant_id: str) -> FeeTerms:
        """The fees the credits of a grant carry (`NO_FEES` for a granted credit)."""
        ...


class FeeRepository(Protocol):
    def get_by_id(self, fee_id: str, *, for_update: bool = False) -> Fee:
        """The fee; `FeeNotFoundException` for an unknown id."""
        ...

    def get_for_booking(
        self, booking_id: str, kind: FeeKind, *, for_update: bool = False
    ) -> Fee | None:
        """The booking's fee of `kind`, if one was imposed (there is at most one)."""
        ...

    def add(self, fee: Fee) -> None:
        """Store a new fee; a second one of a booking and kind is refused by the database."""
        ...

    def save(self, fee: Fee) -> None: ...


class CardOnFile(Protocol):
    def charge(
        self, member_id: str, amount: Money, description: str, idempotency_key: str
    ) -> str | None:
        """Charge her saved card off-session: the payment's reference, or None when she has
        no card on file; `PaymentNotTakenException` when declined. One key is charged once."""
        ...

    def refund(self, reference: str, amount: Money, idempotency_key: str) -> str:
        """Refund (part of) the payment `reference`: the refund's reference."""


class LateRefunds(Protocol):
    def refund_of(self, invoice_id: str) -> str | None:
        """The reference of the refund already given for an invoice paid after its
        membership ended, if one was (the provider's idempotency keys expire; this does
        not)."""
        ...


@dataclass(frozen=True)
class SubscriptionRequest:
    """A hosted payment page asked for a membership plan billed every `interval` ("month"
    or "year"): who pays, for which plan, how much a period, where she is sent back."""

    member_id: str
    member_name: str
    member_email: str
    plan_id: str
    plan_name: str
    amount: Money
    interval: str
    success_url: str
    cancel_url: str


class Subscriptions(Protocol):
    """A membership's subscription at the card provider, told of a member's changes before
    they are made here. Each refuses with `OnlinePaymentUnavailableException` when the
    provider cannot be reached or says no; `key` (idempotency) makes a retry change it once."""

    def cancel_at_period_end(self, subscription_id: str, cancel: bool, key: str) -> None:
        """Stop (`cancel`) or go on charging after the current period."""
        ...

    def pause(self, subscription_id: str, resumes_at: datetime | None, key: str) -> None:
        """Charge nothing until `resumes_at`; None: charge again as before."""
        ...
