"""A membership's renewal delivered twice at the same moment, on PostgreSQL: once as one event
delivered twice (the event's unique row holds the second back), once as two events about the
same invoice (her row lock queues them; the second finds the invoice applied). Either way the
membership renews by one period; the control shows that, with the invoice not remembered,
the second renewal is left to the membership payments' unique constraint to refuse."""

import pytest
from django.test import Client

from domain.memberships import Membership as MembershipEntity
from events.models import StoredEvent
from members.models import Membership
from tests.factories import MemberFactory, MembershipPlanFactory
from tests.fakes.stripe_billing import deliver, subscribed

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

ROUNDS = 3


def renewal_events(stripe_fake, services, *, same_event: bool) -> tuple[Membership, list]:
    """A membership bought online, and the events of its next paid invoice."""
    member = MemberFactory()
    plan = MembershipPlanFactory()
    deliver(Client(), subscribed(services, stripe_fake, str(member.pk), str(plan.pk)))
    membership = Membership.objects.get(member=member)
    invoice = stripe_fake.renewal_invoice(membership.external_subscription_id)
    first = stripe_fake.event_about("invoice.paid", invoice)
    second = first if same_event else stripe_fake.event_about("invoice.paid", invoice)
    return membership, [first, second]


def at_once(run_concurrently, events: list) -> list[str]:
    outcomes = run_concurrently([lambda event=event: deliver(Client(), event) for event in events])
    assert all(outcome.ok for outcome in outcomes), [outcome.error for outcome in outcomes]
    assert [outcome.result.status_code for outcome in outcomes] == [200, 200]
    return sorted(outcome.result.content.decode() for outcome in outcomes)


@pytest.mark.parametrize("round_", range(ROUNDS))
@pytest.mark.parametrize("same_event", [True, False], ids=["one event twice", "two events"])
def test_a_renewal_delivered_twice_at_once_renews_once(
    stripe_fake, services, run_concurrently, slow_invoice_paid, same_event, round_
):
    membership, events = renewal_events(stripe_fake, services, same_event=same_event)
    period_end = membership.period_end

    answers = at_once(run_concurrently, events)

    membership.refresh_from_db()
    held_back = "Already processed." if same_event else "Already renewed by in_"
    assert answers[0].startswith(held_back)
    assert answers[1].startswith("Renewed by in_")
    assert membership.period_start == period_end
    assert StoredEvent.objects.filter(type="MembershipRenewed").count() == 1


def test_without_remembering_the_invoice_the_database_keeps_one_payment_of_it(
    stripe_fake, services, run_concurrently, slow_invoice_paid, monkeypatch
):
    """The control: each renewal as if its invoice had never been applied. The membership
    payments' unique constraint (one reference per membership) refuses the second, so the
    period still moves on once, though one delivery fails for Stripe to retry."""
    renew = MembershipEntity.renew

    def forgetting(self, reference, *, now):
        self.payment_references = [r for r in self.payment_references if r != reference]
        return renew(self, reference, now=now)

    monkeypatch.setattr(MembershipEntity, "renew", forgetting)
    _, events = renewal_events(stripe_fake, services, same_event=False)

    outcomes = run_concurrently([lambda event=event: deliver(Client(), event) for event in events])

    assert sorted("ok" if o.ok else type(o.error).__name__ for o in outcomes) == [
        "IntegrityError",
        "ok",
    ]
    assert StoredEvent.objects.filter(type="MembershipRenewed").count() == 1
