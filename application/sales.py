"""Selling: a class pack sold to a member becomes a grant in her credit ledger, a purchase
record and a `ClassPackPurchased` event, in one transaction, so the ledger and the money
always agree. How the money is taken is the payment port's business: the front desk's here,
a card payment provider's for a pack bought online (`application.online_sales`); both are
recorded by `record_sale`.

Locking: the member's row first (as for any change to her credits), so two sales to one
member queue; the purchases' unique constraint on intro offers is the backstop.
"""

from dataclasses import dataclass
from datetime import datetime

from application.selling_ports import Charge, PaymentGateway, PaymentTaken
from application.unit_of_work import UnitOfWork
from application.use_cases import UseCase
from domain.entities import Member
from domain.events import ClassPackPurchased
from domain.sales import ClassPack, PaymentMethod, Purchase, ensure_may_buy
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
            pack = sellable_pack(uow, member, product_id)
            payment = self.payments.take(
                Charge(
                    member_id=member_id,
                    amount=pack.price,
                    method=PaymentMethod(method),
                    recorded_by=recorded_by,
                    description=pack.name,
                )
            )
            return record_sale(uow, member, pack, payment, now=self.clock.now())


def sellable_pack(uow: UnitOfWork, member: Member, product_id: str) -> ClassPack:
    """The product, if it may be sold to `member` (whose row a sale locks first): refused for
    a closed or erased account, an off-sale product, or an intro offer she bought before."""
    ensure_may_buy(member)
    pack = uow.products.get_by_id(product_id)
    pack.ensure_sellable(bought_before=uow.purchases.has_bought(member.id, product_id))
    return pack


def record_sale(
    uow: UnitOfWork, member: Member, pack: ClassPack, payment: PaymentTaken, *, now: datetime
) -> Purchase:
    """The paid pack becomes a grant in her ledger, a purchase and its event, in the caller's
    transaction — the same for a desk sale and an online one."""
    grant = member.add_credits(
        pack.credits, expiry_days=pack.valid_days, now=now, reason=pack.name, scope=pack.scope
    )
    uow.members.save(member)
    purchase = Purchase(
        purchase_id=new_id(),
        member_id=member.id,
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
