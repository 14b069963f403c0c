"""What the bookings' periodic jobs find due, by the gym's settings: one read query each, over
the stateless ORM adapters (building one costs nothing)."""

from datetime import datetime, timedelta

from django.conf import settings

from bookings.repositories import DjangoBookingRepository, DjangoWaitlistRepository


def settle_before(now: datetime) -> datetime:
    """Classes that ended before this moment are settled: their grace period is over."""
    return now - timedelta(minutes=settings.GYM_SETTLE_AFTER_MINUTES)


def remind_until(now: datetime) -> datetime:
    """Booked classes starting before this moment are due a reminder, at a location that
    keeps the chain's reminder time."""
    return now + timedelta(hours=settings.GYM_REMINDER_HOURS)


def unmarked_outcome_is_attended() -> bool:
    return settings.GYM_UNMARKED_OUTCOME == "attended"


def class_ids_to_settle(now: datetime) -> list[str]:
    """Classes past their grace period that still have bookings nobody marked."""
    return DjangoBookingRepository().class_ids_to_settle(settle_before(now))


def booking_ids_due_for_reminder(now: datetime) -> list[str]:
    """Confirmed, not yet reminded bookings of live classes starting within their location's
    reminder time (GYM_REMINDER_HOURS where the location keeps the chain's)."""
    lead = timedelta(hours=settings.GYM_REMINDER_HOURS)
    return DjangoBookingRepository().ids_due_for_reminder(now, lead)


def class_ids_with_room_and_waiting(now: datetime) -> list[str]:
    """Upcoming live classes with a free spot and somebody on the waitlist."""
    return DjangoWaitlistRepository().class_ids_with_room_and_waiting(now)


def class_ids_with_started_waitlists(now: datetime) -> list[str]:
    """Classes that have started while somebody still waits for them."""
    return DjangoWaitlistRepository().class_ids_started_with_waiting(now)
