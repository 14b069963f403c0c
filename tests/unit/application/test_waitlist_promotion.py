from datetime import timedelta

from application.ports import NoticeKind
from domain.entities import BookingStatus
from domain.events import (
    ClassSpotBecameAvailable,
    MemberLeftWaitlist,
    MemberPromotedFromWaitlist,
)
from domain.values import BookingPolicy, PromotionInsideWindow
from tests.fakes import FakeGym


def full_spin_with_ana(gym, starts_in=timedelta(days=1)):
    """Spin (capacity 10) made full by Ana's booking; returns the class and her booking."""
    ana = gym.add_member("Ana", credits=1)
    spin = gym.add_class("Spin", capacity=10, booked=9, starts_in=starts_in)
    return spin, gym.book_class.execute(ana.id, spin.id)


def test_a_cancellation_promotes_the_first_waiting_member(gym):
    # given: Ben (1 credit) waits first, Cara second
    spin, ana_booking = full_spin_with_ana(gym)
    ben, cara = gym.add_member("Ben", credits=1), gym.add_member("Cara", credits=1)
    gym.queue_up(spin, ben, cara)
    ben_entry = gym.waitlist.get_by_class(spin.id)[0]
    gym.clear_history()

    # when
    gym.cancel_booking.execute(ana_booking.id)

    # then: Ben is booked and paid, Cara moved up
    [ben_booking] = [
        b for b in gym.bookings.get_confirmed_by_class(spin.id) if b.member_id == ben.id
    ]
    ben_now = gym.members.get_by_id(ben.id)
    assert ben_booking.status is BookingStatus.CONFIRMED
    assert ben_booking.credit_grant_id == ben_now.grants[0].grant_id
    assert ben_now.credits_at(gym.clock.now()) == 0
    assert gym.waiting(spin) == [cara.id]
    assert gym.classes.get_by_id(spin.id).is_full()
    [promoted] = gym.events_of(MemberPromotedFromWaitlist)
    assert (promoted.member_id, promoted.class_id) == (ben.id, spin.id)
    assert (promoted.booking_id, promoted.waitlist_entry_id) == (ben_booking.id, ben_entry.id)
    assert [n.kind for n in gym.notifications.notices_to(ben.id)] == [
        NoticeKind.PROMOTED_FROM_WAITLIST
    ]
    assert gym.notifications.notices_to(cara.id) == []
    assert gym.credits(cara) == 1


def test_a_waiting_member_without_credit_keeps_the_place_while_the_next_one_is_promoted(gym):
    # given: Ben waits first with 0 credits, Cara second with 1
    spin, ana_booking = full_spin_with_ana(gym)
    ben, cara = gym.add_member("Ben", credits=0), gym.add_member("Cara", credits=1)
    gym.queue_up(spin, ben, cara)

    # when
    gym.cancel_booking.execute(ana_booking.id)

    # then
    assert cara.id in gym.booked(spin)
    assert ben.id not in gym.booked(spin)
    assert gym.waiting(spin) == [ben.id]
    assert gym.credits(cara) == 0
    assert [e.member_id for e in gym.events_of(MemberPromotedFromWaitlist)] == [cara.id]


def test_a_waiting_member_booked_on_an_overlapping_class_is_skipped(gym):
    # given: Ben (2 credits) holds Yoga at the same time as Spin and waits first
    spin, ana_booking = full_spin_with_ana(gym)
    ben, cara = gym.add_member("Ben", credits=2), gym.add_member("Cara", credits=1)
    yoga = gym.add_class("Yoga", starts_in=timedelta(days=1, minutes=15))
    gym.book_class.execute(ben.id, yoga.id)
    gym.queue_up(spin, ben, cara)

    # when
    gym.cancel_booking.execute(ana_booking.id)

    # then
    assert cara.id in gym.booked(spin)
    assert ben.id not in gym.booked(spin)
    assert gym.waiting(spin) == [ben.id]
    assert gym.credits(ben) == 1


def test_a_promoted_member_leaves_the_waitlists_of_overlapping_classes_only(gym):
    # given: Ben waits for Spin 18:00, Boxing 18:30 (overlapping) and Yoga 20:00 (not)
    spin, ana_booking = full_spin_with_ana(gym)
    boxing = gym.add_class("Boxing", capacity=1, booked=1, starts_in=timedelta(days=1, minutes=30))
    yoga = gym.add_class("Yoga", capacity=1, booked=1, starts_in=timedelta(days=1, hours=2))
    ben = gym.add_member("Ben", credits=1)
    for fitness_class in (spin, boxing, yoga):
        gym.queue_up(fitness_class, ben)
    gym.clear_history()

    # when: Ben is promoted into Spin
    gym.cancel_booking.execute(ana_booking.id)

    # then
    assert ben.id in gym.booked(spin)
    assert gym.waiting(boxing) == []
    assert gym.waiting(yoga) == [ben.id]
    [left] = gym.events_of(MemberLeftWaitlist)
    assert (left.member_id, left.class_id) == (ben.id, boxing.id)
    assert left.reason == "promoted into an overlapping class"


def test_when_nobody_eligible_waits_the_spot_stays_free_for_anyone(gym):
    # given: the only waiting member has no credit
    spin, ana_booking = full_spin_with_ana(gym)
    ben = gym.add_member("Ben", credits=0)
    gym.queue_up(spin, ben)
    dan = gym.add_member("Dan", credits=1)

    # when
    gym.cancel_booking.execute(ana_booking.id)

    # then
    assert gym.classes.get_by_id(spin.id).spots_left == 1
    assert gym.waiting(spin) == [ben.id]
    assert gym.events_of(MemberPromotedFromWaitlist) == []
    gym.book_class.execute(dan.id, spin.id)
    assert dan.id in gym.booked(spin)


def test_an_empty_waitlist_leaves_the_freed_spot_alone(gym):
    spin, ana_booking = full_spin_with_ana(gym)

    gym.cancel_booking.execute(ana_booking.id)

    assert gym.classes.get_by_id(spin.id).spots_left == 1
    assert gym.events_of(MemberPromotedFromWaitlist) == []


def test_nobody_is_promoted_after_the_promotion_cut_off():
    # given: cut-off 1 hour; Spin starts in 30 minutes; Ben waits with a credit
    gym = FakeGym(policy=BookingPolicy(promotion_cutoff=timedelta(hours=1)))
    spin = gym.add_class("Spin", capacity=10, booked=10, starts_in=timedelta(hours=3))
    ben, dan = gym.add_member("Ben", credits=1), gym.add_member("Dan", credits=1)
    gym.queue_up(spin, ben)
    gym.clock.advance(hours=2, minutes=30)
    freed = gym.bookings.get_confirmed_by_class(spin.id)[0]

    # when: staff free a spot 30 minutes before class
    gym.staff_cancel_booking.execute(freed.id, "Injured")

    # then: nobody promoted; the spot stays bookable
    assert gym.events_of(MemberPromotedFromWaitlist) == []
    assert gym.waiting(spin) == [ben.id]
    assert gym.credits(ben) == 1
    assert gym.classes.get_by_id(spin.id).spots_left == 1
    gym.book_class.execute(dan.id, spin.id, late_confirmed=True)
    assert dan.id in gym.booked(spin)


def test_before_the_promotion_cut_off_the_waiting_member_is_promoted():
    # given: cut-off 1 hour, promotions inside the cancellation window allowed (with a grace
    # period); Spin starts in 90 minutes
    gym = FakeGym(
        policy=BookingPolicy(
            promotion_cutoff=timedelta(hours=1),
            promotion_inside_window=PromotionInsideWindow.GRACE,
        )
    )
    spin = gym.add_class("Spin", capacity=10, booked=10, starts_in=timedelta(minutes=90))
    ben = gym.add_member("Ben", credits=1)
    gym.queue_up(spin, ben)
    freed = gym.bookings.get_confirmed_by_class(spin.id)[0]

    # when
    gym.staff_cancel_booking.execute(freed.id, "Injured")

    # then
    assert ben.id in gym.booked(spin)


def test_the_handler_fills_every_free_spot_in_order_of_joining(gym):
    # given: two free spots that nobody was promoted into (Ben and Cara had no credit then)
    spin = gym.add_class("Spin", capacity=2, booked=2)
    ben, cara, dan = (gym.add_member(name, credits=0) for name in ("Ben", "Cara", "Dan"))
    gym.queue_up(spin, ben, cara, dan)
    for booking in gym.bookings.get_confirmed_by_class(spin.id):
        gym.staff_cancel_booking.execute(booking.id)
    for member in (dan, cara, ben):
        gym.add_credits.execute(member.id, 1)
    gym.clear_history()

    # when
    gym.promote_waitlist.handle(ClassSpotBecameAvailable(class_id=spin.id))

    # then
    assert gym.booked(spin) == {ben.id, cara.id}
    assert gym.waiting(spin) == [dan.id]
    promoted = gym.events_of(MemberPromotedFromWaitlist)
    assert [event.member_id for event in promoted] == [ben.id, cara.id]


def test_the_handler_does_nothing_for_a_cancelled_class(gym):
    # given
    spin = gym.add_class("Spin", capacity=1, booked=1)
    ben = gym.add_member("Ben", credits=1)
    gym.queue_up(spin, ben)
    gym.cancel_class.execute(spin.id, "Flood")
    gym.clear_history()

    # when
    gym.promote_waitlist.handle(ClassSpotBecameAvailable(class_id=spin.id))

    # then
    assert gym.booked(spin) == frozenset()
    assert gym.events == []
