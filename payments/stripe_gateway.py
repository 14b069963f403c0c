"""Stripe, the card payment provider, through its official SDK: the only module that imports
`stripe`.

`StripeApi` makes every call — each POST with an idempotency key, so a retry (the SDK's own,
or a webhook delivered again) never charges, refunds or creates twice — and turns Stripe's
errors into the domain's: `OnlinePaymentUnavailableException` when Stripe cannot be reached
or refuses the request, `PaymentNotTakenException` when a card is declined. The adapters on
top serve one port each: `StripeCheckout` (the hosted checkout of a pack or of a membership's
subscription), `StripeRefunds` (a refund of a purchase paid online), `StripeCardOnFile`
(off-session charges of fees on the card a member saved) and `StripeSubscriptions` (a
member's changes to the subscription that bills her membership).
"""

import logging
import secrets
from datetime import datetime
from decimal import Decimal
from typing import Any, NoReturn

import stripe

from application.selling_ports import (
    CheckoutRequest,
    CheckoutSession,
    PaymentTaken,
    RefundRequest,
    SubscriptionRequest,
)
from domain.exceptions import OnlinePaymentUnavailableException, PaymentNotTakenException
from domain.sales import Money, PaymentMethod
from payments.models import StripeCustomer

logger = logging.getLogger(__name__)

# Currencies Stripe counts in whole units, not hundredths (its "zero-decimal" currencies).
ZERO_DECIMAL = frozenset(
    {
        *("bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga"),
        *("pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"),
    }
)


def to_minor_units(money: Money) -> int:
    """The amount as Stripe writes it: cents (or whole yen)."""
    unit = 1 if money.currency.lower() in ZERO_DECIMAL else 100
    return int(money.amount * unit)


def from_minor_units(amount: int, currency: str) -> Money:
    unit = 1 if currency.lower() in ZERO_DECIMAL else 100
    return Money(Decimal(amount) / unit, currency)


class StripeApi:
    """The calls the adapters make, on one client (`api_base`: Stripe's, or a test server)."""

    def __init__(
        self, secret_key: str, *, api_base: str, webhook_secret: str = "", timeout: float = 10
    ) -> None:
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base},
            http_client=stripe.RequestsClient(timeout=timeout),
            max_network_retries=2,
        )
        self._webhook_secret = webhook_secret

    def call(
        self, method: Any, params: dict[str, Any], idempotency_key: str, *, charge: bool = False
    ) -> Any:
        """`method(params)` with the key, Stripe's errors made the domain's (a card declined
        on a `charge`; anything else: Stripe unavailable)."""
        try:
            return method(params, {"idempotency_key": idempotency_key})
        except stripe.StripeError as error:
            # Stripe's own words and request id, for whoever looks into it.
            logger.warning("Stripe refused %s: %s (%s)", idempotency_key, error, error.request_id)
            self._raise_as_domain(error, charge=charge)

    @staticmethod
    def _raise_as_domain(error: stripe.StripeError, *, charge: bool) -> NoReturn:
        if isinstance(error, stripe.CardError) and charge:
            raise PaymentNotTakenException(
                f"The card was declined: {error.user_message or 'no reason given'}"
            ) from error
        raise OnlinePaymentUnavailableException() from error

    def verified_event(self, payload: bytes, signature: str | None) -> dict[str, Any]:
        """The webhook event, as plain data, if `signature` is Stripe's for `payload` with the
        webhook secret and not older than the SDK's tolerance (five minutes); `ValueError`
        otherwise."""
        try:
            event = self._client.construct_event(payload, signature, self._webhook_secret)
        except stripe.SignatureVerificationError as error:
            raise ValueError(f"The Stripe-Signature does not verify: {error}") from error
        return event.to_dict()

    def customer_id(self, member_id: str, name: str, email: str) -> str:
        """Her customer at Stripe, made the first time she pays online."""
        known = StripeCustomer.objects.filter(member_id=member_id).first()
        if known is not None:
            return known.customer_id
        customer = self.call(
            self._client.v1.customers.create,
            {"name": name, "email": email, "metadata": {"member_id": member_id}},
            f"customer-{member_id}",
        )
        row, _ = StripeCustomer.objects.get_or_create(
            member_id=member_id, defaults={"customer_id": customer.id}
        )
        return row.customer_id

    def create_checkout_session(self, request: CheckoutRequest, customer_id: str) -> Any:
        metadata = {"member_id": request.member_id, "product_id": request.product_id}
        params = {
            "mode": "payment",
            "customer": customer_id,
            "client_reference_id": request.member_id,
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": request.amount.currency.lower(),
                        "unit_amount": to_minor_units(request.amount),
                        "product_data": {"name": request.product_name},
                    },
                }
            ],
            "payment_intent_data": {"setup_future_usage": "off_session", "metadata": metadata},
            "metadata": metadata,
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
        }
        key = f"checkout-{request.member_id}-{secrets.token_hex(8)}"
        return self.call(self._client.v1.checkout.sessions.create, params, key)

    def create_subscription_session(self, request: SubscriptionRequest, customer_id: str) -> Any:
        """A Checkout Session in subscription mode: the plan's price every interval, its
        metadata on the session and on the subscription (so its invoices say whose it is)."""
        metadata = {"member_id": request.member_id, "plan_id": request.plan_id}
        params = {
            "mode": "subscription",
            "customer": customer_id,
            "client_reference_id": request.member_id,
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": request.amount.currency.lower(),
                        "unit_amount": to_minor_units(request.amount),
                        "product_data": {"name": request.plan_name},
                        "recurring": {"interval": request.interval},
                    },
                }
            ],
            "subscription_data": {"metadata": metadata},
            "metadata": metadata,
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
        }
        key = f"subscribe-{request.member_id}-{secrets.token_hex(8)}"
        return self.call(self._client.v1.checkout.sessions.create, params, key)

    def retrieve(self, resource: str, object_id: str, **params: Any) -> Any:
        """One object of `resource` ("subscriptions", "invoices", "payment_intents")."""
        service = getattr(self._client.v1, resource)
        # A read changes nothing at Stripe; the key is there for the logs' sake.
        return self.call(
            lambda params, options: service.retrieve(object_id, params, options),
            params,
            f"read-{object_id}",
        )

    def update_subscription(self, subscription_id: str, params: dict[str, Any], key: str) -> Any:
        return self.call(
            lambda params, options: self._client.v1.subscriptions.update(
                subscription_id, params, options
            ),
            params,
            key,
        )

    def cancel_subscription(self, subscription_id: str, key: str) -> Any:
        """Stopped at once: no later invoice (nothing is prorated or refunded by it)."""
        return self.call(
            lambda params, options: self._client.v1.subscriptions.cancel(
                subscription_id, params, options
            ),
            {},
            key,
        )

    def retrieve_payment_intent(self, payment_intent_id: str) -> Any:
        return self.retrieve("payment_intents", payment_intent_id)

    def create_payment_intent(self, params: dict[str, Any], idempotency_key: str) -> Any:
        return self.call(
            self._client.v1.payment_intents.create, params, idempotency_key, charge=True
        )

    def create_refund(self, payment_intent_id: str, amount: Money, idempotency_key: str) -> str:
        refund = self.call(
            self._client.v1.refunds.create,
            {"payment_intent": payment_intent_id, "amount": to_minor_units(amount)},
            idempotency_key,
        )
        return refund.id


class _RefundingAdapter:
    """An adapter that gives back (part of) a payment it took."""

    def __init__(self, api: StripeApi) -> None:
        self.api = api

    def refund(self, reference: str, amount: Money, idempotency_key: str) -> str:
        """`amount` of the PaymentIntent `reference` back to her card; the refund's id."""
        return self.api.create_refund(reference, amount, idempotency_key)


class StripeCheckout(_RefundingAdapter):
    """The `OnlineCheckout` port on Stripe Checkout."""

    def start(self, request: CheckoutRequest) -> CheckoutSession:
        customer = self.api.customer_id(
            request.member_id, request.member_name, request.member_email
        )
        session = self.api.create_checkout_session(request, customer)
        return CheckoutSession(session_id=session.id, url=session.url)

    def keep_card(self, member_id: str, payment_reference: str) -> None:
        intent = self.api.retrieve_payment_intent(payment_reference)
        _keep(member_id, intent.payment_method)

    def start_subscription(self, request: SubscriptionRequest) -> CheckoutSession:
        customer = self.api.customer_id(
            request.member_id, request.member_name, request.member_email
        )
        session = self.api.create_subscription_session(request, customer)
        return CheckoutSession(session_id=session.id, url=session.url)

    def keep_subscription_card(self, member_id: str, subscription_id: str) -> None:
        """The subscription's default card (Checkout sets it), kept for fees too."""
        subscription = self.api.retrieve("subscriptions", subscription_id)
        _keep(member_id, subscription.default_payment_method)

    def refund_subscription(self, subscription_id: str, invoice_id: str, key: str) -> str:
        """The invoice's PaymentIntent refunded in full, then the subscription cancelled
        (each keyed, so a retry after either does the other once)."""
        invoice = self.api.retrieve("invoices", invoice_id, expand=["payments"])
        [paid] = [p.payment for p in invoice.payments.data if p.status == "paid"]
        amount = from_minor_units(invoice.amount_paid, invoice.currency)
        refund = self.api.create_refund(paid.payment_intent, amount, key)
        self.api.cancel_subscription(subscription_id, f"{key}-cancel")
        return refund


def _keep(member_id: str, method: Any) -> None:
    """Her card (a PaymentMethod, or its id) on her customer's row, for fees."""
    method_id = method if isinstance(method, str) else getattr(method, "id", "")
    if method_id:
        StripeCustomer.objects.filter(member_id=member_id).update(payment_method_id=method_id)


class StripeRefunds:
    """A refund of a purchase paid online, as the payment port's `refund` is asked for it."""

    def __init__(self, api: StripeApi) -> None:
        self.api = api

    def refund(self, request: RefundRequest) -> PaymentTaken:
        """Keyed by the purchase and the amount, so a
        refund asked for twice (a double click, a retry) is made once."""
        if request.method != PaymentMethod.ONLINE:
            raise PaymentNotTakenException("Only a purchase paid online is refunded by card.")
        key = f"refund-{request.purchase_reference}-{to_minor_units(request.amount)}"
        reference = self.api.create_refund(request.purchase_reference, request.amount, key)
        return PaymentTaken(
            method=PaymentMethod.ONLINE, reference=reference, recorded_by=request.recorded_by
        )


class StripeCardOnFile(_RefundingAdapter):
    """Charges on the card a member saved when she paid online, made while she is away."""

    def charge(
        self, member_id: str, amount: Money, description: str, idempotency_key: str
    ) -> str | None:
        """PaymentIntent confirmed off-session on her saved card; its id, or None when she has
        no card on file; PaymentNotTakenException when declined."""
        customer = StripeCustomer.objects.filter(member_id=member_id).first()
        if customer is None or not customer.payment_method_id:
            return None
        intent = self.api.create_payment_intent(
            {
                "amount": to_minor_units(amount),
                "currency": amount.currency.lower(),
                "customer": customer.customer_id,
                "payment_method": customer.payment_method_id,
                "off_session": True,
                "confirm": True,
                "description": description,
                "metadata": {"member_id": member_id},
            },
            idempotency_key,
        )
        if intent.status != "succeeded":
            raise PaymentNotTakenException(
                "The saved card needs the member to confirm the payment, so it was not taken."
            )
        return intent.id


class StripeSubscriptions:
    """The `Subscriptions` port on Stripe Billing: the subscription a membership bought
    online renews by."""

    def __init__(self, api: StripeApi) -> None:
        self.api = api

    def cancel_at_period_end(self, subscription_id: str, cancel: bool, key: str) -> None:
        self.api.update_subscription(subscription_id, {"cancel_at_period_end": cancel}, key)

    def pause(self, subscription_id: str, resumes_at: datetime | None, key: str) -> None:
        """Collection paused (invoices voided) until `resumes_at`; None clears the pause."""
        pause: dict[str, Any] | str = ""
        if resumes_at is not None:
            pause = {"behavior": "void", "resumes_at": int(resumes_at.timestamp())}
        self.api.update_subscription(subscription_id, {"pause_collection": pause}, key)
