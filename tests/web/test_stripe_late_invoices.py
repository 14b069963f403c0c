"""A new period's invoice that Stripe's retries paid only after the membership had ended, over
the test client with the fake Stripe server: the payment is refunded in full and the
subscription cancelled, once per invoice however often it is delivered; the membership stays
ended; with Stripe out of reach nothing is kept and Stripe is asked to deliver again."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from events.models import StoredEvent
from members.models import Membership
from payments.models import StripeEvent
from tests.factories import MemberFactory, MembershipPlanFactory
from tests.fakes.stripe_billing import deliver, subscribed

pytestmark = pytest.mark.django_db


@pytest.fixture
def ended(client, stripe_fake, services):
    """Her membership bought online, whose renewal failed and which `end_memberships` ended
    at its period end; the failed invoice."""
    ana = MemberFactory(name="Ana")
    plan = MembershipPlanFactory(name="Eight a month", price=Decimal("60.00"))
    joined = deliver(client, subscribed(services, stripe_fake, str(ana.pk), str(plan.pk)))
    assert joined.status_code == 200
    membership = Membership.objects.get(member=ana)
    invoice = stripe_fake.renewal_invoice(membership.external_subscription_id, paid=False)
    failed = deliver(client, stripe_fake.event_about("invoice.payment_failed", invoice))
    assert failed.status_code == 200
    Membership.objects.filter(pk=membership.pk).update(
        period_start=timezone.now() - timedelta(days=31),
        period_end=timezone.now() - timedelta(minutes=1),
    )
    call_command("end_memberships")
    membership.refresh_from_db()
    assert membership.ended_at is not None
    return membership, invoice


def paid_by_a_retry(stripe_fake, invoice: dict) -> dict:
    """Stripe's next retry of the invoice took the payment."""
    [payment] = invoice["payments"]["data"]
    stripe_fake.payment_intents[payment["payment"]["payment_intent"]]["status"] = "succeeded"
    payment.update(status="paid", amount_paid=invoice["amount_due"])
    invoice.update(
        status="paid", attempt_count=2, amount_paid=invoice["amount_due"], amount_remaining=0
    )
    return stripe_fake.event_about("invoice.paid", invoice)


def events_of(type_: str) -> int:
    return StoredEvent.objects.filter(type=type_).count()


def test_an_invoice_paid_after_the_membership_ended_is_refunded_and_its_subscription_cancelled(
    client, stripe_fake, ended
):
    membership, invoice = ended
    period_end = membership.period_end

    response = deliver(client, paid_by_a_retry(stripe_fake, invoice))

    [refund] = stripe_fake.refunds.values()
    [payment] = invoice["payments"]["data"]
    assert response.status_code == 200
    assert response.text == (
        f"Refunded as {refund['id']}, subscription cancelled: the membership had ended on "
        f"{timezone.localdate(membership.ended_at):%d %B %Y}."
    )
    assert refund["payment_intent"] == payment["payment"]["payment_intent"]
    assert refund["amount"] == 6000
    subscription = stripe_fake.subscriptions[membership.external_subscription_id]
    assert subscription["status"] == "canceled"
    [refunded] = StoredEvent.objects.filter(type="LateMembershipPaymentRefunded")
    assert refunded.member_id == membership.member_id
    assert refunded.payload["membership_id"] == str(membership.pk)
    assert refunded.payload["invoice_id"] == invoice["id"]
    assert refunded.payload["refund_reference"] == refund["id"]
    assert (refunded.payload["amount"], refunded.payload["currency"]) == ("60.00", "EUR")
    assert "had ended on" in refunded.payload["reason"]
    membership.refresh_from_db()
    assert membership.ended_at is not None and membership.period_end == period_end
    assert invoice["id"] not in membership.payment_references
    assert events_of("MembershipRenewed") == 0
    acted = StripeEvent.objects.get(object_id=invoice["id"], type="invoice.paid")
    assert acted.member_id == membership.member_id


def test_the_same_late_invoice_refunds_once_however_often_it_arrives(client, stripe_fake, ended):
    _, invoice = ended
    paid = paid_by_a_retry(stripe_fake, invoice)

    refunded = deliver(client, paid)
    replayed = deliver(client, paid)
    # The same invoice in another event (a resend from the dashboard).
    again = deliver(client, stripe_fake.event_about("invoice.paid", invoice))

    [refund] = stripe_fake.refunds.values()
    assert refunded.text.startswith(f"Refunded as {refund['id']}")
    assert replayed.text == "Already processed."
    assert again.status_code == 200 and again.text == f"Already refunded as {refund['id']}."
    assert len(stripe_fake.requests_to("POST", "/v1/refunds")) == 1
    assert events_of("LateMembershipPaymentRefunded") == 1


def test_stripe_out_of_reach_keeps_nothing_and_asks_for_the_event_again(client, stripe_fake, ended):
    _, invoice = ended
    paid = paid_by_a_retry(stripe_fake, invoice)
    stripe_fake.fail_with(500)

    failed = deliver(client, paid)
    kept = (events_of("LateMembershipPaymentRefunded"), StripeEvent.objects.count())
    stripe_fake.fail_with(None)
    retried = deliver(client, paid)

    assert failed.status_code == 503
    assert kept == (0, 2)  # the checkout's and the failure's, not this one
    assert retried.status_code == 200 and retried.text.startswith("Refunded as")
    assert len(stripe_fake.refunds) == 1
    assert events_of("LateMembershipPaymentRefunded") == 1


def test_an_invoice_that_renewed_the_membership_before_it_ended_is_not_refunded(
    client, stripe_fake, services
):
    ana = MemberFactory(name="Ana")
    plan = MembershipPlanFactory(price=Decimal("60.00"))
    deliver(client, subscribed(services, stripe_fake, str(ana.pk), str(plan.pk)))
    membership = Membership.objects.get(member=ana)
    invoice = stripe_fake.renewal_invoice(membership.external_subscription_id)
    deliver(client, stripe_fake.event_about("invoice.paid", invoice))
    Membership.objects.filter(pk=membership.pk).update(ended_at=timezone.now())

    response = deliver(client, stripe_fake.event_about("invoice.paid", invoice))

    assert response.status_code == 200
    assert response.text == f"Already renewed by {invoice['id']}."
    assert not stripe_fake.refunds
    assert events_of("LateMembershipPaymentRefunded") == 0


def test_a_first_invoice_of_an_ended_membership_is_ignored(client, stripe_fake, ended):
    membership, _ = ended
    first = stripe_fake.invoices[membership.payment_references[0]]

    response = deliver(client, stripe_fake.event_about("invoice.paid", first))

    assert response.status_code == 200 and "Ignored" in response.text
    assert not stripe_fake.refunds


def test_a_late_invoice_of_a_subscription_no_membership_had_is_ignored(client, stripe_fake):
    subject = {
        "id": "in_1",
        "object": "invoice",
        "subscription": "sub_elsewhere",
        "billing_reason": "subscription_cycle",
        "amount_paid": 6000,
        "currency": "eur",
    }

    response = deliver(client, stripe_fake.event_about("invoice.paid", subject))

    assert response.status_code == 200
    assert response.text == "Ignored: no live membership renews by sub_elsewhere."
    assert not StripeEvent.objects.exists()
    assert not stripe_fake.refunds
