"""Recording attendance at the front desk: from an hour before the class, attended or no-show,
one booking or many at once, corrections allowed, cancelled bookings refused."""

from datetime import timedelta

import pytest

from domain.entities import CHECK_IN_OPENS, BookingStatus
from domain.events import AttendanceRecorded
from domain.exceptions import (
    AttendanceNotOpenException,
    AttendanceNotRecordableException,
    BookingNotFoundException,
    ClassFullException,
)
from domain.values import BookingPolicy, LateCancellation
from tests.fakes import FakeGym


@pytest.fixture
def record(gym):
    return gym.record_attendance


def booked_class(gym: FakeGym, *names: str, starts_in=timedelta(hours=3), capacity=10):
    """A class starting in `starts_in` with one booking per name; returns (class, bookings)."""
    spin = gym.add_class("Spin", capacity=capacity, starts_in=starts_in)
    bookings = [
        gym.book_class.execute(gym.add_member(name, credits=1).id, spin.id, late_confirmed=True)
        for name in names
    ]
    gym.clear_history()
    return spin, bookings


def until_class_starts(gym: FakeGym, fitness_class, before=timedelta(0)):
    """Move the clock to `before` the class's start."""
    gym.clock.advance(seconds=(fitness_class.starts_at - before - gym.clock.now()).total_seconds())


def status_of(gym: FakeGym, booking) -> BookingStatus:
    return gym.bookings.get_by_id(booking.id).status


def test_check_in_opens_one_hour_before_the_class_starts(gym, record):
    assert timedelta(hours=1) == CHECK_IN_OPENS
    spin, [ana] = booked_class(gym, "Ana")

    # a minute too early
    until_class_starts(gym, spin, before=timedelta(hours=1, minutes=1))
    with pytest.raises(AttendanceNotOpenException) as refused:
        record.execute([ana.id], attended=True)
    assert str(refused.value) == "Attendance can be recorded from an hour before the class starts."
    assert status_of(gym, ana) is BookingStatus.CONFIRMED
    assert gym.events == []

    # exactly an hour before
    gym.clock.advance(minutes=1)
    assert record.execute([ana.id], attended=True) == 1
    assert status_of(gym, ana) is BookingStatus.ATTENDED


def test_marking_a_member_attended_records_it_with_an_event(gym, record):
    # given
    spin, [ana] = booked_class(gym, "Ana")
    until_class_starts(gym, spin, before=timedelta(minutes=5))

    # when
    marked = record.execute([ana.id], attended=True)

    # then
    assert marked == 1
    assert status_of(gym, ana) is BookingStatus.ATTENDED
    [event] = gym.events
    assert isinstance(event, AttendanceRecorded)
    assert (event.booking_id, event.member_id, event.class_id, event.attended) == (
        ana.id,
        ana.member_id,
        spin.id,
        True,
    )
    assert event.occurred_at == gym.clock.now()
    assert gym.notifications.sent == []  # nobody is e-mailed about their own attendance


def test_marking_a_no_show_records_it_and_keeps_the_spot_and_the_credit_spent(gym, record):
    # given
    spin, [ana] = booked_class(gym, "Ana")
    until_class_starts(gym, spin)
    gym.clock.advance(minutes=20)

    # when
    record.execute([ana.id], attended=False)

    # then
    assert status_of(gym, ana) is BookingStatus.NO_SHOW
    [event] = gym.events_of(AttendanceRecorded)
    assert event.attended is False
    member = gym.members.get_by_id(ana.member_id)
    assert gym.credits(member) == 0
    assert gym.booked(spin) == {member.id}  # no longer confirmed, but the spot stays taken
    assert gym.events_of(AttendanceRecorded) == gym.events


def test_the_front_desk_marks_several_bookings_at_once(gym, record):
    spin, bookings = booked_class(gym, "Ana", "Ben", "Cara")
    until_class_starts(gym, spin)

    marked = record.execute([b.id for b in bookings], attended=True)

    assert marked == 3
    assert {status_of(gym, b) for b in bookings} == {BookingStatus.ATTENDED}
    assert sorted(e.booking_id for e in gym.events_of(AttendanceRecorded)) == sorted(
        b.id for b in bookings
    )


@pytest.mark.parametrize(
    ("first", "then", "status"),
    [(True, False, BookingStatus.NO_SHOW), (False, True, BookingStatus.ATTENDED)],
    ids=["attended to no-show", "no-show to attended"],
)
def test_the_front_desk_can_correct_its_mark(gym, record, first, then, status):
    # given
    spin, [ana] = booked_class(gym, "Ana")
    until_class_starts(gym, spin)
    record.execute([ana.id], attended=first)

    # when the mark is corrected after the class
    gym.clock.advance(hours=2)
    record.execute([ana.id], attended=then)

    # then
    assert status_of(gym, ana) is status
    assert [e.attended for e in gym.events_of(AttendanceRecorded)] == [first, then]


def test_marking_the_same_outcome_twice_records_it_once(gym, record):
    spin, [ana] = booked_class(gym, "Ana")
    until_class_starts(gym, spin)
    record.execute([ana.id], attended=True)

    record.execute([ana.id], attended=True)

    assert len(gym.events_of(AttendanceRecorded)) == 1


def test_a_cancelled_booking_has_no_attendance_to_record(gym, record):
    # given Ana cancelled in time
    spin, [ana] = booked_class(gym, "Ana", starts_in=timedelta(days=1))
    gym.cancel_booking.execute(ana.id)
    until_class_starts(gym, spin)
    gym.clear_history()

    # when/then
    with pytest.raises(AttendanceNotRecordableException) as refused:
        record.execute([ana.id], attended=True)
    assert str(refused.value) == "A cancelled booking has no attendance to record."
    assert status_of(gym, ana) is BookingStatus.CANCELLED
    assert gym.events == []


def test_a_late_cancelled_booking_has_no_attendance_to_record(now):
    gym = FakeGym(now=now, policy=BookingPolicy(late_cancellation=LateCancellation.FORFEIT))
    record = gym.record_attendance
    _, [ana] = booked_class(gym, "Ana", starts_in=timedelta(hours=1))
    gym.cancel_booking.execute(ana.id)
    assert status_of(gym, ana) is BookingStatus.LATE_CANCELLED

    with pytest.raises(AttendanceNotRecordableException):
        record.execute([ana.id], attended=False)

    assert status_of(gym, ana) is BookingStatus.LATE_CANCELLED


def test_one_refused_booking_leaves_the_others_of_the_batch_unmarked(gym, record):
    # given Ben cancelled, Ana did not
    spin, [ana, ben] = booked_class(gym, "Ana", "Ben", starts_in=timedelta(days=1))
    gym.cancel_booking.execute(ben.id)
    until_class_starts(gym, spin)
    gym.clear_history()

    # when the front desk marks both
    with pytest.raises(AttendanceNotRecordableException):
        record.execute([ana.id, ben.id], attended=True)

    # then nothing is recorded: the batch is one transaction
    assert status_of(gym, ana) is BookingStatus.CONFIRMED
    assert gym.events == []


def test_an_unknown_booking_is_not_found_and_nothing_is_marked(gym, record):
    spin, [ana] = booked_class(gym, "Ana")
    until_class_starts(gym, spin)

    with pytest.raises(BookingNotFoundException):
        record.execute([ana.id, "no-such-booking"], attended=True)

    assert status_of(gym, ana) is BookingStatus.CONFIRMED
    assert gym.events == []


def test_checking_a_member_in_before_the_start_keeps_their_spot_taken(gym, record):
    # given a one-spot class starting in 30 minutes, Ana booked and checked in
    spin, [ana] = booked_class(gym, "Ana", starts_in=timedelta(minutes=30), capacity=1)
    ben = gym.add_member("Ben", credits=1)
    record.execute([ana.id], attended=True)

    # when Ben tries to book, then the class is still full
    with pytest.raises(ClassFullException):
        gym.book_class.execute(ben.id, spin.id)
