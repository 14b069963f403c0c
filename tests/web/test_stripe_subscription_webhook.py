"""Stripe's events about memberships bought online, over the test client with the fake Stripe
server: a paid subscription checkout starts the membership once; each new period's paid
invoice renews it once, however often or late it is delivered; a failed payment is recorded
and the membership ends at its period end; a deleted subscription ends it then too; a paid
checkout that can no longer start is refunded and its subscription cancelled."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from domain.sales import PaymentMethod
from events.models import StoredEvent
from members.models import Membership
from payments.models import StripeCustomer, StripeEvent
from tests.factories import MemberFactory, MembershipPlanFactory
from tests.fakes.stripe_billing import deliver, subscribed

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana(db):
    return MemberFactory(name="Ana")


@pytest.fixture
def plan(db):
    return MembershipPlanFactory(name="Eight a month", price=Decimal("60.00"))


@pytest.fixture
def joined(client, stripe_fake, services, ana, plan):
    """Her membership, started by her paid checkout's event."""
    response = deliver(client, subscribed(services, stripe_fake, str(ana.pk), str(plan.pk)))
    assert response.status_code == 200, response.text
    return Membership.objects.get(member=ana)


def events_of(type_: str) -> int:
    return StoredEvent.objects.filter(type=type_).count()


def test_a_paid_subscription_checkout_starts_the_membership(
    client, stripe_fake, services, ana, plan
):
    event = subscribed(services, stripe_fake, str(ana.pk), str(plan.pk))
    session = event["data"]["object"]

    response = deliver(client, event)
    again = deliver(client, event)

    assert response.text == "Started the Eight a month membership."
    assert again.text == "Already processed."
    membership = Membership.objects.get(member=ana)
    assert (membership.payment_method, membership.payment_reference) == (
        PaymentMethod.ONLINE.value,
        session["invoice"],
    )
    assert membership.external_subscription_id == session["subscription"]
    assert membership.plan_name == "Eight a month"
    [started] = StoredEvent.objects.filter(type="MembershipStarted")
    assert started.payload["recorded_by"] == "Online"
    assert StripeCustomer.objects.get(member=ana).payment_method_id == "pm_visa"
    assert StripeEvent.objects.get(event_id=event["id"]).member_id == ana.pk


def test_the_first_invoice_renews_nothing(client, stripe_fake, joined):
    first = stripe_fake.invoices[joined.payment_reference]
    assert first["billing_reason"] == "subscription_create"

    response = deliver(client, stripe_fake.event_about("invoice.paid", first))

    joined.refresh_from_db()
    assert response.status_code == 200
    assert "Nothing renewed" in response.text
    assert events_of("MembershipRenewed") == 0


def test_a_paid_renewal_renews_once_however_often_it_arrives(client, stripe_fake, joined):
    invoice = stripe_fake.renewal_invoice(joined.external_subscription_id)
    paid = stripe_fake.event_about("invoice.paid", invoice)
    period_end = joined.period_end

    renewed = deliver(client, paid)
    replayed = deliver(client, paid)
    # The same invoice in another event (a resend from the dashboard, a late delivery).
    late = deliver(client, stripe_fake.event_about("invoice.paid", invoice))

    joined.refresh_from_db()
    assert renewed.text == f"Renewed by {invoice['id']}."
    assert replayed.text == "Already processed."
    assert late.text == f"Already renewed by {invoice['id']}."
    assert joined.period_start == period_end
    assert joined.period_end.month == (period_end.month % 12) + 1
    assert joined.payment_reference == invoice["id"]
    assert events_of("MembershipRenewed") == 1


def test_a_failed_renewal_is_recorded_and_the_membership_ends_at_its_period_end(
    client, stripe_fake, joined
):
    invoice = stripe_fake.renewal_invoice(joined.external_subscription_id, paid=False)

    response = deliver(client, stripe_fake.event_about("invoice.payment_failed", invoice))
    call_command("end_memberships")
    joined.refresh_from_db()
    still_live = joined.ended_at is None
    # Its period is over: a month on, with no renewal paid.
    Membership.objects.filter(pk=joined.pk).update(
        period_start=timezone.now() - timedelta(days=31),
        period_end=timezone.now() - timedelta(minutes=1),
    )
    call_command("end_memberships")

    joined.refresh_from_db()
    assert response.status_code == 200 and "Renewal failed" in response.text
    [failed] = StoredEvent.objects.filter(type="MembershipRenewalFailed")
    assert invoice["id"] in failed.payload["reason"]
    assert still_live
    assert joined.ended_at is not None
    assert events_of("MembershipEnded") == 1


def test_a_failure_delivered_after_its_invoice_was_paid_records_nothing(
    client, stripe_fake, joined
):
    invoice = stripe_fake.renewal_invoice(joined.external_subscription_id)
    failed = stripe_fake.event_about("invoice.payment_failed", invoice)
    deliver(client, stripe_fake.event_about("invoice.paid", invoice))

    response = deliver(client, failed)

    assert response.status_code == 200 and "was paid since" in response.text
    assert events_of("MembershipRenewalFailed") == 0


def test_a_deleted_subscription_ends_the_membership_at_its_period_end(client, stripe_fake, joined):
    subscription = stripe_fake.subscriptions[joined.external_subscription_id]
    subscription["status"] = "canceled"

    response = deliver(
        client, stripe_fake.event_about("customer.subscription.deleted", subscription)
    )

    joined.refresh_from_db()
    assert response.status_code == 200 and "Subscription ended" in response.text
    assert joined.cancel_at_period_end and joined.ended_at is None
    assert events_of("MembershipCancellationScheduled") == 1
    assert not stripe_fake.requests_to("POST", f"/v1/subscriptions/{subscription['id']}")


@pytest.mark.parametrize(
    "event_type", ["invoice.paid", "invoice.payment_failed", "customer.subscription.deleted"]
)
def test_events_about_a_subscription_not_ours_are_ignored_and_not_recorded(
    client, stripe_fake, event_type
):
    subject = {"id": "sub_elsewhere", "object": "subscription"}
    if event_type.startswith("invoice"):
        subject = {"id": "in_1", "object": "invoice", "subscription": "sub_elsewhere"}

    response = deliver(client, stripe_fake.event_about(event_type, subject))

    assert response.status_code == 200 and "Ignored" in response.text
    assert not StripeEvent.objects.exists()


def test_an_invoice_of_no_subscription_is_ignored(client, stripe_fake):
    subject = {"id": "in_1", "object": "invoice", "billing_reason": "manual"}

    response = deliver(client, stripe_fake.event_about("invoice.paid", subject))

    assert response.status_code == 200 and "not a subscription's" in response.text
    assert not StripeEvent.objects.exists()


def test_a_membership_started_at_the_desk_meanwhile_is_refunded_and_its_subscription_cancelled(
    client, stripe_fake, services, ana, plan
):
    event = subscribed(services, stripe_fake, str(ana.pk), str(plan.pk))
    services.start_membership.execute(
        str(ana.pk), str(plan.pk), method=PaymentMethod.CASH, recorded_by="Dee"
    )
    session = event["data"]["object"]

    response = deliver(client, event)

    assert response.status_code == 200 and "Refunded" in response.text
    [membership] = Membership.objects.filter(member=ana)
    assert membership.payment_method == "cash"
    [refund] = stripe_fake.refunds.values()
    invoice = stripe_fake.invoices[session["invoice"]]
    assert refund["payment_intent"] == invoice["payments"]["data"][0]["payment"]["payment_intent"]
    assert refund["amount"] == 6000
    assert stripe_fake.subscriptions[session["subscription"]]["status"] == "canceled"
    [refunded] = StoredEvent.objects.filter(type="OnlineMembershipRefunded")
    assert refunded.payload["refund_reference"] == refund["id"]
    assert "already has a membership" in refunded.payload["reason"]


@pytest.mark.parametrize("change", ["off sale", "closed", "price"])
def test_a_checkout_that_can_no_longer_start_is_refunded(
    client, stripe_fake, services, ana, plan, change
):
    event = subscribed(services, stripe_fake, str(ana.pk), str(plan.pk))
    if change == "off sale":
        plan.is_active = False
        plan.save(update_fields=["is_active"])
    elif change == "closed":
        ana.is_active = False
        ana.save(update_fields=["is_active"])
    else:
        plan.price = Decimal("65.00")
        plan.save(update_fields=["price"])

    response = deliver(client, event)

    assert response.status_code == 200 and "Refunded" in response.text
    assert not Membership.objects.filter(member=ana).exists()
    assert len(stripe_fake.refunds) == 1
    assert events_of("OnlineMembershipRefunded") == 1


def test_stripe_failing_during_the_refund_leaves_the_event_for_its_next_delivery(
    client, stripe_fake, services, ana, plan
):
    event = subscribed(services, stripe_fake, str(ana.pk), str(plan.pk))
    services.start_membership.execute(
        str(ana.pk), str(plan.pk), method=PaymentMethod.CASH, recorded_by="Dee"
    )
    stripe_fake.fail_with(500)

    failed = deliver(client, event)
    stripe_fake.fail_with(None)
    retried = deliver(client, event)

    assert failed.status_code == 503
    assert retried.status_code == 200
    assert len(stripe_fake.refunds) == 1
    assert events_of("OnlineMembershipRefunded") == 1


def test_a_subscription_checkout_not_paid_yet_starts_nothing(
    client, stripe_fake, services, ana, plan
):
    event = subscribed(services, stripe_fake, str(ana.pk), str(plan.pk))
    event["data"]["object"]["payment_status"] = "unpaid"

    response = deliver(client, event)

    assert response.status_code == 200 and "Not paid yet" in response.text
    assert not Membership.objects.exists()
