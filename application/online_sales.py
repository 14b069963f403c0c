"""Buying a pack online: the member pays on the card provider's hosted page, and the pack is
hers when the provider confirms the payment — recorded exactly as a desk sale is
(`application.sales.record_sale`), with the payment's reference.

Starting a checkout checks the same rules as a desk sale, so she is not sent to pay for what
she may not buy; the provider is called outside any transaction (SQLite's writer lock is not
held across the network). Completing it checks them again, under her row lock: a payment that
can no longer buy its pack (the intro offer bought at the desk meanwhile, the account closed,
the price changed) is refunded through the provider and recorded so, never dropped.
"""

from dataclasses import dataclass
from datetime import datetime

from application.sales import record_sale, sellable_pack
from application.selling_ports import CheckoutRequest, CheckoutSession, OnlineCheckout, PaymentTaken
from application.use_cases import UseCase
from domain.events import OnlineCheckoutStarted, OnlinePaymentRefunded
from domain.exceptions import (
    DomainException,
    OnlinePaymentUnavailableException,
    PaidAmountMismatchException,
)
from domain.sales import Money, PaymentMethod, Purchase

# Who a sale paid online is recorded by (a desk sale names the staff user).
ONLINE_RECORDER = "Online"


@dataclass(kw_only=True)
class StartCheckoutUseCase(UseCase):
    """Send a member to pay for a pack online; `checkout` is None where online payment is
    not configured."""

    checkout: OnlineCheckout | None

    def execute(
        self, member_id: str, product_id: str, *, success_url: str, cancel_url: str
    ) -> CheckoutSession:
        """The provider's page to pay on; refused, with nothing charged, as a desk sale would
        be refused, or when paying online is not possible."""
        if self.checkout is None:
            raise OnlinePaymentUnavailableException()
        with self.uow() as uow:
            member = uow.members.get_by_id(member_id)
            pack = sellable_pack(uow, member, product_id)
        session = self.checkout.start(
            CheckoutRequest(
                member_id=member_id,
                member_name=member.name,
                member_email=str(member.email),
                product_id=product_id,
                product_name=pack.name,
                amount=pack.price,
                success_url=success_url,
                cancel_url=cancel_url,
            )
        )
        with self.uow() as uow:
            uow.record(
                OnlineCheckoutStarted(
                    member_id=member_id,
                    product_id=product_id,
                    session_id=session.session_id,
                    price=str(pack.price.amount),
                    currency=pack.price.currency,
                    occurred_at=self.clock.now(),
                )
            )
        return session


@dataclass(frozen=True)
class PaidCheckout:
    """What the provider confirmed: a checkout paid in full, for whom and what."""

    session_id: str
    member_id: str
    product_id: str
    payment_reference: str
    amount: Money


@dataclass(frozen=True)
class CheckoutOutcome:
    """The sale a paid checkout became, or the refund it became and why."""

    purchase: Purchase | None = None
    refund_reference: str = ""
    reason: str = ""


@dataclass(kw_only=True)
class CompleteCheckoutUseCase(UseCase):
    """Turn a paid checkout into the sale of its pack, or refund it."""

    checkout: OnlineCheckout | None

    def execute(self, paid: PaidCheckout) -> CheckoutOutcome:
        """One transaction: the sale and the card kept for later, or the refund's event. The
        refund's idempotency key is the session's, so a retried delivery refunds once."""
        if self.checkout is None:
            raise OnlinePaymentUnavailableException()
        with self.uow() as uow:
            try:
                member = uow.members.get_by_id(paid.member_id, for_update=True)
                pack = sellable_pack(uow, member, paid.product_id)
                if pack.price != paid.amount:
                    raise PaidAmountMismatchException()
            except DomainException as refusal:
                reference = self.checkout.refund(
                    paid.payment_reference, paid.amount, f"refund-{paid.session_id}"
                )
                uow.record(_refunded(paid, reference, refusal.message, self.clock.now()))
                return CheckoutOutcome(refund_reference=reference, reason=refusal.message)
            payment = PaymentTaken(
                method=PaymentMethod.ONLINE,
                reference=paid.payment_reference,
                recorded_by=ONLINE_RECORDER,
            )
            purchase = record_sale(uow, member, pack, payment, now=self.clock.now())
            self.checkout.keep_card(paid.member_id, paid.payment_reference)
        return CheckoutOutcome(purchase=purchase)


def _refunded(
    paid: PaidCheckout, reference: str, reason: str, now: datetime
) -> OnlinePaymentRefunded:
    return OnlinePaymentRefunded(
        member_id=paid.member_id,
        product_id=paid.product_id,
        session_id=paid.session_id,
        payment_reference=paid.payment_reference,
        refund_reference=reference,
        amount=str(paid.amount.amount),
        currency=paid.amount.currency,
        reason=reason,
        occurred_at=now,
    )
