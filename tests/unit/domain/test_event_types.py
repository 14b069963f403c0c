import dataclasses
from datetime import UTC, datetime

import pytest

from domain.events import (
    BookingCancelled,
    ClassCancelled,
    ClassSpotBecameAvailable,
    DomainEvent,
    MemberPromotedFromWaitlist,
)


def test_booking_cancelled_is_built_as_the_book_writes_it():
    # when
    event = BookingCancelled(booking_id="B001", member_id="M001", class_id="C001")

    # then
    assert (event.booking_id, event.member_id, event.class_id) == ("B001", "M001", "C001")
    assert event.reason is None
    assert (event.late, event.refunded, event.by_staff, event.with_class) == (
        False,
        True,
        False,
        False,
    )
    assert isinstance(event, DomainEvent)


def test_an_event_fills_in_its_id_and_time():
    # when
    before = datetime.now(UTC)
    first = ClassSpotBecameAvailable(class_id="C001")
    second = ClassSpotBecameAvailable(class_id="C001")
    after = datetime.now(UTC)

    # then
    assert first.event_id and second.event_id
    assert first.event_id != second.event_id
    assert first.occurred_at.tzinfo is not None
    assert before <= first.occurred_at <= after


def test_an_event_keeps_the_id_and_time_it_is_given():
    moment = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)

    event = ClassCancelled(class_id="C001", reason="Flood", event_id="E1", occurred_at=moment)

    assert (event.event_id, event.occurred_at) == ("E1", moment)


def test_events_are_frozen():
    event = BookingCancelled(booking_id="B001", member_id="M001", class_id="C001")

    with pytest.raises(dataclasses.FrozenInstanceError):
        event.reason = "changed my mind"
    assert event.reason is None


def test_events_take_keyword_arguments_only():
    with pytest.raises(TypeError):
        BookingCancelled("B001", "M001", "C001")


def test_an_events_own_fields_are_required():
    with pytest.raises(TypeError):
        BookingCancelled(booking_id="B001")
    with pytest.raises(TypeError):
        MemberPromotedFromWaitlist(member_id="M001", class_id="C001", booking_id="B001")
