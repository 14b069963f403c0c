"""A local stand-in for Stripe's API: an HTTP server on 127.0.0.1 (a random port, in a thread)
answering exactly the endpoints the adapter calls, as the official SDK calls them.

Requests are parsed as the SDK sends them (form-encoded, nested `a[b][c]`, lists as
`a[0][b]`) and recorded (`requests`) with their idempotency keys; a key seen before gets the
first answer again, as Stripe's does. Responses are shaped from Stripe's API reference: the
object's `object`, ids with their prefixes (cus_, cs_test_, pi_, pm_, re_), amounts in
minor units, lower-case currencies, metadata, `livemode: false`. Subscriptions and invoices
are `tests/fakes/stripe_billing.py`'s.

A test plays Stripe's other side with `mark_paid(session_id)` (the member paid on the hosted
page) and `event(...)` (the webhook event's body), signed by `sign(...)` with Stripe's scheme
(`t=<timestamp>,v1=<HMAC-SHA256 of "<timestamp>.<payload>">`). `fail_with(status)` makes
every request fail until `fail_with(None)`, with `Stripe-Should-Retry: false` so the SDK
gives up at once; `decline_cards = True` declines off-session charges (402 card_error).
"""

import hashlib
import hmac
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise
from typing import Any
from urllib.parse import parse_qsl

from tests.fakes.stripe_billing import StripeBilling, stripe_id

WEBHOOK_SECRET = "whsec_test_gymbooking"
# What the fake keeps of a session that Stripe does not show on it.
PRIVATE = {"payment_intent_data_metadata", "subscription_metadata", "line_item"}
SECRET_KEY = "sk_test_gymbooking"


def sign(payload: bytes | str, secret: str = WEBHOOK_SECRET, *, at: int | None = None) -> str:
    """The Stripe-Signature header Stripe sends with `payload` (signed now, or `at`)."""
    body = payload.decode() if isinstance(payload, bytes) else payload
    timestamp = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def parse_form(body: str) -> dict[str, Any]:
    """`a[b][0][c]=1` → {"a": {"b": [{"c": "1"}]}}, as Stripe reads the SDK's encoding."""
    parsed: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        path = re.findall(r"[^\[\]]+", key)
        node: Any = parsed
        for part, following in pairwise(path):
            node = _slot(node, part, [] if following.isdigit() else {})
        _slot(node, path[-1], value, replace=True)
    return parsed


def _slot(node: dict | list, part: str, value: Any, *, replace: bool = False) -> Any:
    """`node[part]` (a list grows to reach an index), set to `value` if empty or `replace`."""
    if isinstance(node, list):
        index = int(part)
        node.extend([None] * (index + 1 - len(node)))
        if replace or node[index] is None:
            node[index] = value
        return node[index]
    if replace or part not in node:
        node[part] = value
    return node[part]


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    params: dict[str, Any]
    idempotency_key: str | None


@dataclass
class FakeStripe(StripeBilling):
    """What the fake holds: Stripe's objects by id, every request, and the failure mode."""

    customers: dict[str, dict] = field(default_factory=dict)
    sessions: dict[str, dict] = field(default_factory=dict)
    payment_intents: dict[str, dict] = field(default_factory=dict)
    refunds: dict[str, dict] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    failure: int | None = None
    decline_cards: bool = False
    url: str = ""
    _answers: dict[str, tuple[int, dict]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- the test's side ------------------------------------------------------------------

    def fail_with(self, status: int | None) -> None:
        """Answer every request with this error status (402, 500, …), or stop (None)."""
        self.failure = status

    def requests_to(self, method: str, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path == path]

    def mark_paid(self, session_id: str, *, payment_method: str = "") -> dict:
        """The member paid on the hosted page: a succeeded PaymentIntent on her card, saved to
        her customer (setup_future_usage, or the subscription's default card), and the
        session complete."""
        session = self.sessions[session_id]
        intent = self._payment_intent(
            amount=session["amount_total"],
            currency=session["currency"],
            customer=session["customer"],
            payment_method=payment_method or _id("pm_"),
            metadata=session["payment_intent_data_metadata"],
        )
        if session["mode"] == "subscription":
            self.subscribe(session, intent)
        else:
            session["payment_intent"] = intent["id"]
        session.update(payment_status="paid", status="complete")
        return self.public(session)

    def event(self, session_id: str, *, type: str = "checkout.session.completed") -> dict:
        """The webhook event about the session, as Stripe posts it."""
        return {
            "id": _id("evt_"),
            "object": "event",
            "api_version": "2025-11-17.clover",
            "created": int(time.time()),
            "type": type,
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "data": {"object": self.public(self.sessions[session_id])},
        }

    @staticmethod
    def public(session: dict) -> dict:
        return {k: v for k, v in session.items() if k not in PRIVATE}

    # --- Stripe's side --------------------------------------------------------------------

    def answer(self, method: str, path: str, params: dict, key: str | None) -> tuple[int, dict]:
        with self._lock:
            self.requests.append(Recorded(method, path, params, key))
            if self.failure is not None:
                return self.failure, _error(self.failure)
            if key and f"{method} {path} {key}" in self._answers:
                return self._answers[f"{method} {path} {key}"]
            status, body = self._route(method, path, params)
            if key and method == "POST":
                self._answers[f"{method} {path} {key}"] = (status, body)
            return status, body

    def _route(self, method: str, path: str, params: dict) -> tuple[int, dict]:
        if (method, path) == ("POST", "/v1/customers"):
            return 200, self._customer(params)
        if (method, path) == ("POST", "/v1/checkout/sessions"):
            return 200, self.public(self._session(params))
        if (method, path) == ("POST", "/v1/payment_intents"):
            return self._off_session_charge(params)
        if method == "GET" and path.startswith("/v1/payment_intents/"):
            intent = self.payment_intents.get(path.rsplit("/", 1)[1])
            return (200, intent) if intent else (404, _error(404, "resource_missing"))
        if (method, path) == ("POST", "/v1/refunds"):
            return self._refund(params)
        return self._billing_route(method, path, params) or (404, _error(404, "unrecognized_url"))

    def _customer(self, params: dict) -> dict:
        customer = {
            "id": _id("cus_"),
            "object": "customer",
            "created": int(time.time()),
            "email": params.get("email"),
            "name": params.get("name"),
            "metadata": params.get("metadata", {}),
            "livemode": False,
        }
        self.customers[customer["id"]] = customer
        return customer

    def _session(self, params: dict) -> dict:
        [item] = params["line_items"]
        price = item["price_data"]
        session_id = _id("cs_test_")
        session = {
            "id": session_id,
            "object": "checkout.session",
            "amount_subtotal": int(price["unit_amount"]) * int(item["quantity"]),
            "amount_total": int(price["unit_amount"]) * int(item["quantity"]),
            "cancel_url": params["cancel_url"],
            "client_reference_id": params.get("client_reference_id"),
            "created": int(time.time()),
            "currency": price["currency"],
            "customer": params.get("customer"),
            "livemode": False,
            "metadata": params.get("metadata", {}),
            "mode": params["mode"],
            "payment_intent": None,
            "payment_status": "unpaid",
            "status": "open",
            "success_url": params["success_url"],
            "url": f"https://checkout.stripe.com/c/pay/{session_id}",
            "payment_intent_data_metadata": params.get("payment_intent_data", {}).get(
                "metadata", {}
            ),
            "subscription_metadata": params.get("subscription_data", {}).get("metadata", {}),
            "line_item": price.get("recurring", {}),
        }
        if params["mode"] == "subscription":
            session.update(subscription=None, invoice=None)
        self.sessions[session_id] = session
        return session

    def _payment_intent(self, **fields: Any) -> dict:
        intent = {
            "id": _id("pi_"),
            "object": "payment_intent",
            "created": int(time.time()),
            "livemode": False,
            "status": "succeeded",
            "amount_received": fields["amount"],
            **fields,
        }
        self.payment_intents[intent["id"]] = intent
        return intent

    def _off_session_charge(self, params: dict) -> tuple[int, dict]:
        if self.decline_cards:
            return 402, _error(402, "card_declined", "Your card was declined.")
        intent = self._payment_intent(
            amount=int(params["amount"]),
            currency=params["currency"],
            customer=params["customer"],
            payment_method=params["payment_method"],
            metadata=params.get("metadata", {}),
            description=params.get("description"),
        )
        return 200, intent

    def _refund(self, params: dict) -> tuple[int, dict]:
        intent = self.payment_intents.get(params.get("payment_intent", ""))
        if intent is None:
            return 400, _error(400, "resource_missing", "No such payment_intent.")
        amount = int(params.get("amount", intent["amount"]))
        refunded = sum(
            r["amount"] for r in self.refunds.values() if r["payment_intent"] == intent["id"]
        )
        if amount + refunded > intent["amount"]:
            return 400, _error(400, "charge_already_refunded", "The amount is too large.")
        refund = {
            "id": _id("re_"),
            "object": "refund",
            "amount": amount,
            "currency": intent["currency"],
            "payment_intent": intent["id"],
            "status": "succeeded",
            "created": int(time.time()),
            "metadata": {},
        }
        self.refunds[refund["id"]] = refund
        return 200, refund


_id = stripe_id


def _error(status: int, code: str = "", message: str = "") -> dict:
    kind = {402: "card_error", 400: "invalid_request_error", 404: "invalid_request_error"}
    return {
        "error": {
            "type": kind.get(status, "api_error"),
            "code": code or None,
            "message": message or f"The fake answered {status}.",
        }
    }


def _handler(fake: FakeStripe) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            path, _, query = self.path.partition("?")
            body = self.rfile.read(length).decode() if length else query
            status, answer = fake.answer(
                method, path, parse_form(body), self.headers.get("Idempotency-Key")
            )
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Request-Id", _id("req_"))
            if status >= 400:
                self.send_header("Stripe-Should-Retry", "false")
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")

        def do_DELETE(self) -> None:
            self._answer("DELETE")

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    return Handler


@contextmanager
def running() -> Iterator[FakeStripe]:
    """The fake, served until the generator is closed."""
    fake = FakeStripe()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def serving(settings) -> Iterator[FakeStripe]:
    """The fake, with the site's Stripe `settings` pointing at it and the composition rebuilt
    on them (the `stripe_fake` fixture)."""
    from gymbooking.composition import services

    with running() as fake:
        settings.STRIPE_SECRET_KEY = SECRET_KEY
        settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
        settings.STRIPE_API_BASE = fake.url
        services.cache_clear()
        try:
            yield fake
        finally:
            services.cache_clear()
