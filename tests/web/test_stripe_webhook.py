"""Stripe's webhook over the test client, with the fake Stripe server behind the adapter: only
signed, fresh events are read; a paid checkout becomes the sale once, however often it is
delivered; one that can no longer be sold is refunded through Stripe; what is not ours or not
handled is ignored and not recorded."""

import json
import time

import pytest
from django.urls import reverse

from events.models import StoredEvent
from members.models import CreditGrant
from payments.models import StripeCustomer, StripeEvent
from payments.webhooks import HANDLERS
from sales.models import Purchase
from tests.factories import MemberFactory, ProductFactory
from tests.fakes.stripe_server import sign

pytestmark = pytest.mark.django_db

WEBHOOK = reverse("payments:stripe_webhook")


def deliver(client, event: dict, *, signature: str | None = None, body: str | None = None):
    payload = body if body is not None else json.dumps(event)
    headers = {} if signature == "" else {"HTTP_STRIPE_SIGNATURE": signature or sign(payload)}
    return client.post(WEBHOOK, payload, content_type="application/json", **headers)


def paid_checkout(services, fake, member, product) -> dict:
    """She pressed "Buy online" and paid on Stripe's page; the event Stripe then sends."""
    session = services.start_checkout.execute(
        str(member.pk), str(product.pk), success_url="https://t/ok", cancel_url="https://t/no"
    )
    fake.mark_paid(session.session_id, payment_method="pm_visa")
    return fake.event(session.session_id)


def nothing_written() -> bool:
    return not (
        StripeEvent.objects.exists()
        or Purchase.objects.exists()
        or CreditGrant.objects.exists()
        or StoredEvent.objects.filter(type="ClassPackPurchased").exists()
    )


@pytest.fixture
def ana(db):
    return MemberFactory(name="Ana")


@pytest.fixture
def pack(db):
    return ProductFactory(name="10 classes", credits=10)


def test_a_paid_checkout_becomes_the_sale_of_its_pack(client, stripe_fake, services, ana, pack):
    event = paid_checkout(services, stripe_fake, ana, pack)

    response = deliver(client, event)

    assert response.status_code == 200, response.text
    purchase = Purchase.objects.get(member=ana)
    intent = event["data"]["object"]["payment_intent"]
    assert (purchase.payment_method, purchase.reference, purchase.recorded_by) == (
        "online",
        intent,
        "Online",
    )
    assert purchase.get_payment_method_display() == "Card online"
    assert purchase.credit_grant.amount == 10
    assert StoredEvent.objects.filter(type="ClassPackPurchased").count() == 1
    logged = StripeEvent.objects.get(event_id=event["id"])
    assert (logged.type, logged.object_id) == (
        "checkout.session.completed",
        event["data"]["object"]["id"],
    )
    assert (logged.member_id, logged.purchase_id) == (ana.pk, purchase.pk)
    assert StripeCustomer.objects.get(member=ana).payment_method_id == "pm_visa"


def test_a_replayed_event_changes_nothing_twice(client, stripe_fake, services, ana, pack):
    event = paid_checkout(services, stripe_fake, ana, pack)
    deliver(client, event)

    again = deliver(client, event)

    assert again.status_code == 200
    assert again.text == "Already processed."
    assert Purchase.objects.filter(member=ana).count() == 1
    assert CreditGrant.objects.filter(member=ana).count() == 1
    assert StripeEvent.objects.count() == 1


@pytest.mark.parametrize(
    "signature",
    [
        "",  # no Stripe-Signature header at all
        "t=1,v1=0000",  # not Stripe's
        "wrong secret",
        "too old",
    ],
)
def test_an_event_not_signed_by_stripe_now_is_refused_and_changes_nothing(
    client, stripe_fake, services, ana, pack, signature
):
    event = paid_checkout(services, stripe_fake, ana, pack)
    payload = json.dumps(event)
    header = {
        "wrong secret": lambda: sign(payload, "whsec_someone_else"),
        "too old": lambda: sign(payload, at=int(time.time()) - 301),
    }.get(signature, lambda: signature)()

    response = deliver(client, event, signature=header, body=payload)

    assert response.status_code == 400
    assert nothing_written()


def test_a_tampered_body_is_refused_and_changes_nothing(client, stripe_fake, services, ana, pack):
    event = paid_checkout(services, stripe_fake, ana, pack)
    signed_for = json.dumps(event)
    event["data"]["object"]["amount_total"] = 1

    response = deliver(client, event, signature=sign(signed_for))

    assert response.status_code == 400
    assert nothing_written()


def test_a_signed_body_that_is_not_json_is_refused(client, stripe_fake):
    response = deliver(client, {}, body="not json", signature=sign("not json"))

    assert response.status_code == 400
    assert nothing_written()


def test_without_stripe_configured_the_webhook_says_so(client, settings, ana):
    settings.STRIPE_SECRET_KEY = ""

    response = deliver(client, {"id": "evt_1", "type": "checkout.session.completed"})

    assert response.status_code == 404
    assert "not configured" in response.text
    assert nothing_written()


def test_an_event_type_nothing_handles_is_ignored_and_not_recorded(client, stripe_fake):
    event = {
        "id": "evt_unknown",
        "object": "event",
        "type": "customer.updated",
        "created": int(time.time()),
        "data": {"object": {"id": "cus_1", "object": "customer"}},
    }

    response = deliver(client, event)

    assert response.status_code == 200
    assert "Ignored" in response.text
    assert "customer.updated" not in HANDLERS
    assert nothing_written()


def test_a_checkout_gymbooking_did_not_start_is_ignored(client, stripe_fake, services, ana, pack):
    event = paid_checkout(services, stripe_fake, ana, pack)
    event["data"]["object"]["metadata"] = {}

    response = deliver(client, event)

    assert response.status_code == 200
    assert "not started by gymbooking" in response.text
    assert nothing_written()


def test_a_checkout_not_paid_yet_sells_nothing_until_its_payment_succeeds(
    client, stripe_fake, services, ana, pack
):
    """Out of order for a card, in order for a bank debit: completed first, paid later."""
    event = paid_checkout(services, stripe_fake, ana, pack)
    event["data"]["object"]["payment_status"] = "unpaid"
    succeeded = {
        **stripe_fake.event(
            event["data"]["object"]["id"], type="checkout.session.async_payment_succeeded"
        )
    }

    waiting = deliver(client, event)
    assert waiting.status_code == 200
    assert not Purchase.objects.exists()
    paid = deliver(client, succeeded)

    assert paid.status_code == 200
    assert Purchase.objects.filter(member=ana).count() == 1
    assert StripeEvent.objects.count() == 2


def test_an_intro_offer_bought_at_the_desk_meanwhile_is_refunded_through_stripe(
    client, stripe_fake, services, ana
):
    intro = ProductFactory(name="Intro", credits=3, intro_offer=True)
    event = paid_checkout(services, stripe_fake, ana, intro)
    services.sell_product.execute(str(ana.pk), str(intro.pk), method="cash", recorded_by="Dee")

    response = deliver(client, event)

    assert response.status_code == 200
    assert "Refunded" in response.text
    assert Purchase.objects.filter(member=ana).count() == 1  # the desk's
    [refund] = stripe_fake.refunds.values()
    assert refund["payment_intent"] == event["data"]["object"]["payment_intent"]
    assert refund["amount"] == event["data"]["object"]["amount_total"]
    [recorded] = StoredEvent.objects.filter(type="OnlinePaymentRefunded")
    assert recorded.payload["refund_reference"] == refund["id"]
    assert StripeEvent.objects.get(event_id=event["id"]).purchase is None


def test_a_closed_account_is_refunded_not_sold_to(client, stripe_fake, services, ana, pack):
    event = paid_checkout(services, stripe_fake, ana, pack)
    ana.is_active = False
    ana.save(update_fields=["is_active"])

    deliver(client, event)

    assert not Purchase.objects.exists()
    assert len(stripe_fake.refunds) == 1


def test_stripe_failing_during_a_refund_leaves_the_event_for_its_next_delivery(
    client, stripe_fake, services, ana
):
    intro = ProductFactory(name="Intro", credits=3, intro_offer=True)
    event = paid_checkout(services, stripe_fake, ana, intro)
    services.sell_product.execute(str(ana.pk), str(intro.pk), method="cash", recorded_by="Dee")
    stripe_fake.fail_with(500)

    failed = deliver(client, event)
    stripe_fake.fail_with(None)
    retried = deliver(client, event)

    assert failed.status_code == 503
    assert "not possible right now" in failed.text
    assert retried.status_code == 200
    assert len(stripe_fake.refunds) == 1
    assert StoredEvent.objects.filter(type="OnlinePaymentRefunded").count() == 1


def test_a_signed_event_missing_what_it_needs_is_refused(client, stripe_fake, services, ana, pack):
    event = paid_checkout(services, stripe_fake, ana, pack)
    del event["data"]["object"]["payment_intent"]

    response = deliver(client, event)

    assert response.status_code == 400
    assert "could not be acted on" in response.text
    assert nothing_written()
