"""Page reads of products and of a member's purchases."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import DecimalField, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from sales.models import Product, Purchase
from sales.wording import method_label, price_label, receipt_number
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
    purchase_id: str
    number: str
    purchased_at: datetime  # on the clock of the location it was sold at
    product_name: str
    price: str
    method: str
    refunded: str  # "" when nothing was


def purchase_history(member_id: str) -> list[PurchaseLine]:
    """The member's purchases, newest first, with what was refunded of each (one query)."""
    rows = (
        Purchase.objects.filter(member_id=member_id)
        .select_related("location")
        .only(*HISTORY_FIELDS)
        .annotate(refunded=Coalesce(Sum("refunds__amount"), Value(0, DecimalField())))
        .order_by("-purchased_at", "id")
    )
    return [
        PurchaseLine(
            purchase_id=str(row.pk),
            number=receipt_number(row.pk),
            purchased_at=timezone.localtime(
                row.purchased_at,
                formatting.zone_of(row.location.time_zone if row.location else None),
            ),
            product_name=row.product_name,
            price=price_label(row.price, row.currency),
            method=method_label(row.payment_method),
            refunded=price_label(row.refunded, row.currency) if row.refunded > Decimal(0) else "",
        )
        for row in rows
    ]


HISTORY_FIELDS = (
    "id",
    "purchased_at",
    "product_name",
    "price",
    "currency",
    "payment_method",
    "location__time_zone",
)
