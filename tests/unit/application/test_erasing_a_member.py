"""Staff erase a member: her future bookings are cancelled as staff cancel them (refunded,
spots freed so waitlists promote), her waitlist places left, her name and e-mail replaced,
what the other stores keep about her erased, and `MemberErased` recorded; the ledger and
her past bookings stay. Erasing twice is harmless."""

from datetime import timedelta

import pytest

from domain.entities import ERASED_MEMBER_NAME, BookingStatus
from domain.events import (
    BookingCancelled,
    ClassSpotBecameAvailable,
    CreditsAdded,
    MemberErased,
    MemberLeftWaitlist,
    MemberPromotedFromWaitlist,
)
from domain.exceptions import MemberNotFoundException
from domain.values import WaitlistExitReason


def test_erasing_cancels_her_future_bookings_with_a_refund_and_promotes_the_waitlist(gym):
    # given: Ana is booked on a full Spin where Ben waits
    ana, ben = gym.add_member("Ana Smith", credits=1), gym.add_member("Ben", credits=1)
    spin = gym.add_class("Spin", capacity=2, booked=1)
    booking = gym.book_class.execute(ana.id, spin.id)
    gym.queue_up(spin, ben)
    gym.clear_history()

    # when
    erasure = gym.erase_member.execute(ana.id)

    # then
    assert erasure.cancelled_bookings == 1
    assert gym.bookings.get_by_id(booking.id).status is BookingStatus.CANCELLED
    [cancelled] = gym.events_of(BookingCancelled)
    assert (cancelled.by_staff, cancelled.refunded) == (True, True)
    assert [event.member_id for event in gym.events_of(CreditsAdded)] == [ana.id]
    assert gym.credits(ana) == 1
    assert len(gym.events_of(ClassSpotBecameAvailable)) == 1
    [promoted] = gym.events_of(MemberPromotedFromWaitlist)
    assert promoted.member_id == ben.id
    assert ana.id not in gym.booked(spin)
    assert ben.id in gym.booked(spin)


def test_erasing_takes_her_off_every_waitlist_with_an_event(gym):
    ana = gym.add_member("Ana Smith", credits=1)
    spin = gym.add_class("Spin", capacity=1, booked=1)
    yoga = gym.add_class("Yoga", capacity=1, booked=1, starts_in=timedelta(days=2))
    gym.queue_up(spin, ana)
    gym.queue_up(yoga, ana)
    gym.clear_history()

    erasure = gym.erase_member.execute(ana.id)

    assert erasure.left_waitlists == 2
    assert gym.waiting(spin) == gym.waiting(yoga) == []
    left = gym.events_of(MemberLeftWaitlist)
    assert {event.class_id for event in left} == {spin.id, yoga.id}
    assert {event.reason for event in left} == {str(WaitlistExitReason.MEMBER_ERASED)}


def test_erasing_replaces_her_name_and_email_and_records_member_erased_last(gym):
    ana = gym.add_member("Ana Smith")
    gym.clear_history()

    gym.erase_member.execute(ana.id)

    stored = gym.members.get_by_id(ana.id)
    assert stored.name == ERASED_MEMBER_NAME
    assert "ana" not in str(stored.email)
    assert stored.is_erased
    assert stored.erased_at == gym.clock.now()
    [erased] = gym.events_of(MemberErased)
    assert erased.member_id == ana.id
    assert gym.events[-1] == erased


def test_erasing_hands_her_to_every_store_of_personal_data_before_renaming_her(gym):
    ana = gym.add_member("Ana Smith")

    gym.erase_member.execute(ana.id)

    assert gym.personal_data.erased == [("Ana Smith", "ana.smith.0@example.com")]


def test_erasing_keeps_the_ledger_and_past_bookings(gym):
    # given: Ana attended yesterday's Spin and holds 2 more credits
    ana = gym.add_member("Ana Smith", credits=3)
    spin = gym.add_class("Spin", starts_in=timedelta(hours=3))
    booking = gym.book_class.execute(ana.id, spin.id)
    gym.clock.advance(hours=4)
    gym.record_attendance.execute([booking.id], attended=True)
    grants_before = gym.members.get_by_id(ana.id).grants

    # when
    erasure = gym.erase_member.execute(ana.id)

    # then
    assert erasure.cancelled_bookings == 0
    assert gym.bookings.get_by_id(booking.id).status is BookingStatus.ATTENDED
    assert gym.members.get_by_id(ana.id).grants == grants_before
    assert gym.booked(spin) == {ana.id}


def test_erasing_twice_changes_nothing_the_second_time(gym):
    ana = gym.add_member("Ana Smith", credits=1)
    spin = gym.add_class("Spin")
    gym.book_class.execute(ana.id, spin.id)
    gym.erase_member.execute(ana.id)
    gym.clear_history()
    stored = gym.members.get_by_id(ana.id)

    again = gym.erase_member.execute(ana.id)

    assert again.already_erased
    assert (again.cancelled_bookings, again.left_waitlists) == (0, 0)
    assert gym.events == []
    assert len(gym.personal_data.erased) == 1
    assert gym.members.get_by_id(ana.id).email == stored.email


def test_an_erased_member_is_told_nothing_about_the_cancellations_of_her_erasure(gym):
    ana = gym.add_member("Ana Smith", credits=1)
    gym.book_class.execute(ana.id, gym.add_class("Spin").id)
    gym.clear_history()

    gym.erase_member.execute(ana.id)

    assert gym.notifications.notices_to(ana.id) == []


def test_erasing_an_unknown_member_is_refused_and_changes_nothing(gym):
    with pytest.raises(MemberNotFoundException):
        gym.erase_member.execute("no-such-member")

    assert gym.events == []
    assert gym.personal_data.erased == []


def test_a_failing_store_of_personal_data_undoes_the_whole_erasure(gym):
    ana = gym.add_member("Ana Smith", credits=1)
    spin = gym.add_class("Spin")
    booking = gym.book_class.execute(ana.id, spin.id)
    gym.clear_history()
    gym.personal_data.fail = True

    with pytest.raises(RuntimeError):
        gym.erase_member.execute(ana.id)

    assert gym.bookings.get_by_id(booking.id).status is BookingStatus.CONFIRMED
    assert gym.members.get_by_id(ana.id).name == "Ana Smith"
    assert gym.events == []
