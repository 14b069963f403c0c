"""Staff add a member to a class: booked while there is a spot, queued once it is full — one
use case, one transaction, the gym's booking limits skipped but never capacity or credit."""

from datetime import timedelta

import pytest

from domain.events import BookingConfirmed, MemberJoinedWaitlist
from domain.exceptions import AlreadyOnWaitlistException, NoCreditsException
from domain.values import BookingPolicy
from tests.fakes import FakeGym


def test_a_member_added_to_a_class_with_a_spot_is_booked_and_pays_a_credit(gym):
    # given a class with room and a member with one credit
    spin = gym.add_class("Spin", capacity=2)
    ana = gym.add_member("Ana", credits=1)

    # when staff add her
    added = gym.add_member_to_class.execute(ana.id, spin.id)

    # then she is booked, her credit spent, and nobody waits
    assert added.booking is not None and added.waitlist_position is None
    assert gym.booked(spin) == {ana.id}
    assert gym.credits(ana) == 0
    assert [type(event) for event in gym.events_of(BookingConfirmed)] == [BookingConfirmed]


def test_a_member_added_to_a_full_class_joins_its_waitlist_without_paying(gym):
    # given a full class with one member already waiting
    spin = gym.add_class("Spin", capacity=1, booked=1)
    gym.queue_up(spin, gym.add_member("Ben"))
    ana = gym.add_member("Ana", credits=1)
    gym.clear_history()

    # when staff add Ana
    added = gym.add_member_to_class.execute(ana.id, spin.id)

    # then she is second in line and keeps her credit
    assert added.booking is None and added.waitlist_position == 2
    assert gym.waiting(spin)[1] == ana.id
    assert gym.credits(ana) == 1
    assert [type(event) for event in gym.events] == [MemberJoinedWaitlist]


def test_staff_adding_a_member_skip_the_booking_window_and_the_pause(now):
    # given a gym whose booking opens a day ahead, a class next week and a paused member
    gym = FakeGym(now=now, policy=BookingPolicy(booking_opens_before=timedelta(days=1)))
    spin = gym.add_class("Spin", starts_in=timedelta(days=7))
    ana = gym.add_member("Ana", credits=1)
    stored = gym.members.get_by_id(ana.id)
    stored.pause_bookings(until=now + timedelta(days=14), no_shows=3, now=now)
    gym.members.save(stored)

    # when staff add her
    added = gym.add_member_to_class.execute(ana.id, spin.id)

    # then she is booked all the same
    assert added.booking is not None
    assert gym.booked(spin) == {ana.id}


def test_a_member_without_credit_is_refused_and_nothing_changes(gym):
    spin = gym.add_class("Spin", capacity=2)
    ana = gym.add_member("Ana", credits=0)
    gym.clear_history()

    with pytest.raises(NoCreditsException):
        gym.add_member_to_class.execute(ana.id, spin.id)

    assert gym.booked(spin) == frozenset()
    assert gym.events == []


def test_a_member_already_waiting_for_a_full_class_is_refused(gym):
    spin = gym.add_class("Spin", capacity=1, booked=1)
    ana = gym.add_member("Ana", credits=1)
    gym.queue_up(spin, ana)

    with pytest.raises(AlreadyOnWaitlistException):
        gym.add_member_to_class.execute(ana.id, spin.id)

    assert gym.waiting(spin) == [ana.id]
