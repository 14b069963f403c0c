"""A member cancelling late while staff cancel the whole class, at the same moment, on
PostgreSQL: whichever goes first, her credit comes back exactly once and one refund grant is
linked to her booking (the gym did not run the class; see `CancelClassUseCase`)."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from bookings.models import Booking
from members.models import CreditGrant
from tests.factories import FitnessClassFactory, member_with_credits

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def forfeit(settings):
    settings.GYM_LATE_CANCELLATION = "forfeit"


@pytest.mark.parametrize("run", range(10))
def test_a_late_cancellation_racing_the_class_cancellation_is_refunded_once(
    run, forfeit, services, run_concurrently
):
    # given five members booked on a class starting in an hour (inside the window)
    with transaction.atomic():
        spin = FitnessClassFactory(capacity=5, starts_at=timezone.now() + timedelta(hours=1))
        members = [member_with_credits(1) for _ in range(5)]
    bookings = [
        services.book_class.execute(str(m.pk), str(spin.pk), late_confirmed=True) for m in members
    ]

    # when each cancels late while staff cancel the class
    run_concurrently(
        [
            lambda: services.cancel_class.execute(str(spin.pk), "Instructor ill"),
            *(lambda b=b: services.cancel_booking.execute(b.id) for b in bookings),
        ]
    )

    # then every member has her credit back, once, linked to her booking
    for member, booking in zip(members, bookings, strict=True):
        row = Booking.objects.get(pk=booking.id)
        assert row.refund_grant is not None, row.status
        refunds = CreditGrant.objects.filter(member=member, reason="Refund: Spin")
        assert list(refunds) == [row.refund_grant]
        remaining = CreditGrant.objects.filter(member=member).values_list("remaining", flat=True)
        assert sum(remaining) == 1
