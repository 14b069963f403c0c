"""The fake Stripe's subscriptions (tests/fakes/stripe_server.py): a Checkout Session in
subscription mode becomes a Subscription and its first Invoice when the member pays, and the
test makes the later invoices (`renewal_invoice`) and Stripe's events about any object
(`event_about`).

Endpoints, as the adapter calls them: `GET /v1/subscriptions/{id}`, `POST
/v1/subscriptions/{id}` (`cancel_at_period_end`, `pause_collection`), `DELETE
/v1/subscriptions/{id}` (cancel now), `GET /v1/invoices/{id}` (`expand[]=payments`). Shapes
follow Stripe's API reference: sub_, in_, si_, il_ and inpay_ ids, periods as Unix times,
`lines` and `items` as lists, and an invoice's subscription both where the current API puts
it (`parent.subscription_details`) and where earlier versions did (`subscription`).
"""

import json
import secrets
import time
from dataclasses import dataclass, field

DAYS = {"month": 30, "year": 365}


@dataclass
class StripeBilling:
    """Subscriptions and invoices by id; mixed into `FakeStripe`, whose PaymentIntents
    (`_payment_intent`) pay the invoices."""

    subscriptions: dict[str, dict] = field(default_factory=dict)
    invoices: dict[str, dict] = field(default_factory=dict)

    def subscribe(self, session: dict, intent: dict) -> None:
        """The member paid a subscription-mode session: its subscription, paid first invoice
        (`subscription_create`) and the session complete."""
        item = session["line_item"]
        now = int(time.time())
        subscription = {
            "id": stripe_id("sub_"),
            "object": "subscription",
            "created": now,
            "customer": session["customer"],
            "status": "active",
            "cancel_at_period_end": False,
            "canceled_at": None,
            "ended_at": None,
            "pause_collection": None,
            "default_payment_method": intent["payment_method"],
            "metadata": session["subscription_metadata"],
            "livemode": False,
            "items": {
                "object": "list",
                "data": [
                    {
                        "id": stripe_id("si_"),
                        "object": "subscription_item",
                        "quantity": 1,
                        "current_period_start": now,
                        "current_period_end": now + DAYS[item["interval"]] * 86400,
                        "price": {
                            "object": "price",
                            "currency": session["currency"],
                            "unit_amount": session["amount_total"],
                            "recurring": {"interval": item["interval"]},
                        },
                    }
                ],
            },
        }
        self.subscriptions[subscription["id"]] = subscription
        invoice = self._invoice(subscription, "subscription_create", intent)
        session.update(subscription=subscription["id"], invoice=invoice["id"])

    def renewal_invoice(self, subscription_id: str, *, paid: bool = True) -> dict:
        """The invoice of the subscription's next period, paid or its payment failed."""
        subscription = self.subscriptions[subscription_id]
        [item] = subscription["items"]["data"]
        period = DAYS[item["price"]["recurring"]["interval"]] * 86400
        item["current_period_start"] = item["current_period_end"]
        item["current_period_end"] += period
        intent = self._payment_intent(
            amount=item["price"]["unit_amount"],
            currency=item["price"]["currency"],
            customer=subscription["customer"],
            payment_method=subscription["default_payment_method"],
            metadata={},
        )
        if not paid:
            intent["status"] = "requires_payment_method"
        return self._invoice(subscription, "subscription_cycle", intent)

    def event_about(self, type: str, subject: dict) -> dict:
        """Stripe's event of `type` about `subject` (an invoice, a subscription, …)."""
        return {
            "id": stripe_id("evt_"),
            "object": "event",
            "api_version": "2025-11-17.clover",
            "created": int(time.time()),
            "type": type,
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "data": {"object": self.as_sent(subject)},
        }

    @staticmethod
    def as_sent(subject: dict) -> dict:
        """The object as an event carries it: an invoice's `payments` only when expanded."""
        return {k: v for k, v in subject.items() if k != "payments"}

    def _invoice(self, subscription: dict, reason: str, intent: dict) -> dict:
        [item] = subscription["items"]["data"]
        paid = intent["status"] == "succeeded"
        amount = intent["amount"]
        invoice = {
            "id": stripe_id("in_"),
            "object": "invoice",
            "created": int(time.time()),
            "customer": subscription["customer"],
            "subscription": subscription["id"],
            "parent": {
                "type": "subscription_details",
                "subscription_details": {
                    "subscription": subscription["id"],
                    "metadata": subscription["metadata"],
                },
            },
            "billing_reason": reason,
            "status": "paid" if paid else "open",
            "attempt_count": 1,
            "amount_due": amount,
            "amount_paid": amount if paid else 0,
            "amount_remaining": 0 if paid else amount,
            "currency": intent["currency"],
            "period_start": item["current_period_start"],
            "period_end": item["current_period_end"],
            "livemode": False,
            "lines": {
                "object": "list",
                "data": [
                    {
                        "id": stripe_id("il_"),
                        "object": "line_item",
                        "amount": amount,
                        "currency": intent["currency"],
                        "period": {
                            "start": item["current_period_start"],
                            "end": item["current_period_end"],
                        },
                    }
                ],
            },
            "payments": {
                "object": "list",
                "data": [
                    {
                        "id": stripe_id("inpay_"),
                        "object": "invoice_payment",
                        "status": "paid" if paid else "open",
                        "amount_paid": amount if paid else 0,
                        "payment": {"type": "payment_intent", "payment_intent": intent["id"]},
                    }
                ],
            },
        }
        subscription["latest_invoice"] = invoice["id"]
        self.invoices[invoice["id"]] = invoice
        return invoice

    def _billing_route(self, method: str, path: str, params: dict) -> tuple[int, dict] | None:
        """The subscription and invoice endpoints' answer; None for any other path."""
        kind, _, object_id = path.removeprefix("/v1/").partition("/")
        if kind == "invoices" and method == "GET":
            invoice = self.invoices.get(object_id)
            if invoice is None:
                return _missing()
            expanded = "payments" in (params.get("expand") or [])
            return 200, invoice if expanded else self.as_sent(invoice)
        if kind != "subscriptions" or not object_id:
            return None
        subscription = self.subscriptions.get(object_id)
        if subscription is None:
            return _missing()
        if method == "POST":
            return self._update(subscription, params)
        if method == "DELETE":
            subscription.update(status="canceled", canceled_at=int(time.time()))
            subscription["ended_at"] = subscription["canceled_at"]
        return 200, subscription

    @staticmethod
    def _update(subscription: dict, params: dict) -> tuple[int, dict]:
        if subscription["status"] == "canceled":
            return _refusal("A canceled subscription can only update its metadata.")
        if "cancel_at_period_end" in params:
            subscription["cancel_at_period_end"] = params["cancel_at_period_end"] == "true"
        if "pause_collection" in params:
            pause = params["pause_collection"]
            subscription["pause_collection"] = (
                {"behavior": pause["behavior"], "resumes_at": int(pause["resumes_at"])}
                if pause
                else None
            )
        return 200, subscription


def stripe_id(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(12)}"


def _missing() -> tuple[int, dict]:
    return 404, {"error": {"type": "invalid_request_error", "code": "resource_missing"}}


def _refusal(message: str) -> tuple[int, dict]:
    return 400, {"error": {"type": "invalid_request_error", "code": None, "message": message}}


def subscribed(services, fake, member_id: str, plan_id: str) -> dict:
    """She pressed "Join online" and paid on Stripe's page; the event Stripe then sends."""
    session = services.start_membership_checkout.execute(
        member_id, plan_id, success_url="https://t/ok", cancel_url="https://t/no"
    )
    fake.mark_paid(session.session_id, payment_method="pm_visa")
    return fake.event(session.session_id)


def deliver(client, event: dict):
    """The event posted to the webhook as Stripe posts it, signed."""
    from django.urls import reverse

    from tests.fakes.stripe_server import sign

    payload = json.dumps(event)
    return client.post(
        reverse("payments:stripe_webhook"),
        payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(payload),
    )
