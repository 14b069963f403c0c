from datetime import timedelta

import pytest

from application.ports import NoticeKind
from domain.entities import BookingStatus
from domain.events import BookingConfirmed, MemberLeftWaitlist
from domain.exceptions import (
    AlreadyBookedException,
    ClassAlreadyStartedException,
    ClassFullException,
    ClassNotFoundException,
    MemberNotFoundException,
    NoCreditsException,
    OverlappingBookingException,
)


def event_names(gym):
    return [type(event).__name__ for event in gym.events]


def test_booking_spends_a_credit_on_a_confirmed_spot(gym):
    # given: Ana has 1 credit; Spin (capacity 10, 3 booked) starts in 1 day
    ana = gym.add_member("Ana", credits=1)
    spin = gym.add_class("Spin", capacity=10, booked=3)

    # when
    booking = gym.book_class.execute(ana.id, spin.id)

    # then
    stored = gym.bookings.get_by_id(booking.id)
    assert stored.status is BookingStatus.CONFIRMED
    assert (stored.member_id, stored.class_id) == (ana.id, spin.id)
    assert stored.created_at == gym.clock.now()
    assert gym.credits(ana) == 0
    assert gym.classes.get_by_id(spin.id).spots_left == 6
    assert event_names(gym) == ["BookingConfirmed"]
    [confirmed] = gym.events_of(BookingConfirmed)
    assert (confirmed.booking_id, confirmed.member_id, confirmed.class_id) == (
        booking.id,
        ana.id,
        spin.id,
    )
    assert confirmed.occurred_at == gym.clock.now()
    assert [n.kind for n in gym.notifications.notices_to(ana.id)] == [NoticeKind.BOOKING_CONFIRMED]


def test_a_member_without_credits_cannot_book_and_nothing_changes(gym):
    # given
    ana = gym.add_member("Ana", credits=0)
    spin = gym.add_class("Spin", capacity=10, booked=3)

    # when/then
    with pytest.raises(NoCreditsException) as refused:
        gym.book_class.execute(ana.id, spin.id)
    assert str(refused.value).startswith("You have no credits left. ")
    assert gym.classes.get_by_id(spin.id).spots_left == 7
    assert not gym.classes.get_by_id(spin.id).is_booked_by(ana.id)
    assert gym.events == []
    assert gym.notifications.sent == []


def test_booking_spends_the_credit_that_expires_soonest(gym):
    # given: 1 credit expiring in 20 days, 1 expiring in 3 days
    ana = gym.add_member("Ana", credits=0)
    later = gym.add_credits.execute(ana.id, 1, expiry_days=20)
    sooner = gym.add_credits.execute(ana.id, 1, expiry_days=3)
    spin = gym.add_class("Spin")

    # when
    booking = gym.book_class.execute(ana.id, spin.id)

    # then
    assert booking.credit_grant_id == sooner.grant_id
    remaining = {g.grant_id: g.remaining for g in gym.members.get_by_id(ana.id).grants}
    assert remaining == {sooner.grant_id: 0, later.grant_id: 1}


def test_a_credit_that_expired_yesterday_cannot_pay_for_a_booking(gym):
    # given: Ana's only credit expired yesterday
    ana = gym.add_member("Ana", credits=1, expiring_in_days=1)
    gym.clock.advance(days=2)
    spin = gym.add_class("Spin")

    # when/then
    with pytest.raises(NoCreditsException):
        gym.book_class.execute(ana.id, spin.id)
    assert gym.bookings.all() == []
    assert [g.remaining for g in gym.members.get_by_id(ana.id).grants] == [1]


def test_a_member_already_booked_cannot_book_again_and_pays_once(gym):
    # given: a double-clicked form
    ana = gym.add_member("Ana", credits=2)
    spin = gym.add_class("Spin")
    gym.book_class.execute(ana.id, spin.id)

    # when/then
    with pytest.raises(AlreadyBookedException):
        gym.book_class.execute(ana.id, spin.id)
    assert [b.member_id for b in gym.bookings.get_confirmed_by_class(spin.id)] == [ana.id]
    assert gym.credits(ana) == 1
    assert event_names(gym) == ["BookingConfirmed"]


def test_a_full_class_refuses_the_booking_and_spends_nothing(gym):
    # given
    ana = gym.add_member("Ana", credits=1)
    spin = gym.add_class("Spin", capacity=10, booked=10)

    # when/then
    with pytest.raises(ClassFullException) as refused:
        gym.book_class.execute(ana.id, spin.id)
    assert str(refused.value) == "This class is full — join the waitlist?"
    assert gym.credits(ana) == 1
    assert gym.classes.get_by_id(spin.id).spots_taken == 10
    assert gym.events == []


def test_a_class_that_started_five_minutes_ago_takes_no_booking(gym):
    # given
    ana = gym.add_member("Ana", credits=1)
    spin = gym.add_class("Spin", starts_in=timedelta(hours=1))
    gym.clock.advance(hours=1, minutes=5)

    # when/then
    with pytest.raises(ClassAlreadyStartedException):
        gym.book_class.execute(ana.id, spin.id)
    assert gym.credits(ana) == 1
    assert gym.bookings.all() == []


def test_booking_a_class_that_overlaps_a_booked_one_is_refused(gym):
    # given: Ana is booked on Yoga; Spin starts 30 minutes into Yoga
    ana = gym.add_member("Ana", credits=2)
    yoga = gym.add_class("Yoga", starts_in=timedelta(days=1))
    spin = gym.add_class("Spin", starts_in=timedelta(days=1, minutes=30))
    gym.book_class.execute(ana.id, yoga.id)
    gym.clear_history()

    # when/then
    with pytest.raises(OverlappingBookingException):
        gym.book_class.execute(ana.id, spin.id)
    assert gym.credits(ana) == 1
    assert gym.classes.get_by_id(spin.id).spots_taken == 0
    assert gym.events == []


def test_a_class_right_after_a_booked_one_can_be_booked(gym):
    # given: Spin starts when Yoga ends
    ana = gym.add_member("Ana", credits=2)
    yoga = gym.add_class("Yoga", starts_in=timedelta(days=1), duration=timedelta(hours=1))
    spin = gym.add_class("Spin", starts_in=timedelta(days=1, hours=1))
    gym.book_class.execute(ana.id, yoga.id)

    # when
    gym.book_class.execute(ana.id, spin.id)

    # then
    assert ana.id in gym.booked(spin)
    assert gym.credits(ana) == 0


def test_a_cancelled_booking_no_longer_blocks_an_overlapping_class(gym):
    # given
    ana = gym.add_member("Ana", credits=1)
    yoga = gym.add_class("Yoga", starts_in=timedelta(days=1))
    spin = gym.add_class("Spin", starts_in=timedelta(days=1, minutes=30))
    yoga_booking = gym.book_class.execute(ana.id, yoga.id)
    gym.cancel_booking.execute(yoga_booking.id)

    # when
    gym.book_class.execute(ana.id, spin.id)

    # then
    assert gym.booked(spin) == {ana.id}
    assert gym.booked(yoga) == frozenset()


def test_booking_a_class_while_on_its_waitlist_takes_the_member_off_the_list(gym):
    # given: Ben waits for full Spin with no credit, so the freed spot stays free
    ana = gym.add_member("Ana", credits=1)
    ben = gym.add_member("Ben", credits=0)
    spin = gym.add_class("Spin", capacity=10, booked=9)
    ana_booking = gym.book_class.execute(ana.id, spin.id)
    gym.queue_up(spin, ben)
    gym.cancel_booking.execute(ana_booking.id)
    gym.add_credits.execute(ben.id, 1)
    assert gym.waiting(spin) == [ben.id]
    gym.clear_history()

    # when
    gym.book_class.execute(ben.id, spin.id)

    # then
    assert ben.id in gym.booked(spin)
    assert gym.waiting(spin) == []
    assert event_names(gym) == ["BookingConfirmed", "MemberLeftWaitlist"]
    [left] = gym.events_of(MemberLeftWaitlist)
    assert (left.member_id, left.class_id) == (ben.id, spin.id)
    assert left.reason == "booked the class directly"


def test_booking_a_class_takes_the_member_off_waitlists_at_the_same_time(gym):
    # given: Ben waits for full Boxing 18:30 and full Yoga 20:00; Spin 18:00 has room
    ben = gym.add_member("Ben", credits=1)
    spin = gym.add_class("Spin", capacity=10, booked=3)
    boxing = gym.add_class("Boxing", capacity=1, booked=1, starts_in=timedelta(days=1, minutes=30))
    yoga = gym.add_class("Yoga", capacity=1, booked=1, starts_in=timedelta(days=1, hours=2))
    gym.queue_up(boxing, ben)
    gym.queue_up(yoga, ben)
    gym.clear_history()

    # when
    gym.book_class.execute(ben.id, spin.id)

    # then: he could never be promoted into Boxing, so he leaves that list only
    assert gym.waiting(boxing) == []
    assert gym.waiting(yoga) == [ben.id]
    [left] = gym.events_of(MemberLeftWaitlist)
    assert (left.class_id, left.reason) == (boxing.id, "booked an overlapping class")


def test_booking_an_unknown_member_or_class_is_refused(gym):
    ana = gym.add_member("Ana")
    spin = gym.add_class("Spin")

    with pytest.raises(MemberNotFoundException):
        gym.book_class.execute("no-such-member", spin.id)
    with pytest.raises(ClassNotFoundException):
        gym.book_class.execute(ana.id, "no-such-class")
    assert gym.bookings.get_confirmed_by_class(spin.id) == []


def test_an_unknown_member_is_told_so_on_a_full_class_too(gym):
    # given a full class
    spin = gym.add_class("Spin", capacity=10, booked=10)

    # when someone unknown books it, then the answer is about her, not the class
    with pytest.raises(MemberNotFoundException):
        gym.book_class.execute("no-such-member", spin.id)
