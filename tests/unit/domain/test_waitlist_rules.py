from datetime import timedelta

import pytest

from domain.entities import BookingStatus, FitnessClass, Waitlist, WaitlistEntry
from domain.events import MemberJoinedWaitlist, MemberLeftWaitlist, MemberPromotedFromWaitlist
from domain.exceptions import (
    AlreadyBookedException,
    AlreadyOnWaitlistException,
    ClassAlreadyStartedException,
    ClassCancelledException,
    WaitlistEntryNotFoundException,
    WaitlistNotNeededException,
)
from domain.values import WaitlistExitReason


@pytest.fixture
def full_spin(now):
    return FitnessClass(
        "C001",
        "Spin",
        2,
        starts_at=now + timedelta(days=1),
        booked_member_ids=["ANA", "DAN"],
    )


def test_members_join_a_full_class_in_order(full_spin, now):
    # given
    waitlist = Waitlist(full_spin, [])

    # when
    ben = waitlist.join("BEN", now=now)
    cara = waitlist.join("CARA", now=now + timedelta(seconds=1))

    # then
    assert waitlist.position_of("BEN") == 1
    assert waitlist.position_of("CARA") == 2
    assert [entry.member_id for entry in waitlist.entries] == ["BEN", "CARA"]
    [joined] = ben.get_domain_events()
    assert isinstance(joined, MemberJoinedWaitlist)
    assert (joined.waitlist_entry_id, joined.member_id, joined.class_id, joined.position) == (
        ben.id,
        "BEN",
        "C001",
        1,
    )
    assert cara.get_domain_events()[0].position == 2
    assert cara.created_at == now + timedelta(seconds=1)


def test_a_class_with_free_spots_has_no_waitlist(now):
    # given
    spin = FitnessClass("C001", "Spin", 2, starts_at=now + timedelta(days=1))
    waitlist = Waitlist(spin, [])

    # when/then
    with pytest.raises(WaitlistNotNeededException, match="book instead"):
        waitlist.join("BEN", now=now)
    assert waitlist.entries == ()


def test_a_booked_member_cannot_join_the_waitlist(full_spin, now):
    waitlist = Waitlist(full_spin, [])

    with pytest.raises(AlreadyBookedException):
        waitlist.join("ANA", now=now)
    assert waitlist.position_of("ANA") is None


def test_a_waiting_member_cannot_join_again(full_spin, now):
    waitlist = Waitlist(full_spin, [])
    waitlist.join("BEN", now=now)

    with pytest.raises(AlreadyOnWaitlistException):
        waitlist.join("BEN", now=now)
    assert len(waitlist.entries) == 1


def test_leaving_moves_everyone_behind_up_one_place(full_spin, now):
    # given
    waitlist = Waitlist(full_spin, [])
    for seconds, member_id in enumerate(["BEN", "CARA", "EVE"]):
        waitlist.join(member_id, now=now + timedelta(seconds=seconds))

    # when
    entry = waitlist.leave("BEN", now=now)

    # then
    assert (waitlist.position_of("BEN"), waitlist.position_of("CARA")) == (None, 1)
    assert waitlist.position_of("EVE") == 2
    left = entry.get_domain_events()[-1]
    assert isinstance(left, MemberLeftWaitlist)
    assert (left.member_id, left.class_id, left.reason) == ("BEN", "C001", "left the waitlist")


def test_leaving_records_the_reason_given(full_spin, now):
    waitlist = Waitlist(full_spin, [WaitlistEntry("W1", "BEN", "C001", now)])

    entry = waitlist.leave("BEN", now=now, reason=WaitlistExitReason.BOOKED)

    [left] = entry.get_domain_events()
    assert left.reason == "booked the class directly"
    assert left.waitlist_entry_id == "W1"


def test_a_member_who_is_not_waiting_cannot_leave(full_spin, now):
    waitlist = Waitlist(full_spin, [WaitlistEntry("W1", "BEN", "C001", now)])

    with pytest.raises(WaitlistEntryNotFoundException):
        waitlist.leave("CARA", now=now)
    assert waitlist.position_of("BEN") == 1


def test_the_queue_is_ordered_by_joining_time_then_id(full_spin, now):
    # given: loaded in any order
    entries = [
        WaitlistEntry("W3", "EVE", "C001", now + timedelta(minutes=1)),
        WaitlistEntry("W2", "CARA", "C001", now),
        WaitlistEntry("W1", "BEN", "C001", now),
    ]

    # when
    waitlist = Waitlist(full_spin, entries)

    # then
    assert [entry.id for entry in waitlist.entries] == ["W1", "W2", "W3"]


def test_a_started_class_refuses_waitlist_changes(full_spin, now):
    waitlist = Waitlist(full_spin, [WaitlistEntry("W1", "BEN", "C001", now)])
    started = full_spin.starts_at + timedelta(minutes=5)

    with pytest.raises(ClassAlreadyStartedException):
        waitlist.join("CARA", now=started)
    with pytest.raises(ClassAlreadyStartedException):
        waitlist.leave("BEN", now=started)
    assert [entry.member_id for entry in waitlist.entries] == ["BEN"]


def test_a_cancelled_class_refuses_new_waiting_members(full_spin, now):
    full_spin.cancel("Instructor ill", now=now)
    waitlist = Waitlist(full_spin, [])

    with pytest.raises(ClassCancelledException):
        waitlist.join("BEN", now=now)


def test_a_promoted_entry_becomes_a_confirmed_booking(now):
    # given
    entry = WaitlistEntry("W1", "BEN", "C001", now - timedelta(hours=1))

    # when
    booking = entry.promote(now=now, credit_grant_id="G001")

    # then
    assert booking.status is BookingStatus.CONFIRMED
    assert (booking.member_id, booking.class_id) == ("BEN", "C001")
    assert (booking.created_at, booking.credit_grant_id) == (now, "G001")
    assert booking.get_domain_events() == []
    [promoted] = entry.get_domain_events()
    assert isinstance(promoted, MemberPromotedFromWaitlist)
    assert (promoted.member_id, promoted.class_id) == ("BEN", "C001")
    assert (promoted.booking_id, promoted.waitlist_entry_id) == (booking.id, "W1")
    assert promoted.occurred_at == now
