"""How prices, packs and receipts are written, the same on the admin's pages, the members'
and in e-mails."""

from decimal import Decimal

from domain.sales import PaymentMethod
from sales.models import MembershipPlan, Product

# A membership is sold, receipted and counted in revenue as its plan's name with this after it.
MEMBERSHIP_SUFFIX = " membership"


def membership_product(plan_name: str) -> str:
    """ "Unlimited" → "Unlimited membership"."""
    return f"{plan_name}{MEMBERSHIP_SUFFIX}"


def price_label(amount: Decimal, currency: str) -> str:
    return f"{amount:.2f} {currency}"


def pack_summary(product: Product) -> str:
    """One line that says what a pack includes, e.g. "10 classes — 10 credits for 90 days,
    90.00 EUR", and which classes they pay for when limited (", for Yoga at Old Town only")."""
    credits = f"{product.credits} credit{'s' if product.credits != 1 else ''}"
    days = f"{product.valid_days} day{'s' if product.valid_days != 1 else ''}"
    intro = " (intro offer, once per member)" if product.intro_offer else ""
    scope = product.credit_scope().describe()
    return (
        f"{product.name} — {credits} for {days}, "
        f"{price_label(product.price, product.currency)}{f', {scope}' if scope else ''}{intro}"
    )


def receipt_number(purchase_id: object) -> str:
    """The short form a receipt is known by: "R-" and the first 8 hex digits of the purchase
    id, e.g. "R-1F0C3A9B" (the full id stays on the page's address)."""
    return f"R-{str(purchase_id).replace('-', '')[:8].upper()}"


def method_label(value: str) -> str:
    """ "Cash" or "Card terminal" for a stored payment method."""
    return PaymentMethod(value).label


def receipt_subject(number: str, seller: str) -> str:
    return f"Your receipt {number} from {seller}"


def refund_note_subject(amount: str, number: str) -> str:
    return f"Refund of {amount} for receipt {number}"


def plan_summary(plan: MembershipPlan) -> str:
    """One line that says what a plan includes, e.g. "Unlimited — unlimited classes, 79.00
    EUR monthly"."""
    if plan.allowance_classes is None:
        includes = "unlimited classes"
    else:
        s = "es" if plan.allowance_classes != 1 else ""
        includes = f"{plan.allowance_classes} class{s} a {plan.allowance_period}"
    early = plan.extra_booking_window_days
    window = f", books {early} day{'s' if early != 1 else ''} earlier" if early else ""
    price = price_label(plan.price, plan.currency)
    return f"{plan.name} — {includes}{window}, {price} {plan.billing_period}"
