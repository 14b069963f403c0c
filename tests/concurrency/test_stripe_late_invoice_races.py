"""Two events about one invoice paid after its membership ended, delivered at the same moment,
on PostgreSQL: her row lock queues them, the second finds the refund recorded, and the
payment is refunded once and recorded once."""

import pytest
from django.test import Client
from django.utils import timezone

from events.models import StoredEvent
from members.models import Membership
from tests.factories import MemberFactory, MembershipPlanFactory
from tests.fakes.stripe_billing import deliver, subscribed

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("round_", range(3))
def test_one_late_invoice_in_two_events_at_once_refunds_once(
    stripe_fake, services, run_concurrently, slow_invoice_paid, round_
):
    member = MemberFactory()
    plan = MembershipPlanFactory()
    deliver(Client(), subscribed(services, stripe_fake, str(member.pk), str(plan.pk)))
    membership = Membership.objects.get(member=member)
    invoice = stripe_fake.renewal_invoice(membership.external_subscription_id)
    Membership.objects.filter(pk=membership.pk).update(ended_at=timezone.now())
    events = [stripe_fake.event_about("invoice.paid", invoice) for _ in range(2)]

    outcomes = run_concurrently([lambda event=event: deliver(Client(), event) for event in events])

    assert all(outcome.ok for outcome in outcomes), [outcome.error for outcome in outcomes]
    answers = sorted(outcome.result.content.decode() for outcome in outcomes)
    assert [outcome.result.status_code for outcome in outcomes] == [200, 200]
    assert answers[0].startswith("Already refunded as re_")
    assert answers[1].startswith("Refunded as re_")
    assert len(stripe_fake.requests_to("POST", "/v1/refunds")) == 1
    assert StoredEvent.objects.filter(type="LateMembershipPaymentRefunded").count() == 1
