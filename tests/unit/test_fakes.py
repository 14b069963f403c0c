"""The in-memory twins behave like the database they stand in for."""

from datetime import UTC, datetime, timedelta

import pytest

from domain.entities import Booking, Member, WaitlistEntry
from domain.events import (
    BookingCancelled,
    BookingConfirmed,
    ClassCancelled,
    ClassSpotBecameAvailable,
    DomainEvent,
)
from domain.exceptions import (
    AlreadyBookedException,
    AlreadyOnWaitlistException,
    BookingNotFoundException,
    ClassNotFoundException,
    MemberNotFoundException,
)
from tests.fakes import EVENT_TYPES, ConstraintViolation, FakeClock


def test_a_loaded_entity_does_not_change_storage_until_saved(gym):
    # given
    ana = gym.add_member("Ana", credits=1)
    loaded = gym.members.get_by_id(ana.id)

    # when
    loaded.deduct_credit(now=gym.clock.now())

    # then
    assert gym.credits(ana) == 1
    gym.members.save(loaded)
    assert gym.credits(ana) == 0


def test_recorded_events_are_not_stored(gym, now):
    member = Member("M001", "Ana", "ana@example.com")
    member.add_credits(1, now=now)

    gym.members.save(member)

    assert gym.members.get_by_id("M001").get_domain_events() == []
    assert len(member.get_domain_events()) == 1


def test_unknown_ids_raise_the_domains_not_found_exceptions(gym):
    with pytest.raises(MemberNotFoundException):
        gym.members.get_by_id("nope")
    with pytest.raises(ClassNotFoundException):
        gym.classes.get_by_id("nope")
    with pytest.raises(BookingNotFoundException):
        gym.bookings.get_by_id("nope")


def test_a_class_is_booked_by_the_members_with_confirmed_bookings(gym, now):
    # given
    spin = gym.add_class("Spin", capacity=5, booked=2)
    ana = gym.add_member("Ana")
    booking = Booking("B001", ana.id, spin.id, created_at=now)
    gym.bookings.save(booking)
    assert ana.id in gym.booked(spin)

    # when
    booking.cancel(spin.starts_at, now=now)
    gym.bookings.save(booking)

    # then
    assert ana.id not in gym.booked(spin)
    assert gym.classes.get_by_id(spin.id).spots_taken == 2


def test_a_second_active_booking_for_the_same_member_and_class_is_refused(gym, now):
    spin = gym.add_class("Spin")
    gym.bookings.save(Booking("B001", "M001", spin.id, created_at=now))

    with pytest.raises(AlreadyBookedException):
        gym.bookings.save(Booking("B002", "M001", spin.id, created_at=now))
    assert [b.id for b in gym.bookings.all()] == ["B001"]


def test_a_second_waitlist_entry_for_the_same_member_and_class_is_refused(gym, now):
    spin = gym.add_class("Spin")
    gym.waitlist.add(WaitlistEntry("W001", "M001", spin.id, now))

    with pytest.raises(AlreadyOnWaitlistException):
        gym.waitlist.add(WaitlistEntry("W002", "M001", spin.id, now))
    assert [e.id for e in gym.waitlist.get_by_class(spin.id)] == ["W001"]


def test_a_credit_grant_never_stores_a_negative_remainder(gym, now):
    ana = gym.add_member("Ana", credits=1)
    ana.grants[0].remaining = -1

    with pytest.raises(ConstraintViolation):
        gym.members.save(ana)
    assert gym.credits(ana) == 1


def test_transactions_undo_every_write_of_a_failed_block_only(gym):
    # given
    kept = gym.add_member("Kept")

    # when
    with pytest.raises(RuntimeError), gym.transactions.atomic():
        gym.add_member("Lost")
        raise RuntimeError("boom")
    with gym.transactions.atomic():
        gym.add_member("Committed")

    # then
    names = [member.name for member in gym.members.all()]
    assert sorted(names) == ["Committed", "Kept"]
    assert gym.members.get_by_id(kept.id).name == "Kept"


def test_the_clock_is_aware_stands_still_and_advances_on_request():
    clock = FakeClock(datetime(2030, 1, 1, 9, 0, tzinfo=UTC))

    clock.advance(hours=1, minutes=30)

    assert clock.now() == datetime(2030, 1, 1, 10, 30, tzinfo=UTC)
    assert clock.now() == clock.now()
    with pytest.raises(ValueError):
        FakeClock(datetime(2030, 1, 1))


def test_every_domain_event_type_is_recorded(gym):
    defined = {t for t in DomainEvent.__subclasses__() if t.__module__ == DomainEvent.__module__}
    assert set(EVENT_TYPES) == defined
    assert {BookingConfirmed, BookingCancelled, ClassSpotBecameAvailable} <= set(EVENT_TYPES)
    gym.dispatcher.dispatch([ClassCancelled(class_id="C001", reason="Flood")])
    assert [type(event) for event in gym.events] == [ClassCancelled]


def test_queued_members_wait_in_the_order_given(gym):
    spin = gym.add_class("Spin", capacity=1, booked=1)
    members = [gym.add_member(name) for name in ("Ben", "Cara", "Dan", "Eve")]
    start = gym.clock.now()

    gym.queue_up(spin, *members)

    assert gym.waiting(spin) == [member.id for member in members]
    assert gym.clock.now() == start + timedelta(seconds=4)
