"""A membership's new period paid online after the membership had ended: the provider's
retries took the payment of an invoice once `end_memberships` had ended the membership for
want of it. She gets nothing for it, so it is given back in full and its subscription stopped
(it would only charge her again), and recorded so.
"""

from dataclasses import dataclass
from datetime import date

from application.selling_ports import LateRefunds, OnlineCheckout
from application.use_cases import UseCase
from domain.events import LateMembershipPaymentRefunded
from domain.exceptions import OnlinePaymentUnavailableException
from domain.sales import Money


@dataclass(frozen=True)
class LatePayment:
    """An invoice of `subscription_id` paid (`amount`) for a period after the membership it
    renewed had ended (`ended_on`), and the payments that membership applied (an ended one's
    never change)."""

    member_id: str
    membership_id: str
    subscription_id: str
    invoice_id: str
    amount: Money
    ended_on: date
    applied_references: tuple[str, ...] = ()


@dataclass(frozen=True)
class LateRefund:
    """The refund of a late payment: its reference, and whether it was given before (a
    replay) rather than now. No reference: the invoice had renewed the membership before it
    ended, and nothing is refunded."""

    reference: str | None
    given_before: bool = False


@dataclass(kw_only=True)
class RefundLatePaymentUseCase(UseCase):
    """Give back a payment taken after its membership ended, and stop its subscription."""

    checkout: OnlineCheckout | None
    refunds: LateRefunds

    def execute(self, late: LatePayment) -> LateRefund:
        """One transaction under the member's row lock, so two deliveries about one invoice
        queue and the second finds the first's refund: the refund, keyed by the invoice, and
        its event. An invoice that renewed the membership is not refunded. When the provider
        cannot be reached nothing is recorded, for the event's next delivery."""
        if late.invoice_id in late.applied_references:
            return LateRefund(reference=None)
        if self.checkout is None:
            raise OnlinePaymentUnavailableException()
        with self.uow() as uow:
            uow.members.get_by_id(late.member_id, for_update=True)
            if given := self.refunds.refund_of(late.invoice_id):
                return LateRefund(reference=given, given_before=True)
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
        return LateRefund(reference=reference)
