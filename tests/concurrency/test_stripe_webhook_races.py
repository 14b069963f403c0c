"""Stripe delivering one event twice at the same moment, on PostgreSQL: the pack is sold once,
one delivery acts and the other answers "already processed". The event's unique row is what
holds the second back (it waits on the index until the first commits): with the row made
different for each delivery, the control shows both would sell."""

import json
import threading
import time

import pytest
from django.test import Client
from django.urls import reverse

from members.models import CreditGrant
from payments import webhooks
from payments.models import StripeEvent
from sales.models import Purchase
from tests.factories import MemberFactory, ProductFactory
from tests.fakes.stripe_server import sign

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

ROUNDS = 3


@pytest.fixture
def slow_sale(monkeypatch):
    """The sale takes a moment after acting, so both deliveries are inside it together."""
    handler = webhooks.HANDLERS["checkout.session.completed"]

    def slowly(services, session):
        acted = handler(services, session)
        time.sleep(0.2)
        return acted

    monkeypatch.setitem(webhooks.HANDLERS, "checkout.session.completed", slowly)


def deliver_twice_at_once(stripe_fake, services, run_concurrently):
    member = MemberFactory()
    product = ProductFactory(credits=10)
    session = services.start_checkout.execute(
        str(member.pk), str(product.pk), success_url="https://t/ok", cancel_url="https://t/no"
    )
    stripe_fake.mark_paid(session.session_id)
    payload = json.dumps(stripe_fake.event(session.session_id))
    signature = sign(payload)

    def deliver():
        return Client().post(
            reverse("payments:stripe_webhook"),
            payload,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=signature,
        )

    outcomes = run_concurrently([deliver, deliver])
    return member, outcomes


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_deliveries_of_one_event_at_once_sell_the_pack_once(
    stripe_fake, services, run_concurrently, slow_sale, round_
):
    member, outcomes = deliver_twice_at_once(stripe_fake, services, run_concurrently)

    assert all(outcome.ok for outcome in outcomes), [outcome.error for outcome in outcomes]
    answers = sorted(outcome.result.content.decode() for outcome in outcomes)
    assert [outcome.result.status_code for outcome in outcomes] == [200, 200]
    assert answers[0] == "Already processed."
    assert answers[1].startswith("Sold ")
    assert Purchase.objects.filter(member=member).count() == 1
    assert CreditGrant.objects.filter(member=member).count() == 1
    assert StripeEvent.objects.count() == 1


def test_without_the_events_unique_row_both_deliveries_would_sell(
    stripe_fake, services, run_concurrently, slow_sale, monkeypatch
):
    """The control: each delivery records the event under an id of its own."""
    create = StripeEvent.objects.create

    def create_as_another_event(**fields):
        fields["event_id"] = f"{fields['event_id']}-{threading.current_thread().name}"
        return create(**fields)

    monkeypatch.setattr(StripeEvent.objects, "create", create_as_another_event)

    member, outcomes = deliver_twice_at_once(stripe_fake, services, run_concurrently)

    assert all(outcome.ok for outcome in outcomes)
    assert Purchase.objects.filter(member=member).count() == 2
