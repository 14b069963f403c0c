"""The waitlist's claim on a freed spot holds at every moment: while an eligible member waits,
a direct booking (or staff adding a member) never takes the spot, whether the promotion's
own delivery is delayed, failing or lost."""

from datetime import timedelta

import pytest

from domain.events import BookingConfirmed, MemberPromotedFromWaitlist
from domain.exceptions import ClassFullException, NoCreditsException
from tests.fakes import FakeGym, PromotionDelivery

UNDELIVERED = [PromotionDelivery.DELAYED, PromotionDelivery.FAILING, PromotionDelivery.LOST]


def one_spot_freed(gym, *, first_credits=1):
    """A 1-spot class, Ana booked; Ben then Cara wait; staff cancel Ana's booking."""
    ana = gym.add_member("Ana", credits=1)
    ben = gym.add_member("Ben", credits=first_credits)
    cara = gym.add_member("Cara", credits=1)
    spin = gym.add_class("Spin", capacity=1, starts_in=timedelta(days=1))
    booking = gym.book_class.execute(ana.id, spin.id)
    gym.queue_up(spin, ben, cara)
    gym.staff_cancel_booking.execute(booking.id, "Injured")
    gym.clear_history()
    return spin, ben, cara


@pytest.mark.parametrize("delivery", UNDELIVERED)
def test_a_later_waiting_member_booking_directly_does_not_take_the_first_ones_spot(delivery):
    # given the promotion of the freed spot has not been delivered
    gym = FakeGym(promotion=delivery)
    spin, ben, cara = one_spot_freed(gym)
    assert gym.booked(spin) == frozenset()

    # when Cara (second in line) books directly
    with pytest.raises(ClassFullException) as refused:
        gym.book_class.execute(cara.id, spin.id)

    # then Ben, first in line, got the spot; Cara is told why and keeps waiting
    assert gym.booked(spin) == {ben.id}
    assert gym.waiting(spin) == [cara.id]
    assert "has gone to a member who was waiting" in str(refused.value)
    assert gym.credits(ben) == 0
    assert gym.credits(cara) == 1
    [promoted] = gym.events_of(MemberPromotedFromWaitlist)
    assert promoted.member_id == ben.id


@pytest.mark.parametrize("delivery", UNDELIVERED)
def test_a_member_not_waiting_cannot_book_past_the_waitlist(delivery):
    # given
    gym = FakeGym(promotion=delivery)
    spin, ben, _ = one_spot_freed(gym)
    dan = gym.add_member("Dan", credits=1)

    # when / then
    with pytest.raises(ClassFullException):
        gym.book_class.execute(dan.id, spin.id)
    assert gym.booked(spin) == {ben.id}
    assert gym.credits(dan) == 1


def test_the_promotion_delivered_late_finds_nothing_left_to_do():
    # given Cara's booking attempt promoted Ben first
    gym = FakeGym(promotion=PromotionDelivery.DELAYED)
    spin, ben, cara = one_spot_freed(gym)
    with pytest.raises(ClassFullException):
        gym.book_class.execute(cara.id, spin.id)

    # when the worker delivers the held promotion
    gym.deliver_promotions()

    # then nobody is promoted twice and Cara still waits
    assert gym.booked(spin) == {ben.id}
    assert len(gym.events_of(MemberPromotedFromWaitlist)) == 1
    assert gym.waiting(spin) == [cara.id]


def test_when_nobody_eligible_waits_anyone_may_book_the_freed_spot():
    # given Ben, first, has no credit; Cara, second, has one; the promotion is lost
    gym = FakeGym(promotion=PromotionDelivery.LOST)
    spin, ben, _ = one_spot_freed(gym, first_credits=0)
    gym.waitlist.remove(gym.waitlist.get_by_class(spin.id)[1])  # Cara leaves
    dan = gym.add_member("Dan", credits=1)

    # when
    booking = gym.book_class.execute(dan.id, spin.id)

    # then Dan gets it: nobody eligible had a claim; Ben keeps his place
    assert gym.booked(spin) == {dan.id}
    assert booking.member_id == dan.id
    assert gym.waiting(spin) == [ben.id]
    assert gym.events_of(MemberPromotedFromWaitlist) == []


def test_a_member_booking_directly_is_not_held_back_by_those_who_joined_after_her():
    # given Ben waits first; the promotion is lost
    gym = FakeGym(promotion=PromotionDelivery.LOST)
    spin, ben, cara = one_spot_freed(gym)

    # when Ben books directly
    gym.book_class.execute(ben.id, spin.id)

    # then it is his own booking, and Cara (behind him) still waits
    assert gym.booked(spin) == {ben.id}
    assert [e.member_id for e in gym.events_of(BookingConfirmed)] == [ben.id]
    assert gym.events_of(MemberPromotedFromWaitlist) == []
    assert gym.waiting(spin) == [cara.id]


def test_a_refused_booker_leaves_the_promotion_made_for_her_turn_in_place():
    # given 2 spots freed, only Ben waits; Dan, not waiting, has no credit
    gym = FakeGym(promotion=PromotionDelivery.LOST)
    ben, dan = gym.add_member("Ben", credits=1), gym.add_member("Dan", credits=0)
    spin = gym.add_class("Spin", capacity=2, booked=2)
    gym.queue_up(spin, ben)
    for booking in gym.bookings.get_confirmed_by_class(spin.id):
        gym.staff_cancel_booking.execute(booking.id, "Moved")

    # when Dan tries to book
    with pytest.raises(NoCreditsException):
        gym.book_class.execute(dan.id, spin.id)

    # then Ben's promotion stands
    assert gym.booked(spin) == {ben.id}
    assert gym.waiting(spin) == []


@pytest.mark.parametrize("delivery", UNDELIVERED)
def test_staff_adding_a_member_promote_the_waiting_member_first_and_queue_theirs(delivery):
    # given
    gym = FakeGym(promotion=delivery)
    spin, ben, cara = one_spot_freed(gym)
    dan = gym.add_member("Dan", credits=1)

    # when staff add Dan to the class
    added = gym.add_member_to_class.execute(dan.id, spin.id)

    # then Ben got the spot and Dan joins the queue behind Cara
    assert gym.booked(spin) == {ben.id}
    assert added.booking is None
    assert added.waitlist_position == 2
    assert gym.waiting(spin) == [cara.id, dan.id]
