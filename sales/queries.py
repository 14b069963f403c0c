"""Page reads of products."""

from dataclasses import dataclass

from sales.models import Product
from sales.wording import price_label


@dataclass(frozen=True)
class PackOnSale:
    product_id: str
    name: str
    credits: int
    valid_days: int
    price: str
    intro_offer: bool


def packs_on_sale() -> list[PackOnSale]:
    """The active packs, cheapest first (one query)."""
    return [
        PackOnSale(
            product_id=str(product.id),
            name=product.name,
            credits=product.credits,
            valid_days=product.valid_days,
            price=price_label(product.price, product.currency),
            intro_offer=product.intro_offer,
        )
        for product in Product.objects.filter(is_active=True).order_by("price", "name", "id")
    ]
