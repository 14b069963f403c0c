from datetime import timedelta

import pytest

from domain.events import MemberJoinedWaitlist, MemberLeftWaitlist
from domain.exceptions import (
    AlreadyBookedException,
    AlreadyOnWaitlistException,
    ClassAlreadyStartedException,
    WaitlistEntryNotFoundException,
    WaitlistNotNeededException,
)


def test_members_joining_a_full_class_get_positions_1_and_2(gym):
    # given
    ben, cara = gym.add_member("Ben"), gym.add_member("Cara")
    spin = gym.add_class("Spin", capacity=10, booked=10)

    # when
    ben_position = gym.join_waitlist.execute(ben.id, spin.id)
    gym.clock.advance(seconds=1)
    cara_position = gym.join_waitlist.execute(cara.id, spin.id)

    # then
    assert (ben_position, cara_position) == (1, 2)
    assert gym.waiting(spin) == [ben.id, cara.id]
    joined = gym.events_of(MemberJoinedWaitlist)
    assert [(event.member_id, event.position) for event in joined] == [(ben.id, 1), (cara.id, 2)]
    assert gym.notifications.sent == []


def test_joining_the_waitlist_costs_no_credit(gym):
    ben = gym.add_member("Ben", credits=1)
    spin = gym.add_class("Spin", capacity=1, booked=1)

    gym.join_waitlist.execute(ben.id, spin.id)

    assert gym.credits(ben) == 1


def test_a_class_with_a_free_spot_refuses_waiters_and_says_book_instead(gym):
    # given
    ben = gym.add_member("Ben")
    spin = gym.add_class("Spin", capacity=10, booked=9)

    # when/then
    with pytest.raises(WaitlistNotNeededException) as refused:
        gym.join_waitlist.execute(ben.id, spin.id)
    assert "book instead" in str(refused.value)
    assert gym.waiting(spin) == []
    assert gym.events == []


def test_a_booked_member_cannot_join_the_waitlist(gym):
    # given
    ben = gym.add_member("Ben")
    spin = gym.add_class("Spin", capacity=1)
    gym.book_class.execute(ben.id, spin.id)

    # when/then
    with pytest.raises(AlreadyBookedException):
        gym.join_waitlist.execute(ben.id, spin.id)
    assert gym.waiting(spin) == []


def test_a_waiting_member_cannot_join_twice(gym):
    # given
    ben = gym.add_member("Ben")
    spin = gym.add_class("Spin", capacity=1, booked=1)
    gym.join_waitlist.execute(ben.id, spin.id)

    # when/then
    with pytest.raises(AlreadyOnWaitlistException):
        gym.join_waitlist.execute(ben.id, spin.id)
    assert gym.waiting(spin) == [ben.id]
    assert len(gym.events_of(MemberJoinedWaitlist)) == 1


def test_leaving_the_waitlist_moves_the_others_up_and_involves_no_credit(gym):
    # given
    ben, cara, dan = gym.add_member("Ben"), gym.add_member("Cara"), gym.add_member("Dan")
    spin = gym.add_class("Spin", capacity=10, booked=10)
    gym.queue_up(spin, ben, cara, dan)
    gym.clear_history()

    # when
    gym.leave_waitlist.execute(ben.id, spin.id)

    # then
    assert gym.waiting(spin) == [cara.id, dan.id]
    assert [gym.credits(member) for member in (ben, cara, dan)] == [1, 1, 1]
    [left] = gym.events
    assert isinstance(left, MemberLeftWaitlist)
    assert (left.member_id, left.class_id, left.reason) == (ben.id, spin.id, "left the waitlist")
    assert gym.notifications.sent == []


def test_a_member_who_does_not_wait_cannot_leave(gym):
    ben = gym.add_member("Ben")
    spin = gym.add_class("Spin", capacity=1, booked=1)

    with pytest.raises(WaitlistEntryNotFoundException):
        gym.leave_waitlist.execute(ben.id, spin.id)


def test_a_class_that_started_five_minutes_ago_refuses_waitlist_changes(gym):
    # given
    ben, cara = gym.add_member("Ben"), gym.add_member("Cara")
    spin = gym.add_class("Spin", capacity=1, booked=1, starts_in=timedelta(hours=3))
    gym.queue_up(spin, ben)
    gym.clock.advance(hours=3, minutes=5)
    gym.clear_history()

    # when/then
    with pytest.raises(ClassAlreadyStartedException):
        gym.join_waitlist.execute(cara.id, spin.id)
    with pytest.raises(ClassAlreadyStartedException):
        gym.leave_waitlist.execute(ben.id, spin.id)
    assert gym.waiting(spin) == [ben.id]
    assert gym.events == []
