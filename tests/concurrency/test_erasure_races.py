"""Erasing a member while others act on her bookings and waitlists, on PostgreSQL: the
erasure takes the locks every use case takes (class, booking, member), so whatever runs at
the same moment, her spot is released once, refunded once, and she ends on no class and no
waitlist."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.models import Booking, WaitlistEntry
from members.models import CreditGrant, Member
from tests.factories import BookingFactory, FitnessClassFactory, member_with_credits

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

ROUNDS = 5


def refunds(member) -> int:
    return CreditGrant.objects.filter(member=member, reason__startswith="Refund").count()


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_erasing_while_staff_cancel_her_booking_releases_and_refunds_it_once(
    services, run_concurrently, round_
):
    ana = member_with_credits(1, name="Ana Silva", email=f"ana{round_}@example.com")
    spin = FitnessClassFactory(starts_at=timezone.now() + timedelta(days=1))
    booking = services.book_class.execute(str(ana.pk), str(spin.pk))

    outcomes = run_concurrently(
        [
            lambda: services.erase_member.execute(str(ana.pk)),
            lambda: services.staff_cancel_booking.execute(booking.id, "Front desk"),
        ]
    )

    erasure = outcomes[0]
    assert erasure.ok, erasure.error
    assert Member.objects.get(pk=ana.pk).erased_at is not None
    assert Booking.objects.get(pk=booking.id).status == "cancelled"
    assert refunds(ana) == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_erasing_her_while_a_spot_frees_on_her_waitlist_leaves_her_on_nothing(
    services, run_concurrently, round_
):
    # given: a full one-spot Spin where Ana waits first and Ben second
    now = timezone.now()
    ana = member_with_credits(1, name="Ana Silva", email=f"ana{round_}@example.com")
    ben = member_with_credits(1, name="Ben Bright", email=f"ben{round_}@example.com")
    spin = FitnessClassFactory(capacity=1, starts_at=now + timedelta(days=1))
    taken = BookingFactory(fitness_class=spin)
    services.join_waitlist.execute(str(ana.pk), str(spin.pk))
    services.join_waitlist.execute(str(ben.pk), str(spin.pk))

    # when: the spot is freed (promotion runs on commit) while Ana is erased
    outcomes = run_concurrently(
        [
            lambda: services.erase_member.execute(str(ana.pk)),
            lambda: services.staff_cancel_booking.execute(str(taken.pk), "Moved"),
        ]
    )

    # then
    assert all(outcome.ok for outcome in outcomes), [o.error for o in outcomes]
    assert not Booking.objects.filter(member=ana, status="confirmed").exists()
    assert not WaitlistEntry.objects.filter(member=ana).exists()
    assert list(
        Booking.objects.filter(fitness_class=spin, status="confirmed").values_list(
            "member_id", flat=True
        )
    ) == [ben.pk]
    spent = Booking.objects.filter(member=ana, credit_grant__isnull=False).count()
    assert refunds(ana) == spent
