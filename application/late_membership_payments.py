"""A membership's new period paid online after the membership had ended: the provider's
retries took the payment of an invoice once `end_memberships` had ended the membership for
want of it. She gets nothing for it, so it is given back in full and its subscription stopped
(it would only charge her again), and recorded so.
"""

from dataclasses import dataclass
from datetime import date

from application.selling_ports import OnlineCheckout
from application.use_cases import UseCase
from domain.events import LateMembershipPaymentRefunded
from domain.exceptions import OnlinePaymentUnavailableException
from domain.sales import Money


@dataclass(frozen=True)
class LatePayment:
    """An invoice of `subscription_id` paid (`amount`) for a period after the membership it
    renewed had ended (`ended_on`)."""

    member_id: str
    membership_id: str
    subscription_id: str
    invoice_id: str
    amount: Money
    ended_on: date


@dataclass(kw_only=True)
class RefundLatePaymentUseCase(UseCase):
    """Give back a payment taken after its membership ended, and stop its subscription."""

    checkout: OnlineCheckout | None

    def execute(self, late: LatePayment) -> str:
        """The refund's reference. One transaction under the member's row lock: the refund,
        keyed by the invoice (a retried delivery refunds once), and its event. When the
        provider cannot be reached nothing is recorded, for the event's next delivery."""
        if self.checkout is None:
            raise OnlinePaymentUnavailableException()
        with self.uow() as uow:
            uow.members.get_by_id(late.member_id, for_update=True)
            reference = self.checkout.refund_subscription(
                late.subscription_id, late.invoice_id, f"late-refund-{late.invoice_id}"
            )
            uow.record(
                LateMembershipPaymentRefunded(
                    membership_id=late.membership_id,
                    member_id=late.member_id,
                    subscription_id=late.subscription_id,
                    invoice_id=late.invoice_id,
                    refund_reference=reference,
                    amount=str(late.amount.amount),
                    currency=late.amount.currency,
                    reason=f"The membership had ended on {late.ended_on:%d %B %Y}.",
                    occurred_at=self.clock.now(),
                )
            )
        return reference
