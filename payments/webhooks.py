"""What a verified Stripe event does, by its type.

`HANDLERS` maps an event type to the function that acts on the event's object and says what
it became; another part of the gym adds its own types with `@handles("invoice.paid")`, and
its own kind of checkout (by the session's mode) with `@completes("subscription")`. An
event of a type nobody handles is answered 200 and ignored: it is not recorded as acted on,
so a handler added later still acts on it when Stripe delivers it again.

An event acted on is recorded (`StripeEvent`, unique by id) in the same transaction as its
effect. The row is written first: a replayed event finds it and changes nothing, and of two
deliveries of one event at once the second waits on the unique index until the first
commits, then finds it (if the first rolls back, the second acts instead).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from application.bootstrap import Services
from application.online_sales import PaidCheckout
from payments.models import StripeEvent
from payments.stripe_gateway import from_minor_units


@dataclass(frozen=True)
class Acted:
    """What a handler made of an event: in words, and whom and which sale it concerned."""

    outcome: str
    member_id: str | None = None
    purchase_id: str | None = None


type Handler = Callable[[Services, dict[str, Any]], Acted]

HANDLERS: dict[str, Handler] = {}


class NotOurs(Exception):
    """An event about an object this site did not make (another integration's checkout)."""


def handles(event_type: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        HANDLERS[event_type] = handler
        return handler

    return register


def process(services: Services, event: dict[str, Any]) -> str:
    """Act on the event once; what became of it, in words. A handler's refusal or error rolls
    back its row with it, so Stripe's next delivery tries again."""
    handler = HANDLERS.get(event["type"])
    if handler is None:
        return f"Ignored: nothing here handles {event['type']} events."
    subject = event["data"]["object"]
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = StripeEvent.objects.create(
                    event_id=event["id"],
                    type=event["type"],
                    object_id=subject.get("id") or "",
                    created=datetime.fromtimestamp(event["created"], UTC),
                    processed_at=timezone.now(),
                )
        except IntegrityError:
            return "Already processed."
        try:
            acted = handler(services, subject)
        except NotOurs as ignored:
            transaction.set_rollback(True)
            return f"Ignored: {ignored}"
        row.outcome = acted.outcome[:500]
        row.member_id, row.purchase_id = acted.member_id, acted.purchase_id
        row.save(update_fields=["outcome", "member", "purchase"])
    return row.outcome


# What a completed checkout becomes, by its mode: "payment" (a pack) below.
CHECKOUTS: dict[str, Handler] = {}


def completes(mode: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        CHECKOUTS[mode] = handler
        return handler

    return register


@handles("checkout.session.completed")
@handles("checkout.session.async_payment_succeeded")
def checkout_completed(services: Services, session: dict[str, Any]) -> Acted:
    """The checkout, handed to what completes its mode."""
    mode = session.get("mode") or "payment"
    if mode not in CHECKOUTS:
        raise NotOurs(f"nothing here completes a checkout in {mode} mode.")
    return CHECKOUTS[mode](services, session)


@completes("payment")
def pack_checkout_completed(services: Services, session: dict[str, Any]) -> Acted:
    """A paid checkout becomes the sale of its pack (or its refund); one still waiting for
    its payment (a bank debit) is left as it is, to be sold when its payment succeeds."""
    metadata = session.get("metadata") or {}
    if "member_id" not in metadata or "product_id" not in metadata:
        raise NotOurs("this checkout was not started by gymbooking.")
    member_id = metadata["member_id"]
    if session.get("payment_status") != "paid":
        return Acted(f"Not paid yet ({session.get('payment_status')}): nothing sold.", member_id)
    outcome = services.complete_checkout.execute(
        PaidCheckout(
            session_id=session["id"],
            member_id=member_id,
            product_id=metadata["product_id"],
            payment_reference=session["payment_intent"],
            amount=from_minor_units(session["amount_total"], session["currency"]),
        )
    )
    if outcome.purchase is None:
        return Acted(f"Refunded as {outcome.refund_reference}: {outcome.reason}", member_id)
    purchase = outcome.purchase
    return Acted(f"Sold {purchase.pack.name}.", member_id, purchase.purchase_id)
