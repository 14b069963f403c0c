"""Refunds: money given back for a purchase through the payment port, the grant's unspent
credits withdrawn with it, a refund record and a `PurchaseRefunded` event, in one
transaction, so the ledger and the money keep agreeing.

Locking: the member's row first (as for any change to her credits), then the purchase's, so
two refunds of one sale queue and the second sees what the first refunded: together they
never exceed the price. An erased member's purchases can still be refunded.
"""

from dataclasses import dataclass

from application.selling_ports import PaymentGateway, RefundRequest
from application.use_cases import UseCase
from domain.events import PurchaseRefunded
from domain.refunds import Refund, refund_tax
from domain.sales import Money
from domain.values import new_id


@dataclass(kw_only=True)
class RefundPurchaseUseCase(UseCase):
    """Refund a purchase, wholly or in part, paid back through `payments`."""

    payments: PaymentGateway

    def execute(
        self,
        purchase_id: str,
        amount: Money,
        *,
        reason: str,
        recorded_by: str,
        credits: int | None = None,
    ) -> Refund:
        """Give back `amount` and withdraw `credits` of the grant's unspent credits (None:
        all of them). Refused, with nothing changed, for an amount above what is left to
        refund, no reason, more credits than are unspent, or a refund the payment adapter
        refuses."""
        with self.uow() as uow:
            member_id = uow.purchases.get_by_id(purchase_id).member_id
            member = uow.members.get_by_id(member_id, for_update=True)
            purchase = uow.purchases.get_by_id(purchase_id, for_update=True)
            refunded_before = uow.purchases.refunded(purchase_id)
            reason = reason.strip()
            tax = refund_tax(purchase, refunded_before, amount, reason)
            now = self.clock.now()
            withdrawn = member.withdraw_credits(
                purchase.grant_id, credits, now=now, reason=f"Refund: {purchase.pack.name}"
            )
            paid_back = self.payments.refund(
                RefundRequest(
                    member_id=member_id,
                    purchase_reference=purchase.reference,
                    method=purchase.method,
                    amount=amount,
                    recorded_by=recorded_by,
                    reason=reason,
                )
            )
            uow.members.save(member)
            refund = Refund(
                refund_id=new_id(),
                purchase_id=purchase_id,
                member_id=member_id,
                amount=amount,
                tax=tax,
                credits_withdrawn=withdrawn,
                method=paid_back.method,
                reference=paid_back.reference,
                reason=reason,
                recorded_by=paid_back.recorded_by,
                refunded_at=now,
            )
            uow.purchases.add_refund(refund)
            uow.record(_refunded(refund, product_name=purchase.pack.name))
        return refund


def _refunded(refund: Refund, *, product_name: str) -> PurchaseRefunded:
    """The event of a refund, its amounts as decimal strings."""
    return PurchaseRefunded(
        refund_id=refund.refund_id,
        purchase_id=refund.purchase_id,
        member_id=refund.member_id,
        product_name=product_name,
        amount=str(refund.amount.amount),
        tax=str(refund.tax.amount),
        currency=refund.amount.currency,
        credits_withdrawn=refund.credits_withdrawn,
        payment_method=refund.method.value,
        reference=refund.reference,
        reason=refund.reason,
        recorded_by=refund.recorded_by,
        occurred_at=refund.refunded_at,
    )
