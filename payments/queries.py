"""Page reads of online payments."""

from dataclasses import dataclass

from payments.models import StripeEvent


@dataclass(frozen=True)
class CheckoutResult:
    """What the member's checkout has become so far: `confirmed` once Stripe's event came,
    then either the pack sold (its name and credits) or what happened instead (`note`: a
    refund and why, a payment still on its way)."""

    confirmed: bool
    pack_name: str = ""
    credits: int = 0
    note: str = ""


def checkout_result(member_id: object, session_id: str) -> CheckoutResult:
    """Her checkout `session_id`, as the events acted on tell it (one query); another
    member's session reads as not confirmed, telling nothing about it."""
    if not session_id:
        return CheckoutResult(confirmed=False)
    events = StripeEvent.objects.filter(object_id=session_id, member_id=member_id)
    event = events.select_related("purchase").order_by("-purchase_id", "-id").first()
    if event is None:
        return CheckoutResult(confirmed=False)
    if event.purchase is None:
        return CheckoutResult(confirmed=True, note=event.outcome)
    return CheckoutResult(
        confirmed=True, pack_name=event.purchase.product_name, credits=event.purchase.credits
    )
