"""The demo's class packs, as a Manager would define them in the admin, and one sold at the
front desk through the use case: the shop has something to sell, the revenue report a sale,
and the member a receipt."""

from decimal import Decimal

from application.bootstrap import Services
from domain.sales import PaymentMethod
from sales.models import Product

PACKS = (
    {"name": "Intro: 3 classes", "credits": 3, "valid_days": 30, "price": Decimal("25.00")},
    {"name": "5 classes", "credits": 5, "valid_days": 60, "price": Decimal("55.00")},
    # The pack that carries fees: a late cancellation or a no-show costs on top of the credit.
    {
        "name": "10 classes",
        "credits": 10,
        "valid_days": 90,
        "price": Decimal("100.00"),
        "late_cancel_fee": Decimal("5.00"),
        "no_show_fee": Decimal("8.00"),
    },
)
INTRO_OFFER = "Intro: 3 classes"
# The demo member who bought a pack at the desk.
BUYER_EMAIL = "ben@example.com"
BOUGHT = "10 classes"


def create_packs() -> dict[str, Product]:
    """Every pack, 20 % tax included, by name."""
    return {
        pack["name"]: Product.objects.create(
            currency="EUR", tax_rate=Decimal("20"), intro_offer=pack["name"] == INTRO_OFFER, **pack
        )
        for pack in PACKS
    }


def sell_at_the_desk(services: Services, member_id: str, pack: Product) -> None:
    services.sell_product.execute(
        member_id, str(pack.pk), method=PaymentMethod.CASH, recorded_by="Front desk"
    )
