"""Receipts and refund notes, read once and shown alike in the e-mail and on the member's page.

A receipt is the purchase row as it was sold (sales/models.py), the seller's details from the
settings (GYM_LEGAL_NAME, GYM_ADDRESS, GYM_TAX_NUMBER), and the refunds made of it since.
Times are on the clock of the location the sale was placed at (the gym's, TIME_ZONE, for a
sale of no location).
"""

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from sales.models import Purchase, Refund
from sales.wording import method_label, price_label, receipt_number
from web import formatting


@dataclass(frozen=True)
class Seller:
    name: str
    address_lines: tuple[str, ...]
    tax_number: str


def seller() -> Seller:
    lines = re.split(r"\n|;|\\n", settings.GYM_ADDRESS)
    return Seller(
        name=settings.GYM_LEGAL_NAME,
        address_lines=tuple(line.strip() for line in lines if line.strip()),
        tax_number=settings.GYM_TAX_NUMBER,
    )


@dataclass(frozen=True)
class RefundLine:
    refunded_at: datetime  # local
    amount: str
    tax: str
    credits_withdrawn: int
    method: str
    reference: str


@dataclass(frozen=True)
class Receipt:
    purchase_id: str
    number: str
    member_id: str
    member_name: str
    email: str
    erased: bool
    sold_at: datetime  # local
    seller: Seller
    product_name: str
    credits: int
    expires_at: datetime  # local
    price: str
    tax_rate: str
    tax: str
    net: str
    method: str
    reference: str
    recorded_by: str
    refunds: tuple[RefundLine, ...]
    refunded: str  # "" when nothing was


def tax_rate_label(rate: Decimal) -> str:
    """20.00 → "20%", 5.50 → "5.5%"."""
    return f"{rate.normalize():f}%"


def receipt_of(purchase_id: str, *, member_id: str | None = None) -> Receipt | None:
    """The receipt of a purchase (of `member_id`'s only, when given); None when there is no
    such purchase. Two queries: the purchase with its member, grant and location, then its
    refunds."""
    rows = Purchase.objects.select_related("member", "credit_grant", "location").prefetch_related(
        Prefetch("refunds", queryset=Refund.objects.order_by("refunded_at", "id"))
    )
    if member_id is not None:
        rows = rows.filter(member_id=member_id)
    row = rows.filter(pk=purchase_id).first()
    return None if row is None else _receipt(row)


def _receipt(row: Purchase) -> Receipt:
    zone = formatting.zone_of(row.location.time_zone if row.location else None)
    refunds = tuple(
        RefundLine(
            refunded_at=timezone.localtime(refund.refunded_at, zone),
            amount=price_label(refund.amount, row.currency),
            tax=price_label(refund.tax, row.currency),
            credits_withdrawn=refund.credits_withdrawn,
            method=method_label(refund.payment_method),
            reference=refund.reference,
        )
        for refund in row.refunds.all()
    )
    refunded = sum((refund.amount for refund in row.refunds.all()), Decimal(0))
    member = row.member
    return Receipt(
        purchase_id=str(row.pk),
        number=receipt_number(row.pk),
        member_id=str(member.pk),
        member_name=member.name,
        email=member.email,
        erased=member.erased_at is not None,
        sold_at=timezone.localtime(row.purchased_at, zone),
        seller=seller(),
        product_name=row.product_name,
        credits=row.credits,
        expires_at=timezone.localtime(row.credit_grant.expires_at, zone),
        price=price_label(row.price, row.currency),
        tax_rate=tax_rate_label(row.tax_rate),
        tax=price_label(row.tax, row.currency),
        net=price_label(row.price - row.tax, row.currency),
        method=method_label(row.payment_method),
        reference=row.reference,
        recorded_by=row.recorded_by,
        refunds=refunds,
        refunded=price_label(refunded, row.currency) if refunds else "",
    )
