from datetime import timedelta

import pytest

from domain.entities import FitnessClass
from domain.events import ClassCancelled, ClassCapacityChanged, ClassSpotBecameAvailable
from domain.exceptions import (
    AlreadyBookedException,
    BookingNotFoundException,
    CapacityBelowBookingsException,
    ClassAlreadyStartedException,
    ClassCancelledException,
    ClassFullException,
    InvalidClassException,
)


def make_class(now, capacity=10, booked=0, starts_in=timedelta(days=1)):
    return FitnessClass(
        "C001",
        "Spin",
        capacity,
        starts_at=now + starts_in,
        duration=timedelta(hours=1),
        booked_member_ids=[f"M{n:03}" for n in range(1, booked + 1)],
    )


def event_names(entity):
    return [type(event).__name__ for event in entity.get_domain_events()]


@pytest.mark.parametrize(
    ("name", "capacity", "duration"),
    [("", 10, timedelta(hours=1)), ("Spin", 0, timedelta(hours=1)), ("Spin", 10, timedelta(0))],
)
def test_a_class_needs_a_name_a_positive_capacity_and_a_positive_duration(
    now, name, capacity, duration
):
    with pytest.raises(InvalidClassException):
        FitnessClass("C001", name, capacity, starts_at=now, duration=duration)


def test_a_new_class_is_open_and_ends_after_its_duration(now):
    spin = make_class(now)

    assert (spin.is_cancelled, spin.cancelled_at) == (False, None)
    assert spin.ends_at == now + timedelta(days=1, hours=1)
    assert spin.spots_left == 10


def test_adding_a_booking_takes_a_spot(now):
    # given
    spin = make_class(now, capacity=10, booked=3)

    # when
    spin.add_booking("ANA", now=now)

    # then
    assert spin.is_booked_by("ANA")
    assert spin.spots_taken == 4
    assert spin.spots_left == 6
    assert not spin.is_full()
    assert spin.get_domain_events() == []


def test_a_member_cannot_take_two_spots_in_one_class(now):
    spin = make_class(now)
    spin.add_booking("ANA", now=now)

    with pytest.raises(AlreadyBookedException):
        spin.add_booking("ANA", now=now)
    assert spin.spots_taken == 1


def test_a_class_is_full_when_its_bookings_reach_the_capacity(now):
    # given
    spin = make_class(now, capacity=2, booked=1)
    spin.add_booking("ANA", now=now)

    # then
    assert spin.is_full()
    assert spin.spots_left == 0
    with pytest.raises(ClassFullException) as refused:
        spin.add_booking("BEN", now=now)
    assert str(refused.value) == "This class is full — join the waitlist?"
    assert spin.spots_taken == 2


def test_removing_a_booking_frees_the_spot_and_announces_it(now):
    # given
    spin = make_class(now, capacity=2, booked=2)

    # when
    spin.remove_booking("M001", "B001", now=now)

    # then
    assert not spin.is_booked_by("M001")
    assert spin.spots_left == 1
    [event] = spin.get_domain_events()
    assert isinstance(event, ClassSpotBecameAvailable)
    assert (event.class_id, event.previous_booking_id) == ("C001", "B001")
    assert event.occurred_at == now


def test_removing_a_member_who_is_not_booked_is_refused_without_an_event(now):
    spin = make_class(now, booked=1)

    with pytest.raises(BookingNotFoundException):
        spin.remove_booking("NOBODY", now=now)
    assert spin.spots_taken == 1
    assert spin.get_domain_events() == []


@pytest.mark.parametrize("minutes_after_start", [0, 5])
def test_a_started_class_refuses_every_change(now, minutes_after_start):
    # given
    spin = make_class(now, capacity=10, booked=3, starts_in=timedelta(hours=1))
    later = spin.starts_at + timedelta(minutes=minutes_after_start)

    # when/then
    with pytest.raises(ClassAlreadyStartedException):
        spin.add_booking("ANA", now=later)
    with pytest.raises(ClassAlreadyStartedException):
        spin.remove_booking("M001", now=later)
    with pytest.raises(ClassAlreadyStartedException):
        spin.change_capacity(12, now=later)
    with pytest.raises(ClassAlreadyStartedException):
        spin.cancel("Instructor ill", now=later)
    assert (spin.spots_taken, spin.capacity, spin.is_cancelled) == (3, 10, False)
    assert spin.get_domain_events() == []


def test_raising_the_capacity_frees_spots(now):
    # given
    spin = make_class(now, capacity=10, booked=10)

    # when
    spin.change_capacity(12, now=now)

    # then
    assert spin.capacity == 12
    assert spin.spots_left == 2
    changed, available = spin.get_domain_events()
    assert isinstance(changed, ClassCapacityChanged)
    assert (changed.class_id, changed.old_capacity, changed.new_capacity) == ("C001", 10, 12)
    assert isinstance(available, ClassSpotBecameAvailable)
    assert available.class_id == "C001"
    assert available.previous_booking_id is None


def test_lowering_the_capacity_to_the_number_booked_is_allowed(now):
    # given
    spin = make_class(now, capacity=10, booked=9)

    # when
    spin.change_capacity(9, now=now)

    # then
    assert spin.capacity == 9
    assert spin.is_full()
    assert event_names(spin) == ["ClassCapacityChanged"]


def test_lowering_the_capacity_below_the_number_booked_is_refused(now):
    # given
    spin = make_class(now, capacity=10, booked=9)

    # when/then
    with pytest.raises(CapacityBelowBookingsException) as refused:
        spin.change_capacity(8, now=now)
    assert str(refused.value) == "The capacity cannot go below 9: 9 members are booked."
    assert "9 members are booked" in str(refused.value)
    assert spin.capacity == 10
    assert spin.get_domain_events() == []


@pytest.mark.parametrize("new_capacity", [0, -1, 2.5, 1001, 3_000_000_000])
def test_the_capacity_must_be_a_positive_whole_number(now, new_capacity):
    spin = make_class(now, capacity=10)

    with pytest.raises(InvalidClassException):
        spin.change_capacity(new_capacity, now=now)
    assert spin.capacity == 10


def test_setting_the_same_capacity_records_nothing(now):
    spin = make_class(now, capacity=10, booked=4)

    spin.change_capacity(10, now=now)

    assert spin.capacity == 10
    assert spin.get_domain_events() == []


def test_cancelling_a_class_releases_its_bookings_without_freeing_spots(now):
    # given
    spin = make_class(now, capacity=10, booked=4)

    # when
    spin.cancel("  Instructor ill ", now=now)

    # then
    assert spin.is_cancelled
    assert spin.cancelled_at == now
    assert spin.cancellation_reason == "Instructor ill"
    assert spin.booked_member_ids == frozenset()
    [event] = spin.get_domain_events()
    assert isinstance(event, ClassCancelled)
    assert (event.class_id, event.reason, event.occurred_at) == ("C001", "Instructor ill", now)


def test_a_class_cannot_be_cancelled_without_a_reason(now):
    spin = make_class(now, booked=1)

    with pytest.raises(InvalidClassException, match="Say why"):
        spin.cancel("   ", now=now)
    assert not spin.is_cancelled
    assert spin.spots_taken == 1


def test_a_cancelled_class_takes_no_more_changes(now):
    # given
    spin = make_class(now, booked=1)
    spin.cancel("Instructor ill", now=now)
    spin.clear_domain_events()

    # when/then
    with pytest.raises(ClassCancelledException):
        spin.add_booking("ANA", now=now)
    with pytest.raises(ClassCancelledException):
        spin.cancel("Again", now=now)
    with pytest.raises(ClassCancelledException):
        spin.change_capacity(12, now=now)
    assert spin.cancellation_reason == "Instructor ill"
    assert spin.get_domain_events() == []


def test_classes_overlap_when_they_share_a_moment_but_not_when_they_only_touch(now):
    # given: Spin 18:00-19:00
    spin = make_class(now)
    start = spin.starts_at

    # then
    assert spin.overlaps(start + timedelta(minutes=30), start + timedelta(minutes=90))
    assert spin.overlaps(start - timedelta(minutes=30), start + timedelta(minutes=1))
    assert spin.overlaps(start + timedelta(minutes=10), start + timedelta(minutes=20))
    assert not spin.overlaps(start + timedelta(hours=1), start + timedelta(hours=2))
    assert not spin.overlaps(start - timedelta(hours=1), start)


def test_promotions_stop_at_the_cut_off_before_the_start(now):
    spin = make_class(now, starts_in=timedelta(hours=2))
    cutoff = timedelta(hours=1)

    assert spin.accepts_promotions(spin.starts_at - timedelta(minutes=61), cutoff)
    assert not spin.accepts_promotions(spin.starts_at - timedelta(minutes=60), cutoff)
    assert not spin.accepts_promotions(spin.starts_at - timedelta(minutes=30), cutoff)
    assert spin.accepts_promotions(spin.starts_at - timedelta(seconds=1), timedelta(0))
    assert not spin.accepts_promotions(spin.starts_at, timedelta(0))


def test_a_cancelled_class_accepts_no_promotions(now):
    spin = make_class(now)
    spin.cancel("Instructor ill", now=now)

    assert not spin.accepts_promotions(now, timedelta(0))
