"""The fee handler delivered twice at once for one late cancellation, on PostgreSQL: one fee
is imposed, and the other delivery finds it there. With the booking's row lock taken away,
the unique constraint on booking and kind is the backstop: still one fee, the other delivery
fails (and its retry finds the fee)."""

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.utils import timezone

from bookings.repositories import DjangoBookingRepository
from domain.events import BookingCancelled
from sales.fees import DjangoFeeRepository
from sales.models import Fee
from tests.factories import BookingFactory, FitnessClassFactory, ProductFactory, PurchaseFactory

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

ROUNDS = 3


def late_cancelled_with_a_fee_pack() -> BookingCancelled:
    purchase = PurchaseFactory(product=ProductFactory(late_cancel_fee=Decimal("5.00")))
    booking = BookingFactory(
        member=purchase.member,
        credit_grant=purchase.credit_grant,
        status="late_cancelled",
        fitness_class=FitnessClassFactory(starts_at=timezone.now() + timedelta(hours=1)),
    )
    return BookingCancelled(
        booking_id=str(booking.pk),
        member_id=str(booking.member_id),
        class_id=str(booking.fitness_class_id),
        late=True,
        refunded=False,
    )


def deliver_twice_at_once(services, run_concurrently):
    event = late_cancelled_with_a_fee_pack()
    handler = services.dispatcher.subscription(
        BookingCancelled, "FeeImposingHandler.on_cancelled"
    ).handler
    return event, run_concurrently([lambda: handler(event), lambda: handler(event)])


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_the_fee_handler_delivered_twice_at_once_imposes_one_fee(
    services, run_concurrently, round_
):
    event, outcomes = deliver_twice_at_once(services, run_concurrently)

    assert all(outcome.ok for outcome in outcomes), [o.error for o in outcomes]
    assert Fee.objects.filter(booking_id=event.booking_id).count() == 1


def test_without_the_booking_lock_the_unique_constraint_still_imposes_one_fee(
    services, run_concurrently, monkeypatch
):
    get_booking = DjangoBookingRepository.get_by_id
    get_fee = DjangoFeeRepository.get_for_booking

    def get_booking_without_lock(self, booking_id, *, for_update=False):
        return get_booking(self, booking_id, for_update=False)

    def get_fee_slowly(self, booking_id, kind, *, for_update=False):
        found = get_fee(self, booking_id, kind, for_update=for_update)
        time.sleep(0.2)  # both have looked before either writes
        return found

    monkeypatch.setattr(DjangoBookingRepository, "get_by_id", get_booking_without_lock)
    monkeypatch.setattr(DjangoFeeRepository, "get_for_booking", get_fee_slowly)

    event, outcomes = deliver_twice_at_once(services, run_concurrently)

    assert Fee.objects.filter(booking_id=event.booking_id).count() == 1
    assert sorted(outcome.ok for outcome in outcomes) == [False, True]
    assert any(isinstance(outcome.error, IntegrityError) for outcome in outcomes)
