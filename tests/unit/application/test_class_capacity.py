import pytest

from domain.events import ClassCapacityChanged, MemberPromotedFromWaitlist
from domain.exceptions import CapacityBelowBookingsException


def test_raising_the_capacity_of_a_full_class_promotes_the_first_two_waiting(gym):
    # given: Spin full at 10 with Ben, Cara and Dan waiting
    spin = gym.add_class("Spin", capacity=10, booked=10)
    ben, cara, dan = (gym.add_member(name, credits=1) for name in ("Ben", "Cara", "Dan"))
    gym.queue_up(spin, ben, cara, dan)
    gym.clear_history()

    # when
    gym.change_class_capacity.execute(spin.id, 12)

    # then
    stored = gym.classes.get_by_id(spin.id)
    assert stored.capacity == 12
    assert stored.is_full()
    assert {ben.id, cara.id} <= stored.booked_member_ids
    assert gym.waiting(spin) == [dan.id]
    [changed] = gym.events_of(ClassCapacityChanged)
    assert (changed.old_capacity, changed.new_capacity) == (10, 12)
    promoted = gym.events_of(MemberPromotedFromWaitlist)
    assert [event.member_id for event in promoted] == [ben.id, cara.id]


def test_raising_the_capacity_promotes_only_eligible_members(gym):
    # given: Ben, first, has no credit
    spin = gym.add_class("Spin", capacity=10, booked=10)
    ben = gym.add_member("Ben", credits=0)
    cara, dan = gym.add_member("Cara", credits=1), gym.add_member("Dan", credits=1)
    gym.queue_up(spin, ben, cara, dan)

    # when
    gym.change_class_capacity.execute(spin.id, 12)

    # then
    assert {cara.id, dan.id} <= gym.booked(spin)
    assert gym.waiting(spin) == [ben.id]


def test_the_capacity_cannot_go_below_the_members_booked(gym):
    # given
    spin = gym.add_class("Spin", capacity=10, booked=9)

    # when/then
    with pytest.raises(CapacityBelowBookingsException, match="9 members are booked"):
        gym.change_class_capacity.execute(spin.id, 8)
    assert gym.classes.get_by_id(spin.id).capacity == 10
    assert gym.events == []


def test_the_capacity_can_go_down_to_the_members_booked(gym):
    # given
    spin = gym.add_class("Spin", capacity=10, booked=9)

    # when
    gym.change_class_capacity.execute(spin.id, 9)

    # then
    stored = gym.classes.get_by_id(spin.id)
    assert (stored.capacity, stored.is_full()) == (9, True)
    assert [type(event).__name__ for event in gym.events] == ["ClassCapacityChanged"]
