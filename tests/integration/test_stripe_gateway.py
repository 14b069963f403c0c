"""The Stripe adapters against the fake Stripe server, through the official SDK: what each call
sends (form-encoded as Stripe reads it, with an idempotency key), what it makes of Stripe's
answers, and Stripe's errors as the domain's."""

from dataclasses import dataclass
from decimal import Decimal

import pytest

from application.selling_ports import CheckoutRequest
from domain.exceptions import OnlinePaymentUnavailableException, PaymentNotTakenException
from domain.sales import Money, PaymentMethod
from payments.models import StripeCustomer
from payments.stripe_gateway import (
    StripeApi,
    StripeCardOnFile,
    StripeCheckout,
    StripeRefunds,
    from_minor_units,
    to_minor_units,
)
from tests.factories import MemberFactory
from tests.fakes.stripe_server import SECRET_KEY, WEBHOOK_SECRET, running

pytestmark = pytest.mark.django_db

NINETY_EUROS = Money(Decimal("90.00"), "EUR")


@dataclass(frozen=True)
class RefundRequest:
    """The payment port's refund request, as the refunds use case builds it."""

    member_id: str
    purchase_reference: str
    method: PaymentMethod
    amount: Money
    recorded_by: str
    reason: str


@pytest.fixture
def fake():
    with running() as server:
        yield server


@pytest.fixture
def api(fake):
    return StripeApi(SECRET_KEY, api_base=fake.url, webhook_secret=WEBHOOK_SECRET)


def checkout_request(member, amount=NINETY_EUROS) -> CheckoutRequest:
    return CheckoutRequest(
        member_id=str(member.pk),
        member_name=member.name,
        member_email=member.email,
        product_id="product-1",
        product_name="10 classes",
        amount=amount,
        success_url="https://gym.test/shop/paid/?session_id={CHECKOUT_SESSION_ID}",
        cancel_url="https://gym.test/shop/",
    )


def paid_intent(fake, api, member) -> str:
    """A checkout she paid with a card (pm_visa); its PaymentIntent's id."""
    session = StripeCheckout(api).start(checkout_request(member))
    return fake.mark_paid(session.session_id, payment_method="pm_visa")["payment_intent"]


def test_a_checkout_session_is_asked_for_as_stripe_documents_it(fake, api):
    member = MemberFactory(name="Ana Silva")

    session = StripeCheckout(api).start(checkout_request(member))

    customer = StripeCustomer.objects.get(member=member)
    [made] = fake.requests_to("POST", "/v1/checkout/sessions")
    assert made.params == {
        "mode": "payment",
        "customer": customer.customer_id,
        "client_reference_id": str(member.pk),
        "line_items": [
            {
                "quantity": "1",
                "price_data": {
                    "currency": "eur",
                    "unit_amount": "9000",
                    "product_data": {"name": "10 classes"},
                },
            }
        ],
        "payment_intent_data": {
            "setup_future_usage": "off_session",
            "metadata": {"member_id": str(member.pk), "product_id": "product-1"},
        },
        "metadata": {"member_id": str(member.pk), "product_id": "product-1"},
        "success_url": "https://gym.test/shop/paid/?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://gym.test/shop/",
    }
    assert session.session_id.startswith("cs_test_")
    assert session.url == fake.sessions[session.session_id]["url"]
    assert customer.customer_id.startswith("cus_")
    [made_customer] = fake.requests_to("POST", "/v1/customers")
    assert made_customer.params["email"] == member.email
    assert made_customer.params["metadata"] == {"member_id": str(member.pk)}


def test_her_customer_at_stripe_is_made_once(fake, api):
    member = MemberFactory()
    checkout = StripeCheckout(api)

    first = checkout.start(checkout_request(member))
    second = checkout.start(checkout_request(member))

    assert len(fake.requests_to("POST", "/v1/customers")) == 1
    assert StripeCustomer.objects.filter(member=member).count() == 1
    assert (
        fake.sessions[first.session_id]["customer"]
        == (fake.sessions[second.session_id]["customer"])
    )


def test_every_call_carries_an_idempotency_key(fake, api):
    member = MemberFactory()
    intent = paid_intent(fake, api, member)
    checkout = StripeCheckout(api)
    checkout.keep_card(str(member.pk), intent)
    checkout.refund(intent, NINETY_EUROS, "refund-cs_1")

    assert len(fake.requests) == 4
    assert all(request.idempotency_key for request in fake.requests)
    assert fake.requests[-1].idempotency_key == "refund-cs_1"


def test_the_card_a_checkout_was_paid_with_is_kept_for_later(fake, api):
    member = MemberFactory()
    intent = paid_intent(fake, api, member)

    StripeCheckout(api).keep_card(str(member.pk), intent)

    assert StripeCustomer.objects.get(member=member).payment_method_id == "pm_visa"
    assert fake.requests_to("GET", f"/v1/payment_intents/{intent}")


def test_a_refund_asked_twice_with_one_key_is_made_once(fake, api):
    member = MemberFactory()
    intent = paid_intent(fake, api, member)
    checkout = StripeCheckout(api)

    first = checkout.refund(intent, NINETY_EUROS, "refund-cs_1")
    again = checkout.refund(intent, NINETY_EUROS, "refund-cs_1")

    assert first == again
    assert first.startswith("re_")
    [refund] = fake.refunds.values()
    assert (refund["amount"], refund["currency"], refund["payment_intent"]) == (9000, "eur", intent)


def test_a_purchase_paid_online_is_refunded_as_the_payment_port_asks(fake, api):
    member = MemberFactory()
    intent = paid_intent(fake, api, member)
    request = RefundRequest(
        member_id=str(member.pk),
        purchase_reference=intent,
        method=PaymentMethod.ONLINE,
        amount=Money(Decimal("30.00"), "EUR"),
        recorded_by="Dee Desk",
        reason="Moved away",
    )

    taken = StripeRefunds(api).refund(request)

    assert taken.method == PaymentMethod.ONLINE
    assert taken.recorded_by == "Dee Desk"
    assert fake.refunds[taken.reference]["amount"] == 3000


def test_a_purchase_paid_at_the_desk_is_not_refunded_by_card(fake, api):
    request = RefundRequest("m", "DESK-1", PaymentMethod.CASH, NINETY_EUROS, "Dee", "")

    with pytest.raises(PaymentNotTakenException):
        StripeRefunds(api).refund(request)

    assert fake.requests == []


def test_a_fee_is_charged_off_session_on_the_saved_card(fake, api):
    member = MemberFactory()
    StripeCheckout(api).keep_card(str(member.pk), paid_intent(fake, api, member))
    customer = StripeCustomer.objects.get(member=member)

    charged = StripeCardOnFile(api).charge(
        str(member.pk), Money(Decimal("5.00"), "EUR"), "No-show fee", "fee-1"
    )

    [made] = fake.requests_to("POST", "/v1/payment_intents")
    assert made.idempotency_key == "fee-1"
    assert made.params | {"metadata": None} == {
        "amount": "500",
        "currency": "eur",
        "customer": customer.customer_id,
        "payment_method": "pm_visa",
        "off_session": "true",
        "confirm": "true",
        "description": "No-show fee",
        "metadata": None,
    }
    assert fake.payment_intents[charged]["status"] == "succeeded"


def test_without_a_saved_card_no_fee_is_charged(fake, api):
    member = MemberFactory()

    assert StripeCardOnFile(api).charge(str(member.pk), NINETY_EUROS, "Fee", "fee-1") is None
    assert fake.requests == []


def test_a_declined_card_is_the_domains_refusal(fake, api):
    member = MemberFactory()
    StripeCheckout(api).keep_card(str(member.pk), paid_intent(fake, api, member))
    fake.decline_cards = True

    with pytest.raises(PaymentNotTakenException, match="declined"):
        StripeCardOnFile(api).charge(str(member.pk), NINETY_EUROS, "Fee", "fee-1")


@pytest.mark.parametrize("status", [402, 500, 503])
def test_stripe_failing_is_the_domains_clear_refusal_and_nothing_is_kept(fake, api, status):
    member = MemberFactory()
    fake.fail_with(status)

    with pytest.raises((OnlinePaymentUnavailableException, PaymentNotTakenException)):
        StripeCheckout(api).start(checkout_request(member))

    assert not StripeCustomer.objects.exists()


def test_stripe_out_of_reach_is_the_domains_refusal():
    api = StripeApi(SECRET_KEY, api_base="http://127.0.0.1:9", timeout=1)

    with pytest.raises(OnlinePaymentUnavailableException):
        api.create_refund("pi_1", NINETY_EUROS, "k")


@pytest.mark.parametrize(
    ("money", "minor"),
    [
        (Money(Decimal("90.00"), "EUR"), 9000),
        (Money(Decimal("0.05"), "GBP"), 5),
        (Money(Decimal("1500"), "JPY"), 1500),  # Stripe counts yen whole
    ],
)
def test_amounts_are_written_in_minor_units_and_read_back(money, minor):
    assert to_minor_units(money) == minor
    assert from_minor_units(minor, money.currency.lower()) == money
