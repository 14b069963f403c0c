"""The gym's booking policies: when booking opens, how many upcoming bookings a member may
hold, and the no-show pause — refused with a message the member can act on, lifted by staff,
bypassed by staff bookings (but never capacity or credit), respected by promotion."""

from datetime import timedelta

import pytest

from domain.entities import BookingStatus
from domain.events import MemberBookingsPaused, MemberBookingsResumed, MemberPromotedFromWaitlist
from domain.exceptions import (
    BookingNotOpenException,
    BookingsPausedException,
    ClassFullException,
    NoCreditsException,
    TooManyBookingsException,
)
from domain.values import BookingPolicy
from tests.fakes import FakeGym

WINDOW_MESSAGE = "Booking opens on Mon 4 Mar at 09:01."
PAUSE_MESSAGE = (
    "Booking is paused on your account after repeated no-shows. "
    "Ask the front desk if you think this is a mistake."
)


def gym_with(now, **policy) -> FakeGym:
    return FakeGym(now=now, policy=BookingPolicy(**policy))


def classes_a_day_apart(gym: FakeGym, count: int, first_in=timedelta(days=1)):
    """`count` one-hour classes that do not overlap, the first starting in `first_in`."""
    return [
        gym.add_class(f"Class {number}", starts_in=first_in + timedelta(days=number))
        for number in range(count)
    ]


def no_show(gym: FakeGym, member, fitness_class):
    """`member` books `fitness_class`, the class takes place, the front desk marks a no-show."""
    booking = gym.book_class.execute(member.id, fitness_class.id, late_confirmed=True)
    gym.clock.advance(seconds=(fitness_class.ends_at - gym.clock.now()).total_seconds())
    gym.record_attendance.execute([booking.id], attended=False)
    return booking


# --- Booking window ---------------------------------------------------------------------------


def test_booking_before_the_window_opens_is_refused_with_when_it_opens(now):
    # given booking opens 14 days before a class; this one starts in 14 days and 1 minute
    gym = gym_with(now, booking_opens_before=timedelta(days=14))
    ana = gym.add_member("Ana", credits=1)
    spin = gym.add_class("Spin", starts_in=timedelta(days=14, minutes=1))

    # when/then
    with pytest.raises(BookingNotOpenException) as refused:
        gym.book_class.execute(ana.id, spin.id)
    assert str(refused.value) == WINDOW_MESSAGE
    assert gym.credits(ana) == 1
    assert gym.booked(spin) == frozenset()
    assert gym.events == []


@pytest.mark.parametrize("starts_in", [timedelta(days=14), timedelta(days=13, hours=23)])
def test_booking_inside_the_window_is_allowed(now, starts_in):
    # given
    gym = gym_with(now, booking_opens_before=timedelta(days=14))
    ana = gym.add_member("Ana", credits=1)
    spin = gym.add_class("Spin", starts_in=starts_in)

    # when
    booking = gym.book_class.execute(ana.id, spin.id)

    # then
    assert gym.bookings.get_by_id(booking.id).is_confirmed
    assert gym.booked(spin) == {ana.id}


def test_without_a_booking_window_a_class_months_away_can_be_booked(now):
    gym = gym_with(now, booking_opens_before=None)
    ana = gym.add_member("Ana", credits=1)
    spin = gym.add_class("Spin", starts_in=timedelta(days=200))

    gym.book_class.execute(ana.id, spin.id)

    assert gym.booked(spin) == {ana.id}


# --- Upcoming-bookings limit -----------------------------------------------------------------


def test_a_member_at_the_upcoming_bookings_limit_is_refused_with_the_reason(now):
    # given at most 2 upcoming bookings; Ana holds 2
    gym = gym_with(now, max_upcoming_bookings=2)
    ana = gym.add_member("Ana", credits=3)
    first, second, third = classes_a_day_apart(gym, 3)
    gym.book_class.execute(ana.id, first.id)
    gym.book_class.execute(ana.id, second.id)
    gym.clear_history()

    # when/then
    with pytest.raises(TooManyBookingsException) as refused:
        gym.book_class.execute(ana.id, third.id)
    assert str(refused.value) == (
        "You already have 2 upcoming bookings, the most the gym allows at once. "
        "Cancel one or wait until one has taken place."
    )
    assert gym.credits(ana) == 1
    assert gym.booked(third) == frozenset()
    assert gym.events == []


def test_a_cancelled_booking_does_not_count_towards_the_limit(now):
    # given Ana booked 2 of at most 2, then cancelled one
    gym = gym_with(now, max_upcoming_bookings=2)
    ana = gym.add_member("Ana", credits=3)
    first, second, third = classes_a_day_apart(gym, 3)
    gym.book_class.execute(ana.id, first.id)
    cancelled = gym.book_class.execute(ana.id, second.id)
    gym.cancel_booking.execute(cancelled.id)

    # when
    gym.book_class.execute(ana.id, third.id)

    # then
    assert gym.booked(third) == {ana.id}


def test_a_class_that_has_taken_place_does_not_count_towards_the_limit(now):
    # given Ana booked 2 of at most 2; the first class has since started and ended
    gym = gym_with(now, max_upcoming_bookings=2)
    ana = gym.add_member("Ana", credits=3)
    soon = gym.add_class("Soon", starts_in=timedelta(hours=3))
    later, latest = classes_a_day_apart(gym, 2)
    gym.book_class.execute(ana.id, soon.id)
    gym.book_class.execute(ana.id, later.id)
    gym.clock.advance(hours=4)

    # when
    gym.book_class.execute(ana.id, latest.id)

    # then
    assert gym.booked(latest) == {ana.id}


def test_a_class_that_has_started_no_longer_counts_towards_the_limit(now):
    # given Ana's first booked class starts this very moment
    gym = gym_with(now, max_upcoming_bookings=1)
    ana = gym.add_member("Ana", credits=2)
    soon = gym.add_class("Soon", starts_in=timedelta(hours=3))
    later = gym.add_class("Later", starts_in=timedelta(days=2))
    gym.book_class.execute(ana.id, soon.id)
    gym.clock.advance(hours=3)

    gym.book_class.execute(ana.id, later.id)

    assert gym.booked(later) == {ana.id}


def test_the_limit_message_counts_a_single_booking_in_the_singular(now):
    gym = gym_with(now, max_upcoming_bookings=1)
    ana = gym.add_member("Ana", credits=2)
    first, second = classes_a_day_apart(gym, 2)
    gym.book_class.execute(ana.id, first.id)

    with pytest.raises(TooManyBookingsException) as refused:
        gym.book_class.execute(ana.id, second.id)

    assert str(refused.value).startswith("You already have 1 upcoming booking, the most ")


# --- No-show pause ----------------------------------------------------------------------------


def test_the_limit_of_no_shows_within_the_period_pauses_booking_for_the_pause(now):
    # given 2 no-shows within 30 days pause booking for 14 days
    gym = gym_with(
        now, no_show_limit=2, no_show_period=timedelta(days=30), no_show_pause=timedelta(days=14)
    )
    ana = gym.add_member("Ana", credits=5)
    first, second, later = classes_a_day_apart(gym, 3, first_in=timedelta(hours=2))
    no_show(gym, ana, first)
    assert gym.members.get_by_id(ana.id).may_book(gym.clock.now())
    assert gym.events_of(MemberBookingsPaused) == []

    # when the second no-show is recorded
    no_show(gym, ana, second)

    # then booking is paused for 14 days from that moment
    paused_at = gym.clock.now()
    stored = gym.members.get_by_id(ana.id)
    assert stored.bookings_paused_until == paused_at + timedelta(days=14)
    [paused] = gym.events_of(MemberBookingsPaused)
    assert (paused.member_id, paused.until, paused.no_shows) == (
        ana.id,
        paused_at + timedelta(days=14),
        2,
    )
    with pytest.raises(BookingsPausedException) as refused:
        gym.book_class.execute(ana.id, later.id)
    assert str(refused.value) == PAUSE_MESSAGE
    assert gym.booked(later) == frozenset()


def test_booking_is_possible_again_when_the_pause_runs_out(now):
    gym = gym_with(now, no_show_limit=1, no_show_pause=timedelta(days=14))
    ana = gym.add_member("Ana", credits=5)
    missed = gym.add_class("Missed", starts_in=timedelta(hours=2))
    next_month = gym.add_class("Next month", starts_in=timedelta(days=30))
    no_show(gym, ana, missed)

    gym.clock.advance(days=13, hours=23)
    with pytest.raises(BookingsPausedException):
        gym.book_class.execute(ana.id, next_month.id)
    gym.clock.advance(hours=1)
    gym.book_class.execute(ana.id, next_month.id)

    assert gym.booked(next_month) == {ana.id}


def test_no_shows_longer_ago_than_the_period_do_not_count(now):
    # given 2 no-shows pause booking, but Ana's first one is 31 days before the second
    gym = gym_with(now, no_show_limit=2, no_show_period=timedelta(days=30))
    ana = gym.add_member("Ana", credits=5, expiring_in_days=90)
    first = gym.add_class("First", starts_in=timedelta(hours=2))
    second = gym.add_class("Second", starts_in=timedelta(days=31, hours=2))
    no_show(gym, ana, first)

    # when
    no_show(gym, ana, second)

    # then
    assert gym.members.get_by_id(ana.id).may_book(gym.clock.now())
    assert gym.events_of(MemberBookingsPaused) == []


def test_attended_classes_do_not_count_as_no_shows(now):
    gym = gym_with(now, no_show_limit=1)
    ana = gym.add_member("Ana", credits=2)
    came, later = classes_a_day_apart(gym, 2, first_in=timedelta(hours=2))
    booking = gym.book_class.execute(ana.id, came.id)
    gym.clock.advance(hours=2)

    gym.record_attendance.execute([booking.id], attended=True)

    assert gym.members.get_by_id(ana.id).may_book(gym.clock.now())
    gym.book_class.execute(ana.id, later.id)


def test_without_a_no_show_limit_no_shows_never_pause_booking(now):
    gym = gym_with(now, no_show_limit=0)
    ana = gym.add_member("Ana", credits=5)
    *missed, later = classes_a_day_apart(gym, 4, first_in=timedelta(hours=2))
    for fitness_class in missed:
        no_show(gym, ana, fitness_class)

    gym.book_class.execute(ana.id, later.id)

    assert gym.events_of(MemberBookingsPaused) == []


def test_staff_can_lift_a_pause_and_the_member_books_again(now):
    # given Ana is paused after a no-show
    gym = gym_with(now, no_show_limit=1)
    ana = gym.add_member("Ana", credits=2)
    missed, later = classes_a_day_apart(gym, 2, first_in=timedelta(hours=2))
    no_show(gym, ana, missed)
    gym.clear_history()

    # when staff resume her bookings
    gym.resume_bookings.execute(ana.id)

    # then
    assert gym.members.get_by_id(ana.id).bookings_paused_until is None
    [resumed] = gym.events_of(MemberBookingsResumed)
    assert resumed.member_id == ana.id
    gym.book_class.execute(ana.id, later.id)
    assert gym.booked(later) == {ana.id}


def test_lifting_a_pause_that_is_not_there_records_nothing(now):
    gym = gym_with(now, no_show_limit=1)
    ana = gym.add_member("Ana")

    gym.resume_bookings.execute(ana.id)

    assert gym.events == []


def test_correcting_the_no_show_that_paused_a_member_to_attended_lifts_the_pause(now):
    # given 2 no-shows pause booking; Ana's second one paused her
    gym = gym_with(now, no_show_limit=2, no_show_pause=timedelta(days=14))
    ana = gym.add_member("Ana", credits=5)
    first, second, later = classes_a_day_apart(gym, 3, first_in=timedelta(hours=2))
    no_show(gym, ana, first)
    mistaken = no_show(gym, ana, second)
    assert not gym.members.get_by_id(ana.id).may_book(gym.clock.now())
    gym.clear_history()

    # when the front desk corrects that mark: she did come
    gym.record_attendance.execute([mistaken.id], attended=True)

    # then the pause no longer holds: it is lifted, with an event saying why
    assert gym.members.get_by_id(ana.id).bookings_paused_until is None
    [resumed] = gym.events_of(MemberBookingsResumed)
    assert (resumed.member_id, resumed.reason) == (ana.id, "a no-show was corrected")
    gym.book_class.execute(ana.id, later.id)
    assert gym.booked(later) == {ana.id}


def test_correcting_one_no_show_keeps_a_pause_the_other_no_shows_still_justify(now):
    # given 2 no-shows pause booking, and Ana has 3
    gym = gym_with(now, no_show_limit=2, no_show_pause=timedelta(days=14))
    ana = gym.add_member("Ana", credits=5)
    first, second, third = classes_a_day_apart(gym, 3, first_in=timedelta(hours=2))
    no_show(gym, ana, first)
    no_show(gym, ana, second)
    gym.resume_bookings.execute(ana.id)  # staff lifted it once; the third pauses her again
    mistaken = no_show(gym, ana, third)
    paused_until = gym.members.get_by_id(ana.id).bookings_paused_until
    gym.clear_history()

    # when one of them is corrected
    gym.record_attendance.execute([mistaken.id], attended=True)

    # then two remain within the period: she stays paused, nothing is recorded about it
    assert gym.members.get_by_id(ana.id).bookings_paused_until == paused_until
    assert gym.events_of(MemberBookingsResumed) == []


def test_correcting_a_no_show_of_a_member_who_is_not_paused_changes_no_pause(now):
    gym = gym_with(now, no_show_limit=2)
    ana = gym.add_member("Ana", credits=5)
    [missed] = classes_a_day_apart(gym, 1, first_in=timedelta(hours=2))
    mistaken = no_show(gym, ana, missed)
    gym.clear_history()

    gym.record_attendance.execute([mistaken.id], attended=True)

    assert gym.members.get_by_id(ana.id).bookings_paused_until is None
    assert [type(event).__name__ for event in gym.events] == ["AttendanceRecorded"]


# --- Staff bookings ---------------------------------------------------------------------------


def test_staff_booking_bypasses_the_window_the_limit_and_the_pause(now):
    # given booking opens 14 days ahead, at most 1 upcoming booking, and Ana is paused
    gym = gym_with(
        now,
        booking_opens_before=timedelta(days=14),
        max_upcoming_bookings=1,
        no_show_limit=1,
    )
    ana = gym.add_member("Ana", credits=5, expiring_in_days=90)
    missed = gym.add_class("Missed", starts_in=timedelta(hours=2))
    held = gym.add_class("Held", starts_in=timedelta(days=3))
    far = gym.add_class("Far", starts_in=timedelta(days=40))
    no_show(gym, ana, missed)
    gym.book_class.execute(ana.id, held.id, by_staff=True)  # 1 upcoming: at the limit
    member = gym.members.get_by_id(ana.id)
    assert not member.may_book(gym.clock.now())
    assert gym.bookings.spots_held(ana.id, far, gym.clock.now()).upcoming_confirmed == 1
    with pytest.raises(BookingNotOpenException):
        gym.book_class.execute(ana.id, far.id)

    # when staff add her to a class 40 days away
    booking = gym.book_class.execute(ana.id, far.id, by_staff=True)

    # then she is booked and paid as usual
    assert gym.bookings.get_by_id(booking.id).status is BookingStatus.CONFIRMED
    assert gym.booked(far) == {ana.id}
    assert gym.credits(ana) == 2


def test_staff_booking_never_bypasses_capacity(now):
    gym = gym_with(now, no_show_limit=1)
    ana = gym.add_member("Ana", credits=1)
    full = gym.add_class("Full", capacity=2, booked=2)

    with pytest.raises(ClassFullException):
        gym.book_class.execute(ana.id, full.id, by_staff=True)

    assert gym.credits(ana) == 1
    assert ana.id not in gym.booked(full)


def test_staff_booking_never_bypasses_credit(now):
    gym = gym_with(now)
    ana = gym.add_member("Ana", credits=0)
    spin = gym.add_class("Spin")

    with pytest.raises(NoCreditsException):
        gym.book_class.execute(ana.id, spin.id, by_staff=True)

    assert gym.booked(spin) == frozenset()


# --- Promotion ---------------------------------------------------------------------------------


def test_a_paused_member_keeps_her_place_but_is_skipped_by_promotion(now):
    # given Ana (paused) and Ben wait for a full class, Ana first
    gym = gym_with(now, no_show_limit=1)
    ana = gym.add_member("Ana", credits=3)
    ben = gym.add_member("Ben", credits=1)
    missed = gym.add_class("Missed", starts_in=timedelta(hours=2))
    spin = gym.add_class("Spin", capacity=1, booked=1)
    gym.queue_up(spin, ana, ben)
    no_show(gym, ana, missed)
    [regular] = gym.booked(spin)
    [booking] = [b for b in gym.bookings.all() if b.member_id == regular]
    gym.clear_history()

    # when the spot is freed
    gym.cancel_booking.execute(booking.id)

    # then Ben is promoted, Ana still waits at the front
    assert gym.booked(spin) == {ben.id}
    assert gym.waiting(spin) == [ana.id]
    [promoted] = gym.events_of(MemberPromotedFromWaitlist)
    assert promoted.member_id == ben.id
    assert gym.credits(ana) == 2


def test_a_member_whose_pause_ran_out_is_promoted_again(now):
    gym = gym_with(now, no_show_limit=1, no_show_pause=timedelta(days=1))
    ana = gym.add_member("Ana", credits=3)
    missed = gym.add_class("Missed", starts_in=timedelta(hours=2))
    spin = gym.add_class("Spin", capacity=1, booked=1, starts_in=timedelta(days=3))
    gym.queue_up(spin, ana)
    no_show(gym, ana, missed)
    [booking] = gym.bookings.get_confirmed_by_class(spin.id)
    gym.clock.advance(days=1)

    gym.cancel_booking.execute(booking.id)

    assert gym.booked(spin) == {ana.id}
    assert gym.waiting(spin) == []


# --- The waitlist is no way round the policies -------------------------------------------------


def test_joining_a_waitlist_before_booking_opens_or_while_paused_is_refused(now):
    # given a full class 20 days away (booking opens 14 days before) and a paused member
    gym = gym_with(now, booking_opens_before=timedelta(days=14), no_show_limit=1)
    far = gym.add_class("Far Spin", capacity=1, booked=1, starts_in=timedelta(days=20))
    near = gym.add_class("Near Spin", capacity=1, booked=1, starts_in=timedelta(days=2))
    ana = gym.add_member("Ana", credits=2)
    no_show(gym, ana, gym.add_class("Missed", starts_in=timedelta(hours=2)))

    # when/then: neither joining gets round the rules; staff may still add her
    with pytest.raises(BookingNotOpenException):
        gym.join_waitlist.execute(ana.id, far.id)
    with pytest.raises(BookingsPausedException):
        gym.join_waitlist.execute(ana.id, near.id)
    assert gym.join_waitlist.execute(ana.id, near.id, by_staff=True) == 1


def test_a_waiting_member_at_the_upcoming_bookings_limit_is_skipped_by_promotion(now):
    # given a limit of one upcoming booking; Ana holds one and waits first for full Spin
    gym = gym_with(now, max_upcoming_bookings=1)
    ana = gym.add_member("Ana", credits=2)
    ben = gym.add_member("Ben", credits=1)
    yoga, spin = classes_a_day_apart(gym, 2)
    gym.book_class.execute(ana.id, yoga.id)
    spin_booking = gym.book_class.execute(gym.add_member("Cara", credits=1).id, spin.id)
    gym.change_class_capacity.execute(spin.id, 1)
    gym.queue_up(spin, ana, ben)

    # when the spot frees
    gym.cancel_booking.execute(spin_booking.id)

    # then Ben gets it and Ana keeps her place
    assert gym.booked(spin) == {ben.id}
    assert gym.waiting(spin) == [ana.id]


# --- No-shows ---------------------------------------------------------------------------------


def test_marking_the_same_no_show_again_does_not_pause_the_member_again(now):
    # given Ana was paused after a no-show, and staff lifted the pause
    gym = gym_with(now, no_show_limit=1)
    ana = gym.add_member("Ana", credits=1)
    booking = no_show(gym, ana, gym.add_class("Missed", starts_in=timedelta(hours=2)))
    gym.resume_bookings.execute(ana.id)
    gym.clear_history()

    # when the front desk submits the same mark again
    gym.record_attendance.execute([booking.id], attended=False)

    # then nothing changes: the mark was already there
    assert gym.events == []
    assert gym.members.get_by_id(ana.id).may_book(gym.clock.now())
