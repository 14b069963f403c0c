"""Refunds: money given back for a purchase, wholly or in parts, never more than was paid.

The tax part of a refund is worked out so that the parts of a purchase refunded in full add
up to exactly the tax of the sale: each refund's tax is the tax inside everything refunded
so far, less the tax inside what was refunded before it (both rounded as a sale's is).
"""

from dataclasses import dataclass
from datetime import datetime

from domain.exceptions import InvalidRefundAmountException, InvalidRefundReasonException
from domain.sales import Money, PaymentMethod, Purchase

# The longest reason kept (the refunds table's column; InvalidRefundReasonException says it).
MAX_REASON_LENGTH = 500


@dataclass(frozen=True)
class Refund:
    """Money given back for one purchase: how much (its `tax` part), how and by whom, why,
    and how many of the grant's credits were withdrawn with it."""

    refund_id: str
    purchase_id: str
    member_id: str
    amount: Money
    tax: Money
    credits_withdrawn: int
    method: PaymentMethod
    reference: str
    reason: str
    recorded_by: str
    refunded_at: datetime


def refundable(purchase: Purchase, refunded_before: Money) -> Money:
    """What may still be refunded: the price less what was refunded already."""
    return Money(purchase.price.amount - refunded_before.amount, purchase.price.currency)


def refund_tax(purchase: Purchase, refunded_before: Money, amount: Money, reason: str) -> Money:
    """The tax part of refunding `amount` now. Refused without a reason, or for an amount
    that is not above zero, is in another currency or exceeds what is still refundable."""
    if not reason.strip() or len(reason.strip()) > MAX_REASON_LENGTH:
        raise InvalidRefundReasonException()
    left = refundable(purchase, refunded_before)
    if amount.currency != left.currency or not 0 < amount.amount <= left.amount:
        raise InvalidRefundAmountException(
            f"A refund of this purchase is more than 0 and at most {left} "
            f"(paid {purchase.price}, refunded {refunded_before} already)."
        )
    rate = purchase.pack.tax_rate
    after = Money(refunded_before.amount + amount.amount, amount.currency).tax_included(rate)
    return Money(after.amount - refunded_before.tax_included(rate).amount, amount.currency)
