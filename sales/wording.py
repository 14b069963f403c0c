"""How prices and packs are written, the same on the admin's pages and the members'."""

from decimal import Decimal

from sales.models import Product


def price_label(amount: Decimal, currency: str) -> str:
    return f"{amount:.2f} {currency}"


def pack_summary(product: Product) -> str:
    """One line that says what a pack includes, e.g. "10 classes — 10 credits for 90 days,
    90.00 EUR"."""
    credits = f"{product.credits} credit{'s' if product.credits != 1 else ''}"
    days = f"{product.valid_days} day{'s' if product.valid_days != 1 else ''}"
    intro = " (intro offer, once per member)" if product.intro_offer else ""
    return (
        f"{product.name} — {credits} for {days}, "
        f"{price_label(product.price, product.currency)}{intro}"
    )
