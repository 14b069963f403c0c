"""Two bookings at the same moment for a membership's last class of the week, on PostgreSQL:
exactly one is paid by the membership; the other, counted after the first under the member's
row lock, is refused for the allowance (no credit) or paid with her credit."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from bookings.models import Booking
from domain.exceptions import AllowanceUsedUpException
from domain.sales import PaymentMethod
from members.models import CreditGrant
from tests.factories import FitnessClassFactory, MembershipPlanFactory, member_with_credits

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

ROUNDS = 3


def race(services, run_concurrently, credits: int):
    ana = member_with_credits(credits)
    plan = MembershipPlanFactory(allowance_classes=1, allowance_period="week")
    services.start_membership.execute(
        str(ana.pk), str(plan.pk), method=PaymentMethod.CASH, recorded_by="Dee"
    )
    # two classes on one day two days ahead (so in one ISO week)
    day = timezone.localdate() + timedelta(days=2)
    ten = timezone.make_aware(datetime.combine(day, time(10)))
    classes = [FitnessClassFactory(starts_at=ten + timedelta(hours=2 * n)) for n in range(2)]
    outcomes = run_concurrently(
        [
            lambda c=c: services.book_class.execute(str(ana.pk), str(c.pk), late_confirmed=True)
            for c in classes
        ]
    )
    return ana, outcomes


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_the_last_class_of_the_allowance_is_paid_once(services, run_concurrently, round_):
    ana, outcomes = race(services, run_concurrently, credits=0)

    won = [outcome for outcome in outcomes if outcome.ok]
    lost = [outcome for outcome in outcomes if not outcome.ok]
    assert len(won) == 1, [outcome.error for outcome in outcomes]
    assert isinstance(lost[0].error, AllowanceUsedUpException)
    [booking] = Booking.objects.filter(member=ana)
    assert booking.membership_id is not None and booking.credit_grant_id is None


def test_with_a_credit_the_other_booking_spends_it(services, run_concurrently):
    ana, outcomes = race(services, run_concurrently, credits=1)

    assert all(outcome.ok for outcome in outcomes), [outcome.error for outcome in outcomes]
    paid = sorted(
        ("membership" if b.membership_id else "credit") for b in Booking.objects.filter(member=ana)
    )
    assert paid == ["credit", "membership"]
    assert CreditGrant.objects.get(member=ana).remaining == 0
