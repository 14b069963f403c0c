"""Page reads of products and of a member's purchases and membership payments."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import DecimalField, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from sales.models import MembershipPayment, Product, Purchase
from sales.wording import membership_product, method_label, price_label, receipt_number
from web import formatting


@dataclass(frozen=True)
class PackOnSale:
    product_id: str
    name: str
    credits: int
    valid_days: int
    price: str
    intro_offer: bool
    limited_to: str  # e.g. "for Yoga at Old Town only"; "" for every class


def packs_on_sale() -> list[PackOnSale]:
    """The active packs, cheapest first, with what their credits pay for (two queries)."""
    return [
        PackOnSale(
            product_id=str(product.id),
            name=product.name,
            credits=product.credits,
            valid_days=product.valid_days,
            price=price_label(product.price, product.currency),
            intro_offer=product.intro_offer,
            limited_to=product.credit_scope().describe(),
        )
        for product in Product.objects.filter(is_active=True)
        .prefetch_related("locations")
        .order_by("price", "name", "id")
    ]


@dataclass(frozen=True)
class PurchaseLine:
    receipt_id: str
    number: str
    purchased_at: datetime  # on the clock of the location it was sold at
    product_name: str
    price: str
    method: str
    refunded: str  # "" when nothing was


def purchase_history(member_id: str) -> list[PurchaseLine]:
    """The member's packs bought, with what was refunded of each, and her membership
    periods paid, newest first (two queries)."""
    packs = (
        Purchase.objects.filter(member_id=member_id)
        .select_related("location")
        .only(*HISTORY_FIELDS, "purchased_at", "product_name")
        .annotate(refunded=Coalesce(Sum("refunds__amount"), Value(0, DecimalField())))
    )
    periods = (
        MembershipPayment.objects.filter(member_id=member_id)
        .select_related("location")
        .only(*HISTORY_FIELDS, "paid_at", "plan_name")
    )
    lines = [
        *(_line(row, row.purchased_at, row.product_name, row.refunded) for row in packs),
        *(_line(row, row.paid_at, membership_product(row.plan_name)) for row in periods),
    ]
    return sorted(lines, key=lambda line: (line.purchased_at, line.receipt_id), reverse=True)


def _line(
    row: Purchase | MembershipPayment,
    paid_at: datetime,
    product_name: str,
    refunded: Decimal = Decimal(0),
) -> PurchaseLine:
    return PurchaseLine(
        receipt_id=str(row.pk),
        number=receipt_number(row.pk),
        purchased_at=timezone.localtime(
            paid_at, formatting.zone_of(row.location.time_zone if row.location else None)
        ),
        product_name=product_name,
        price=price_label(row.price, row.currency),
        method=method_label(row.payment_method),
        refunded=price_label(refunded, row.currency) if refunded > Decimal(0) else "",
    )


HISTORY_FIELDS = ("id", "price", "currency", "payment_method", "location__time_zone")
