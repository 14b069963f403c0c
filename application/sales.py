"""Selling: a class pack sold to a member becomes a grant in her credit ledger, a purchase
record and a `ClassPackPurchased` event, in one transaction, so the ledger and the money
always agree. How the money is taken is the payment port's business (the front desk today).

Locking: the member's row first (as for any change to her credits), so two sales to one
member queue; the purchases' unique constraint on intro offers is the backstop.
"""

from dataclasses import dataclass
from datetime import datetime

from application.ports import Charge, PaymentGateway
from application.use_cases import UseCase
from domain.events import ClassPackPurchased
from domain.sales import PaymentMethod, Purchase, ensure_may_buy
from domain.values import new_id


@dataclass(kw_only=True)
class SellProductUseCase(UseCase):
    """Sell a class pack to a member, paid through `payments`."""

    payments: PaymentGateway

    def execute(
        self, member_id: str, product_id: str, *, method: PaymentMethod, recorded_by: str
    ) -> Purchase:
        """Refused, with nothing changed, for an off-sale product, an intro offer bought
        before, a closed or erased account, or a payment not taken."""
        with self.uow() as uow:
            member = uow.members.get_by_id(member_id, for_update=True)
            ensure_may_buy(member)
            pack = uow.products.get_by_id(product_id)
            pack.ensure_sellable(bought_before=uow.purchases.has_bought(member_id, product_id))
            payment = self.payments.take(
                Charge(
                    member_id=member_id,
                    amount=pack.price,
                    method=PaymentMethod(method),
                    recorded_by=recorded_by,
                    description=pack.name,
                )
            )
            now = self.clock.now()
            grant = member.add_credits(
                pack.credits, expiry_days=pack.valid_days, now=now, reason=pack.name
            )
            uow.members.save(member)
            purchase = Purchase(
                purchase_id=new_id(),
                member_id=member_id,
                pack=pack,
                grant_id=grant.grant_id,
                method=payment.method,
                recorded_by=payment.recorded_by,
                reference=payment.reference,
                purchased_at=now,
            )
            uow.purchases.add(purchase)
            uow.record(_purchased(purchase, expires_at=grant.expires_at))
        return purchase


def _purchased(purchase: Purchase, *, expires_at: datetime) -> ClassPackPurchased:
    """The event of a sale, its amounts as decimal strings."""
    pack = purchase.pack
    return ClassPackPurchased(
        purchase_id=purchase.purchase_id,
        member_id=purchase.member_id,
        product_id=pack.product_id,
        product_name=pack.name,
        credits=pack.credits,
        grant_id=purchase.grant_id,
        expires_at=expires_at,
        price=str(purchase.price.amount),
        tax=str(purchase.tax.amount),
        tax_rate=str(pack.tax_rate),
        currency=pack.price.currency,
        payment_method=purchase.method.value,
        recorded_by=purchase.recorded_by,
        occurred_at=purchase.purchased_at,
    )
