"""The demo's membership plans, as staff would define them in the admin, and one member on a
membership, started at the desk through the use case."""

from decimal import Decimal

from application.bootstrap import Services
from domain.sales import PaymentMethod
from sales.models import MembershipPlan

PLANS = (
    {
        "name": "Unlimited",
        "price": Decimal("79.00"),
        "allowance_classes": None,
        "allowance_period": "",
        "extra_booking_window_days": 2,
    },
    {
        "name": "8 classes a month",
        "price": Decimal("59.00"),
        "allowance_classes": 8,
        "allowance_period": "month",
        "extra_booking_window_days": 0,
    },
)
# The demo member on the unlimited plan: she books without spending credits.
MEMBER_EMAIL = "maya@example.com"
PLAN_NAME = "Unlimited"


def create_plans() -> dict[str, MembershipPlan]:
    """Both monthly plans, 20 % tax included, by name."""
    return {
        plan["name"]: MembershipPlan.objects.create(
            currency="EUR", tax_rate=Decimal("20"), billing_period="monthly", **plan
        )
        for plan in PLANS
    }


def start_membership(services: Services, member_id: str, plan: MembershipPlan) -> None:
    services.start_membership.execute(
        member_id, str(plan.pk), method=PaymentMethod.CARD_TERMINAL, recorded_by="Front desk"
    )
