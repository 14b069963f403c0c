"""Staff changing the schedule one class at a time: adding a class, moving it, changing what
describes it and deleting one added by mistake — each decided by the class under its lock,
each recorded as an event, and a refusal leaving everything as it was."""

from datetime import timedelta

import pytest

from domain.entities import MAX_CAPACITY
from domain.events import (
    ClassDeleted,
    ClassDetailsChanged,
    ClassRescheduled,
    ClassScheduled,
)
from domain.exceptions import (
    ClassAlreadyStartedException,
    ClassHasMembersException,
    ClassNotFoundException,
    InvalidClassException,
)
from tests.fakes import FakeGym

HOUR = timedelta(hours=1)


def test_staff_adding_a_class_schedules_it_with_an_event(gym: FakeGym):
    starts = gym.clock.now() + timedelta(days=2)

    yoga = gym.schedule_class.execute(
        "Yoga", 12, starts_at=starts, ends_at=starts + HOUR, instructor="Lena", location="Studio 2"
    )

    stored = gym.classes.get_by_id(yoga.id)
    assert (stored.name, stored.capacity, stored.starts_at, stored.duration) == (
        "Yoga",
        12,
        starts,
        HOUR,
    )
    assert (stored.instructor, stored.location) == ("Lena", "Studio 2")
    [scheduled] = gym.events
    assert isinstance(scheduled, ClassScheduled)
    assert (scheduled.class_id, scheduled.series_id, scheduled.starts_at) == (yoga.id, None, starts)


@pytest.mark.parametrize("capacity", [0, MAX_CAPACITY + 1, 5000])
def test_a_class_cannot_be_added_with_a_capacity_outside_the_limits(gym: FakeGym, capacity):
    starts = gym.clock.now() + timedelta(days=2)

    with pytest.raises(InvalidClassException) as refused:
        gym.schedule_class.execute("Yoga", capacity, starts_at=starts, ends_at=starts + HOUR)

    assert str(refused.value) == "The capacity must be a whole number from 1 to 1000."
    assert gym.classes.all() == []
    assert gym.events == []


# --- Moving a class -----------------------------------------------------------------------------


def test_a_class_nobody_booked_moves_with_an_event(gym: FakeGym):
    spin = gym.add_class(starts_in=timedelta(days=1))
    later = spin.starts_at + timedelta(days=1, hours=2)

    gym.reschedule_class.execute(spin.id, later, later + 2 * HOUR)

    stored = gym.classes.get_by_id(spin.id)
    assert (stored.starts_at, stored.duration) == (later, 2 * HOUR)
    [moved] = gym.events
    assert isinstance(moved, ClassRescheduled)
    assert (moved.old_starts_at, moved.old_ends_at) == (spin.starts_at, spin.ends_at)
    assert (moved.starts_at, moved.ends_at) == (later, later + 2 * HOUR)


def test_saving_the_same_time_again_moves_nothing_and_records_nothing(gym: FakeGym):
    spin = gym.add_class()

    gym.reschedule_class.execute(spin.id, spin.starts_at, spin.ends_at)

    assert gym.events == []


def test_a_class_a_member_holds_a_spot_in_keeps_its_time(gym: FakeGym):
    # given Ana is booked on Spin
    spin = gym.add_class(booked=1)
    later = spin.starts_at + timedelta(days=1)

    # when staff try to move it
    with pytest.raises(ClassHasMembersException) as refused:
        gym.reschedule_class.execute(spin.id, later, later + HOUR)

    # then it stays, and the message says what to do instead
    assert "Cancel this class" in str(refused.value)
    assert gym.classes.get_by_id(spin.id).starts_at == spin.starts_at
    assert gym.events == []


def nobody_booked_but_ben_waits(gym: FakeGym):
    """Spin was full; Ben (no credit to be promoted with) waits; the booking was cancelled."""
    spin = gym.add_class(capacity=1, booked=1)
    ben = gym.add_member("Ben", credits=0)
    gym.queue_up(spin, ben)
    [booking] = [b for b in gym.bookings.all() if b.class_id == spin.id]
    gym.staff_cancel_booking.execute(booking.id)
    assert gym.booked(spin) == frozenset()
    assert gym.waiting(spin) == [ben.id]
    gym.clear_history()
    return spin, ben


def test_a_class_members_wait_for_keeps_its_time(gym: FakeGym):
    spin, _ = nobody_booked_but_ben_waits(gym)
    later = spin.starts_at + timedelta(days=1)

    with pytest.raises(ClassHasMembersException):
        gym.reschedule_class.execute(spin.id, later, later + HOUR)

    assert gym.classes.get_by_id(spin.id).starts_at == spin.starts_at


def test_a_class_cannot_be_moved_into_the_past(gym: FakeGym):
    spin = gym.add_class()
    earlier = gym.clock.now() - HOUR

    with pytest.raises(InvalidClassException) as refused:
        gym.reschedule_class.execute(spin.id, earlier, earlier + HOUR)

    assert str(refused.value) == "A class cannot be moved into the past."
    assert gym.classes.get_by_id(spin.id).starts_at == spin.starts_at


def test_a_class_that_has_started_cannot_be_moved(gym: FakeGym):
    spin = gym.add_class(starts_in=HOUR)
    gym.clock.advance(hours=1, minutes=5)
    later = gym.clock.now() + timedelta(days=1)

    with pytest.raises(ClassAlreadyStartedException):
        gym.reschedule_class.execute(spin.id, later, later + HOUR)


def test_an_unknown_class_is_not_found(gym: FakeGym):
    with pytest.raises(ClassNotFoundException):
        gym.reschedule_class.execute("nope", gym.clock.now(), gym.clock.now() + HOUR)


# --- Its details --------------------------------------------------------------------------------


def test_renaming_and_relocating_a_booked_class_keeps_its_bookings_and_records_what_changed(
    gym: FakeGym,
):
    spin = gym.add_class(booked=2)

    changed = gym.change_class_details.execute(
        spin.id, name="Spin 45", instructor="Marco", location="Studio 1", description=""
    )

    stored = gym.classes.get_by_id(spin.id)
    assert (stored.name, stored.instructor) == ("Spin 45", "Marco")
    assert len(stored.booked_member_ids) == 2
    assert changed == ("name", "instructor", "location")
    [event] = gym.events
    assert isinstance(event, ClassDetailsChanged)
    assert (event.changed, event.name, event.instructor, event.location) == (
        "name, instructor, location",
        "Spin 45",
        "Marco",
        "Studio 1",
    )


def test_a_class_cannot_lose_its_name(gym: FakeGym):
    spin = gym.add_class()

    with pytest.raises(InvalidClassException):
        gym.change_class_details.execute(spin.id, name="  ")

    assert gym.classes.get_by_id(spin.id).name == "Spin"


# --- Deleting a class -----------------------------------------------------------------------------


def test_a_class_added_by_mistake_is_deleted_with_an_event(gym: FakeGym):
    spin = gym.add_class()

    gym.delete_class.execute(spin.id)

    with pytest.raises(ClassNotFoundException):
        gym.classes.get_by_id(spin.id)
    [deleted] = gym.events
    assert isinstance(deleted, ClassDeleted)
    assert (deleted.class_id, deleted.name, deleted.starts_at, deleted.series_id) == (
        spin.id,
        "Spin",
        spin.starts_at,
        None,
    )


def test_a_class_members_hold_spots_in_is_not_deleted_and_points_to_cancelling(gym: FakeGym):
    spin = gym.add_class(booked=1)

    with pytest.raises(ClassHasMembersException) as refused:
        gym.delete_class.execute(spin.id)

    assert "Cancel this class" in str(refused.value)
    assert gym.classes.get_by_id(spin.id).booked_member_ids
    assert gym.events == []


def test_a_class_members_wait_for_is_not_deleted(gym: FakeGym):
    spin, ben = nobody_booked_but_ben_waits(gym)

    with pytest.raises(ClassHasMembersException) as refused:
        gym.delete_class.execute(spin.id)

    assert "waiting for it" in str(refused.value)
    assert gym.waiting(spin) == [ben.id]


def test_a_class_with_only_cancelled_bookings_is_kept_as_their_history(gym: FakeGym):
    spin = gym.add_class()
    ana = gym.add_member("Ana", credits=1)
    booking = gym.book_class.execute(ana.id, spin.id)
    gym.cancel_booking.execute(booking.id)
    gym.clear_history()

    with pytest.raises(ClassHasMembersException) as refused:
        gym.delete_class.execute(spin.id)

    assert "booked this class before" in str(refused.value)
    assert gym.classes.get_by_id(spin.id)


def test_asking_whether_a_class_may_be_deleted_changes_nothing(gym: FakeGym):
    spin = gym.add_class()

    gym.delete_class.ensure_deletable(spin.id)

    assert gym.classes.get_by_id(spin.id)
    assert gym.events == []
