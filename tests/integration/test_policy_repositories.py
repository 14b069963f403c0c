"""The ORM repositories' queries behind the booking policies and the periodic commands: what
they count and list, at the edges of time (a moment is in or out by the half-open rules the
ports state), with cancelled bookings and cancelled classes; and the new columns round-trip.

Each query takes `now` as an argument, so the tests use fixed moments, not the clock.
"""

from datetime import UTC, datetime, timedelta

import pytest

from bookings.models import Booking
from bookings.repositories import DjangoBookingRepository, DjangoWaitlistRepository
from classes.repositories import DjangoClassRepository
from domain.entities import BookingStatus
from members.repositories import DjangoMemberRepository
from tests.factories import (
    BookingFactory,
    CreditGrantFactory,
    FitnessClassFactory,
    MemberFactory,
    WaitlistEntryFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
SECOND = timedelta(seconds=1)

CONFIRMED = BookingStatus.CONFIRMED
CANCELLED = BookingStatus.CANCELLED.value
LATE_CANCELLED = BookingStatus.LATE_CANCELLED.value
ATTENDED = BookingStatus.ATTENDED.value
NO_SHOW = BookingStatus.NO_SHOW.value


@pytest.fixture
def bookings():
    return DjangoBookingRepository()


@pytest.fixture
def members():
    return DjangoMemberRepository()


@pytest.fixture
def waitlist():
    return DjangoWaitlistRepository()


def a_class(starts_at, *, capacity=10, cancelled=False, duration=HOUR, **fields):
    return FitnessClassFactory(
        starts_at=starts_at,
        ends_at=starts_at + duration,
        capacity=capacity,
        cancelled_at=NOW - timedelta(days=1) if cancelled else None,
        **fields,
    )


def booked(member, fitness_class, status=CONFIRMED, **fields):
    return BookingFactory(member=member, fitness_class=fitness_class, status=status, **fields)


def ids(rows) -> list[str]:
    return [str(row.pk) for row in rows]


# --- spots_held: upcoming -------------------------------------------------------------------------


def upcoming(bookings, member_id, now):
    """The upcoming-bookings count `spots_held` gives, asked about a class far away."""
    far_away = DjangoClassRepository().get_by_id(str(a_class(now + timedelta(days=300)).pk))
    return bookings.spots_held(member_id, far_away, now).upcoming_confirmed


def test_upcoming_bookings_are_confirmed_bookings_of_classes_not_yet_started(bookings):
    # given
    ana, ben = MemberFactory(), MemberFactory()
    booked(ana, a_class(NOW + SECOND))  # counts
    booked(ana, a_class(NOW + timedelta(days=20)))  # counts
    booked(ana, a_class(NOW))  # starts this moment: started
    booked(ana, a_class(NOW - HOUR))  # taking place
    booked(ana, a_class(NOW + HOUR), status=CANCELLED)
    booked(ana, a_class(NOW + HOUR), status=LATE_CANCELLED)
    booked(ana, a_class(NOW + HOUR, duration=2 * HOUR), status=ATTENDED)  # checked in early
    booked(ben, a_class(NOW + HOUR))  # somebody else's

    # when/then
    assert upcoming(bookings, str(ana.pk), NOW) == 2
    assert upcoming(bookings, str(ben.pk), NOW) == 1
    assert upcoming(bookings, str(MemberFactory().pk), NOW) == 0


def test_counting_upcoming_bookings_of_a_malformed_member_id_counts_none(bookings):
    booked(MemberFactory(), a_class(NOW + HOUR))

    assert upcoming(bookings, "not-a-uuid", NOW) == 0


# --- count_no_shows_since -----------------------------------------------------------------------


def test_no_shows_are_counted_for_classes_started_at_or_after_the_moment(bookings):
    since = NOW - timedelta(days=30)
    ana, ben = MemberFactory(), MemberFactory()
    booked(ana, a_class(since), status=NO_SHOW)  # the first moment counts
    booked(ana, a_class(NOW - HOUR), status=NO_SHOW)
    booked(ana, a_class(since - SECOND), status=NO_SHOW)  # too long ago
    booked(ana, a_class(NOW - 2 * HOUR), status=ATTENDED)
    booked(ana, a_class(NOW - 3 * HOUR), status=CONFIRMED)
    booked(ben, a_class(NOW - 4 * HOUR), status=NO_SHOW)

    assert bookings.count_no_shows_since(str(ana.pk), since, location="Studio 1") == 2
    assert bookings.count_no_shows_since(str(ben.pk), since, location="Studio 1") == 1


# --- ids_due_for_reminder -----------------------------------------------------------------------


def test_bookings_are_due_a_reminder_for_classes_starting_from_now_until_the_horizon(bookings):
    # given a 24-hour horizon
    lead = timedelta(hours=24)
    until = NOW + lead
    member = MemberFactory()
    at_now = booked(member, a_class(NOW))
    just_before = booked(member, a_class(until - SECOND))
    middle = booked(MemberFactory(), a_class(NOW + 3 * HOUR))
    booked(member, a_class(until))  # the horizon itself is out
    booked(member, a_class(NOW - SECOND))  # started
    booked(member, a_class(NOW + 2 * HOUR), reminded_at=NOW - HOUR)  # reminded already
    booked(member, a_class(NOW + 2 * HOUR), status=CANCELLED)
    booked(member, a_class(NOW + 2 * HOUR), status=ATTENDED)
    # a confirmed booking left on a cancelled class (which the use cases never leave) is out
    booked(member, a_class(NOW + 2 * HOUR, cancelled=True))

    # when
    due = bookings.ids_due_for_reminder(NOW, lead)

    # then in order of the classes' start
    assert due == ids([at_now, middle, just_before])


def test_nothing_is_due_a_reminder_in_an_empty_window(bookings):
    booked(MemberFactory(), a_class(NOW))

    assert bookings.ids_due_for_reminder(NOW, timedelta(0)) == []


# --- class_ids_to_settle ------------------------------------------------------------------------


def test_classes_to_settle_ended_before_the_moment_with_a_booking_still_confirmed(bookings):
    # given settling everything that ended before NOW
    ended = a_class(NOW - 2 * HOUR)  # ended an hour ago
    BookingFactory.create_batch(3, fitness_class=ended)  # listed once, however many
    just_ended = a_class(NOW - HOUR - SECOND)  # ended a second before NOW
    BookingFactory(fitness_class=just_ended)
    ending_now = a_class(NOW - HOUR)  # ends at NOW exactly: not yet
    BookingFactory(fitness_class=ending_now)
    settled = a_class(NOW - 5 * HOUR)
    BookingFactory(fitness_class=settled, status=ATTENDED)
    BookingFactory(fitness_class=settled, status=NO_SHOW)
    all_cancelled = a_class(NOW - 6 * HOUR)
    BookingFactory(fitness_class=all_cancelled, status=CANCELLED)
    cancelled_class = a_class(NOW - 7 * HOUR, cancelled=True)
    BookingFactory(fitness_class=cancelled_class, status=CANCELLED)
    a_class(NOW - 8 * HOUR)  # nobody booked
    mixed = a_class(NOW - 9 * HOUR)
    BookingFactory(fitness_class=mixed, status=ATTENDED)
    BookingFactory(fitness_class=mixed)

    # when
    due = bookings.class_ids_to_settle(NOW)

    # then
    assert sorted(due) == sorted(ids([ended, just_ended, mixed]))
    assert len(due) == len(set(due))


# --- ids_with_unrecorded_expired_credits --------------------------------------------------------


def test_members_with_unrecorded_expired_credit_are_listed_once(members):
    # given
    ana = MemberFactory()
    CreditGrantFactory(member=ana, amount=2, expires_at=NOW)  # expires this moment
    CreditGrantFactory(member=ana, amount=1, expires_at=NOW - timedelta(days=3))
    ben = MemberFactory()
    CreditGrantFactory(member=ben, amount=3, remaining=1, expires_at=NOW - HOUR)
    cara = MemberFactory()  # every expired grant spent or recorded; one still valid
    CreditGrantFactory(member=cara, amount=2, remaining=0, expires_at=NOW - HOUR)
    CreditGrantFactory(member=cara, amount=1, expires_at=NOW - HOUR, expiry_recorded=True)
    CreditGrantFactory(member=cara, amount=1, expires_at=NOW + SECOND)
    MemberFactory()  # no credit at all

    # when
    due = members.ids_with_unrecorded_expired_credits(NOW)

    # then
    assert sorted(due) == sorted(ids([ana, ben]))


def test_recording_an_expiry_is_saved_and_takes_the_member_off_the_list(members):
    # given
    ana = MemberFactory()
    grant = CreditGrantFactory(member=ana, amount=2, expires_at=NOW - HOUR)
    member = members.get_by_id(str(ana.pk), for_update=True)

    # when
    [expired] = member.record_expired_credits(now=NOW)
    members.save(member)

    # then
    grant.refresh_from_db()
    assert (grant.expiry_recorded, grant.remaining) == (True, 2)
    assert expired.grant_id == str(grant.pk)
    assert members.get_by_id(str(ana.pk)).grants[0].expiry_recorded
    assert members.ids_with_unrecorded_expired_credits(NOW) == []


# --- class_ids_with_room_and_waiting ------------------------------------------------------------


def waiting_for(fitness_class, count: int = 1) -> None:
    WaitlistEntryFactory.create_batch(count, fitness_class=fitness_class)


def test_classes_with_a_free_spot_and_somebody_waiting_are_listed_in_order_of_start(waitlist):
    # given
    later = a_class(NOW + 5 * HOUR, capacity=3)
    BookingFactory.create_batch(2, fitness_class=later)
    waiting_for(later, 3)  # more waiting than free spots: listed once
    sooner = a_class(NOW + SECOND, capacity=2)
    BookingFactory(fitness_class=sooner)
    BookingFactory(fitness_class=sooner, status=CANCELLED)  # frees its spot
    waiting_for(sooner)
    nobody_booked = a_class(NOW + 2 * HOUR, capacity=1)
    waiting_for(nobody_booked)

    full = a_class(NOW + HOUR, capacity=2)  # 2 confirmed and 3 waiting: full
    BookingFactory.create_batch(2, fitness_class=full)
    waiting_for(full, 3)
    nobody_waiting = a_class(NOW + HOUR, capacity=5)
    BookingFactory(fitness_class=nobody_waiting)
    started = a_class(NOW, capacity=2)  # starts this moment
    waiting_for(started)
    cancelled = a_class(NOW + HOUR, capacity=2, cancelled=True)
    waiting_for(cancelled)

    # when
    due = waitlist.class_ids_with_room_and_waiting(NOW)

    # then
    assert due == ids([sooner, nobody_booked, later])


def test_the_waitlist_join_does_not_multiply_the_confirmed_bookings(waitlist):
    # the count of confirmed bookings must not be multiplied by the waitlist join
    fitness_class = a_class(NOW + HOUR, capacity=4)
    BookingFactory.create_batch(2, fitness_class=fitness_class)
    waiting_for(fitness_class, 2)

    assert waitlist.class_ids_with_room_and_waiting(NOW) == ids([fitness_class])

    BookingFactory.create_batch(2, fitness_class=fitness_class)
    assert waitlist.class_ids_with_room_and_waiting(NOW) == []


# --- Round trips of the new columns -------------------------------------------------------------


def test_a_pause_is_saved_and_loaded(members):
    ana = MemberFactory()
    member = members.get_by_id(str(ana.pk), for_update=True)
    member.pause_bookings(until=NOW + timedelta(days=14), no_shows=3, now=NOW)

    members.save(member)

    assert members.get_by_id(str(ana.pk)).bookings_paused_until == NOW + timedelta(days=14)
    resumed = members.get_by_id(str(ana.pk), for_update=True)
    resumed.resume_bookings(now=NOW)
    members.save(resumed)
    assert members.get_by_id(str(ana.pk)).bookings_paused_until is None


def test_a_reminder_and_an_outcome_are_saved_and_loaded(bookings):
    row = BookingFactory(fitness_class=a_class(NOW + HOUR / 2))
    booking = bookings.get_by_id(str(row.pk), for_update=True)
    assert booking.reminded_at is None

    assert booking.mark_reminded(now=NOW)
    booking.record_attendance(False, class_start_time=NOW + HOUR / 2, now=NOW + HOUR)
    bookings.save(booking)

    loaded = bookings.get_by_id(str(row.pk))
    assert (loaded.reminded_at, loaded.status) == (NOW, BookingStatus.NO_SHOW)
    assert Booking.objects.get(pk=row.pk).status == NO_SHOW
