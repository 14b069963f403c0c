"""Nobody joins a waitlist where she could never be promoted, and the waitlists of classes
that have started are closed with an event."""

from datetime import timedelta

import pytest

from domain.events import MemberLeftWaitlist
from domain.exceptions import WaitlistClosedException
from domain.values import BookingPolicy, PromotionInsideWindow
from tests.fakes import FakeGym


@pytest.mark.parametrize(
    ("policy", "starts_in", "message"),
    [
        (
            BookingPolicy(),
            timedelta(minutes=119),
            "Nobody is promoted from the waitlist within 2 hours of the start, so it can no "
            "longer be joined.",
        ),
        (
            BookingPolicy(
                promotion_cutoff=timedelta(minutes=45),
                promotion_inside_window=PromotionInsideWindow.GRACE,
            ),
            timedelta(minutes=44),
            "Nobody is promoted from the waitlist within 45 minutes of the start, so it can no "
            "longer be joined.",
        ),
    ],
    ids=["inside the cancellation window", "past the cut-off"],
)
@pytest.mark.parametrize("by_staff", [False, True], ids=["member", "staff"])
def test_joining_a_waitlist_past_the_promotion_cut_off_is_refused_with_the_reason(
    policy, starts_in, message, by_staff
):
    # given a full class starting `starts_in` from now
    gym = FakeGym(policy=policy)
    ben = gym.add_member("Ben", credits=1)
    spin = gym.add_class("Spin", capacity=1, booked=1, starts_in=starts_in)
    gym.clear_history()

    # when / then
    with pytest.raises(WaitlistClosedException) as refused:
        gym.join_waitlist.execute(ben.id, spin.id, by_staff=by_staff)
    assert str(refused.value) == message
    assert gym.waiting(spin) == []
    assert gym.events == []


def test_joining_before_the_promotion_cut_off_is_allowed():
    gym = FakeGym()
    ben = gym.add_member("Ben", credits=1)
    spin = gym.add_class("Spin", capacity=1, booked=1, starts_in=timedelta(minutes=121))

    assert gym.join_waitlist.execute(ben.id, spin.id) == 1


def test_the_waitlist_of_a_started_class_is_closed_once_with_an_event_per_entry(gym):
    # given Ben and Cara wait for Spin, which then starts
    ben, cara = gym.add_member("Ben"), gym.add_member("Cara")
    spin = gym.add_class("Spin", capacity=1, booked=1, starts_in=timedelta(days=1))
    gym.queue_up(spin, ben, cara)
    gym.clock.advance(days=1)
    gym.clear_history()

    # when the waitlist is closed, twice
    closed = gym.close_waitlist.execute(spin.id)
    again = gym.close_waitlist.execute(spin.id)

    # then both left with the reason, once
    assert (closed, again) == (2, 0)
    assert gym.waiting(spin) == []
    left = gym.events_of(MemberLeftWaitlist)
    assert [(e.member_id, e.reason) for e in left] == [
        (ben.id, "class started"),
        (cara.id, "class started"),
    ]


def test_the_waitlist_of_a_class_not_yet_started_is_left_alone(gym):
    ben = gym.add_member("Ben")
    spin = gym.add_class("Spin", capacity=1, booked=1, starts_in=timedelta(days=1))
    gym.queue_up(spin, ben)

    assert gym.close_waitlist.execute(spin.id) == 0
    assert gym.waiting(spin) == [ben.id]
