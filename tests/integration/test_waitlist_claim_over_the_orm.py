"""The waitlist's claim on a freed spot over the ORM and the durable dispatcher: a direct
booking never takes the spot while the first eligible member waits, whether the promotion's
delivery is delayed (worker mode, nothing processed), failing (the handler raises) or lost
(the process died after commit: its on-commit callbacks never ran)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from application.event_handlers import WaitlistPromotionHandler
from bookings.models import Booking, WaitlistEntry
from domain.exceptions import ClassFullException
from events.models import Delivery
from tests.factories import (
    BookingFactory,
    FitnessClassFactory,
    WaitlistEntryFactory,
    member_with_credits,
)

pytestmark = pytest.mark.django_db

PROMOTION = "WaitlistPromotionHandler.handle"


@pytest.fixture
def failing_promotion(monkeypatch):
    """The promotion handler raises on every delivery (requested before `services`)."""

    def handle(self, event):
        raise RuntimeError("promotion handler down")

    monkeypatch.setattr(WaitlistPromotionHandler, "handle", handle)


@pytest.fixture
def worker_mode(settings):
    settings.GYM_EVENT_DELIVERY = "worker"


def one_spot_class_with_two_waiting():
    """A 1-spot Spin tomorrow, booked; member 1 then member 2 wait with a credit each."""
    now = timezone.now()
    spin = FitnessClassFactory(name="Spin", capacity=1, starts_at=now + timedelta(days=1))
    booking = BookingFactory(fitness_class=spin)
    first, second = member_with_credits(1), member_with_credits(1)
    for minutes_ago, member in ((10, first), (5, second)):
        WaitlistEntryFactory(
            member=member, fitness_class=spin, created_at=now - timedelta(minutes=minutes_ago)
        )
    return spin, booking, first, second


def assert_first_got_the_spot(spin, first, second):
    assert list(
        Booking.objects.filter(fitness_class=spin, status="confirmed").values_list(
            "member_id", flat=True
        )
    ) == [first.id]
    assert list(
        WaitlistEntry.objects.filter(fitness_class=spin).values_list("member_id", flat=True)
    ) == [second.id]


def test_with_the_promotion_delayed_the_second_member_cannot_book_past_the_first(
    worker_mode, services
):
    # given staff cancel the booking; in worker mode nothing has delivered the promotion
    spin, booking, first, second = one_spot_class_with_two_waiting()
    services.staff_cancel_booking.execute(str(booking.id), "Injured")
    assert Delivery.objects.filter(handler=PROMOTION, status="pending").count() == 1

    # when member 2 books directly
    with pytest.raises(ClassFullException):
        services.book_class.execute(str(second.id), str(spin.id))

    # then member 1 has the spot and member 2 still waits
    assert_first_got_the_spot(spin, first, second)


def test_with_the_promotion_failing_the_second_member_cannot_book_past_the_first(
    failing_promotion, services, django_capture_on_commit_callbacks
):
    # given staff cancel the booking and the promotion's delivery fails
    spin, booking, first, second = one_spot_class_with_two_waiting()
    with django_capture_on_commit_callbacks(execute=True):
        services.staff_cancel_booking.execute(str(booking.id), "Injured")
    assert Delivery.objects.get(handler=PROMOTION).status == "failed"
    assert not Booking.objects.filter(fitness_class=spin, status="confirmed").exists()

    # when member 2 books directly
    with pytest.raises(ClassFullException):
        services.book_class.execute(str(second.id), str(spin.id))

    # then member 1 has the spot and member 2 still waits
    assert_first_got_the_spot(spin, first, second)


def test_with_the_promotion_lost_to_a_crash_staff_adding_a_member_queue_her_behind(services):
    # given the booking is cancelled and the process dies before its on-commit handlers ran
    spin, booking, first, second = one_spot_class_with_two_waiting()
    services.staff_cancel_booking.execute(str(booking.id), "Injured")
    third = member_with_credits(1)

    # when staff add a third member to the class
    added = services.add_member_to_class.execute(str(third.id), str(spin.id))

    # then member 1 was promoted first and the third member waits behind member 2
    assert added.booking is None
    assert added.waitlist_position == 2
    assert list(
        Booking.objects.filter(fitness_class=spin, status="confirmed").values_list(
            "member_id", flat=True
        )
    ) == [first.id]
    assert list(
        WaitlistEntry.objects.filter(fitness_class=spin)
        .order_by("created_at", "id")
        .values_list("member_id", flat=True)
    ) == [second.id, third.id]
