"""Receipts and refund notes, read once and shown alike in the e-mail and on the member's page.

A receipt is a pack's purchase row or a membership's payment row as it was paid
(sales/models.py), the seller's details from the settings (GYM_LEGAL_NAME, GYM_ADDRESS,
GYM_TAX_NUMBER), and the refunds made of a purchase since. Times are on the clock of the
location the sale was placed at (the gym's, TIME_ZONE, for a sale of no location).
"""

import re
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch
from django.utils import dateformat, timezone

from sales.models import MembershipPayment, Purchase, Refund
from sales.wording import membership_product, method_label, price_label, receipt_number
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
    receipt_id: str  # the purchase's or the membership payment's id
    number: str
    member_id: str
    member_name: str
    email: str
    erased: bool
    sold_at: datetime  # local
    seller: Seller
    product_name: str
    includes: str  # what was paid for: "10 credits, valid until …", a membership's period
    price: str
    tax_rate: str
    tax: str
    net: str
    method: str
    reference: str
    recorded_by: str
    refunds: tuple[RefundLine, ...] = ()
    refunded: str = ""  # "" when nothing was


def tax_rate_label(rate: Decimal) -> str:
    """20.00 → "20%", 5.50 → "5.5%"."""
    return f"{rate.normalize():f}%"


def receipt_of(receipt_id: str, *, member_id: str | None = None) -> Receipt | None:
    """The receipt of a purchase or a membership payment (of `member_id`'s only, when
    given); None when there is no such sale. At most three queries: the purchase with its
    member, grant and location, and its refunds; or the membership payment with its own."""
    purchases = Purchase.objects.select_related(
        "member", "credit_grant", "location"
    ).prefetch_related(Prefetch("refunds", queryset=Refund.objects.order_by("refunded_at", "id")))
    payments = MembershipPayment.objects.select_related("member", "location")
    if member_id is not None:
        purchases = purchases.filter(member_id=member_id)
        payments = payments.filter(member_id=member_id)
    if purchase := purchases.filter(pk=receipt_id).first():
        return _purchase_receipt(purchase)
    if payment := payments.filter(pk=receipt_id).first():
        return _membership_receipt(payment)
    return None


def _purchase_receipt(row: Purchase) -> Receipt:
    zone = _zone(row)
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
    credits = formatting.count(row.credits, "credit", "credits")
    expires = _day(row.credit_grant.expires_at, zone)
    return Receipt(
        **_common(row, row.purchased_at, zone),
        product_name=row.product_name,
        includes=f"{credits}, valid until {expires}",
        refunds=refunds,
        refunded=price_label(refunded, row.currency) if refunds else "",
    )


def _membership_receipt(row: MembershipPayment) -> Receipt:
    zone = _zone(row)
    period = f"{_day(row.period_start, zone)} until {_day(row.period_end, zone)}"
    return Receipt(
        **_common(row, row.paid_at, zone),
        product_name=membership_product(row.plan_name),
        includes=f"{row.get_kind_display()}: from {period}",
    )


def _common(row: Purchase | MembershipPayment, paid_at: datetime, zone: tzinfo) -> dict:
    """What every receipt shows of a sale, whatever was sold."""
    member = row.member
    return {
        "receipt_id": str(row.pk),
        "number": receipt_number(row.pk),
        "member_id": str(member.pk),
        "member_name": member.name,
        "email": member.email,
        "erased": member.erased_at is not None,
        "sold_at": timezone.localtime(paid_at, zone),
        "seller": seller(),
        "price": price_label(row.price, row.currency),
        "tax_rate": tax_rate_label(row.tax_rate),
        "tax": price_label(row.tax, row.currency),
        "net": price_label(row.price - row.tax, row.currency),
        "method": method_label(row.payment_method),
        "reference": row.reference,
        "recorded_by": row.recorded_by,
    }


def _zone(row: Purchase | MembershipPayment) -> tzinfo:
    return formatting.zone_of(row.location.time_zone if row.location else None)


def _day(moment: datetime, zone: tzinfo) -> str:
    return dateformat.format(timezone.localtime(moment, zone), "j F Y")
