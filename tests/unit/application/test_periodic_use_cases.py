"""The use cases behind the periodic commands, driven as the commands drive them: find what is
due with the repository's query, run the use case once per item — and a second sweep finds
nothing left to do.

Settling classes, recording expired credits, reminding members, and the waitlist sweep."""

from datetime import timedelta

import pytest

from application.ports import NoticeKind
from domain.entities import BookingStatus
from domain.events import (
    AttendanceRecorded,
    CreditsExpired,
    MemberBookingsPaused,
    MemberPromotedFromWaitlist,
    MemberRemindedOfClass,
)
from domain.values import BookingPolicy
from tests.fakes import FakeGym

SETTLE_AFTER = timedelta(hours=1)
REMIND_BEFORE = timedelta(hours=24)


def status_of(gym: FakeGym, booking) -> BookingStatus:
    return gym.bookings.get_by_id(booking.id).status


def book(gym: FakeGym, fitness_class, *names: str):
    return [
        gym.book_class.execute(gym.add_member(name, credits=1).id, fitness_class.id)
        for name in names
    ]


# --- Settling classes -------------------------------------------------------------------------


def settle_sweep(gym: FakeGym, *, unmarked_attended: bool) -> dict[str, int]:
    """What `close_classes` does: every class due, settled in its own transaction."""
    settle = gym.settle_class
    due = gym.bookings.class_ids_to_settle(gym.clock.now() - SETTLE_AFTER)
    return {
        class_id: settle.execute(class_id, unmarked_attended=unmarked_attended) for class_id in due
    }


def test_settling_records_the_default_outcome_for_every_unmarked_booking(gym):
    # given Spin with 3 bookings ended over an hour ago; nobody marked attendance
    spin = gym.add_class("Spin", starts_in=timedelta(hours=2))
    bookings = book(gym, spin, "Ana", "Ben", "Cara")
    gym.clock.advance(hours=4, seconds=1)
    gym.clear_history()

    # when
    settled = settle_sweep(gym, unmarked_attended=True)

    # then
    assert settled == {spin.id: 3}
    assert {status_of(gym, b) for b in bookings} == {BookingStatus.ATTENDED}
    recorded = gym.events_of(AttendanceRecorded)
    assert sorted(e.booking_id for e in recorded) == sorted(b.id for b in bookings)
    assert all(e.attended for e in recorded)
    assert gym.events == recorded
    assert gym.notifications.sent == []


def test_settling_as_no_shows_counts_towards_the_no_show_pause(now):
    # given one no-show pauses booking; Spin ended unmarked
    gym = FakeGym(now=now, policy=BookingPolicy(no_show_limit=1))
    spin = gym.add_class("Spin", starts_in=timedelta(hours=2))
    [ana] = book(gym, spin, "Ana")
    gym.clock.advance(hours=5)

    # when unmarked bookings are settled as no-shows
    settle_sweep(gym, unmarked_attended=False)

    # then
    assert status_of(gym, ana) is BookingStatus.NO_SHOW
    [paused] = gym.events_of(MemberBookingsPaused)
    assert paused.member_id == ana.member_id
    assert not gym.members.get_by_id(ana.member_id).may_book(gym.clock.now())


def test_settling_leaves_the_front_desks_marks_and_cancellations_alone(gym):
    # given Ana was marked a no-show, Ben attended, Cara cancelled, Dev is unmarked
    spin = gym.add_class("Spin", starts_in=timedelta(days=1))
    ana, ben, cara, dev = book(gym, spin, "Ana", "Ben", "Cara", "Dev")
    gym.cancel_booking.execute(cara.id)
    gym.clock.advance(days=1, minutes=10)
    record = gym.record_attendance
    record.execute([ana.id], attended=False)
    record.execute([ben.id], attended=True)
    gym.clock.advance(hours=3)
    gym.clear_history()

    # when
    settled = settle_sweep(gym, unmarked_attended=True)

    # then only Dev is settled
    assert settled == {spin.id: 1}
    assert [status_of(gym, b) for b in (ana, ben, cara, dev)] == [
        BookingStatus.NO_SHOW,
        BookingStatus.ATTENDED,
        BookingStatus.CANCELLED,
        BookingStatus.ATTENDED,
    ]
    [recorded] = gym.events_of(AttendanceRecorded)
    assert recorded.booking_id == dev.id


def test_a_second_settling_run_settles_nothing(gym):
    spin = gym.add_class("Spin", starts_in=timedelta(hours=2))
    book(gym, spin, "Ana", "Ben")
    gym.clock.advance(hours=5)
    settle_sweep(gym, unmarked_attended=True)
    gym.clear_history()

    assert settle_sweep(gym, unmarked_attended=True) == {}
    # and settling the class directly again changes nothing either
    assert gym.settle_class.execute(spin.id, unmarked_attended=False) == 0
    assert gym.events == []


def test_a_class_is_not_settled_before_its_grace_period_is_over(gym):
    spin = gym.add_class("Spin", starts_in=timedelta(hours=2))  # ends in 3 hours
    [ana] = book(gym, spin, "Ana")
    gym.clock.advance(hours=4)  # ended an hour ago: the front desk may still mark it

    assert settle_sweep(gym, unmarked_attended=True) == {}
    assert status_of(gym, ana) is BookingStatus.CONFIRMED

    gym.clock.advance(seconds=1)
    assert settle_sweep(gym, unmarked_attended=True) == {spin.id: 1}


def test_a_class_still_running_is_not_settled_even_when_asked_directly(gym):
    # given Spin has started but not ended
    spin = gym.add_class("Spin", starts_in=timedelta(hours=2))
    [booking] = book(gym, spin, "Ana")
    gym.clock.advance(hours=2, minutes=30)

    # when
    settled = gym.settle_class.execute(spin.id, unmarked_attended=False)

    # then
    assert settled == 0
    assert status_of(gym, booking) is BookingStatus.CONFIRMED


def test_a_cancelled_class_has_nothing_to_settle(gym):
    spin = gym.add_class("Spin", starts_in=timedelta(days=1))
    book(gym, spin, "Ana")
    gym.cancel_class.execute(spin.id, "Instructor ill")
    gym.clock.advance(days=2)

    assert settle_sweep(gym, unmarked_attended=True) == {}


# --- Expired credits --------------------------------------------------------------------------


def expire_sweep(gym: FakeGym) -> dict[str, int]:
    """What `expire_credits` does: every member due, in their own transaction."""
    expire = gym.expire_credits
    due = gym.members.ids_with_unrecorded_expired_credits(gym.clock.now())
    return {member_id: expire.execute(member_id) for member_id in due}


def test_an_expired_grant_is_recorded_once_with_the_credit_left_in_it(gym):
    # given Ana's grant of 3 credits, one spent, expires in 10 days
    ana = gym.add_member("Ana", credits=0)
    grant = gym.add_credits.execute(ana.id, 3, expiry_days=10)
    gym.book_class.execute(ana.id, gym.add_class("Spin").id)
    gym.clock.advance(days=10)
    gym.clear_history()

    # when
    recorded = expire_sweep(gym)

    # then
    assert recorded == {ana.id: 1}
    [expired] = gym.events
    assert isinstance(expired, CreditsExpired)
    assert (expired.member_id, expired.grant_id, expired.amount) == (ana.id, grant.grant_id, 2)
    assert expired.occurred_at == gym.clock.now()
    [stored] = gym.members.get_by_id(ana.id).grants
    assert stored.expiry_recorded
    assert stored.remaining == 2  # the ledger keeps what was lost
    assert gym.credits(ana) == 0


def test_every_expired_grant_is_recorded_and_spent_or_unexpired_ones_are_not(gym):
    # given Ana holds: 2 credits expiring in 5 days, 1 in 7 days, 1 spent, 4 in 60 days
    ana = gym.add_member("Ana", credits=0)
    soon = gym.add_credits.execute(ana.id, 2, expiry_days=5)
    week = gym.add_credits.execute(ana.id, 1, expiry_days=7)
    spent = gym.add_credits.execute(ana.id, 1, expiry_days=1)
    gym.add_credits.execute(ana.id, 4, expiry_days=60)
    gym.book_class.execute(ana.id, gym.add_class("Spin").id)  # spends the one expiring first
    ben = gym.add_member("Ben", credits=3, expiring_in_days=60)
    gym.clock.advance(days=8)
    gym.clear_history()

    # when
    recorded = expire_sweep(gym)

    # then
    assert recorded == {ana.id: 2}
    expired = {(e.grant_id, e.amount) for e in gym.events_of(CreditsExpired)}
    assert expired == {(soon.grant_id, 2), (week.grant_id, 1)}
    assert spent.grant_id not in {e.grant_id for e in gym.events_of(CreditsExpired)}
    assert ben.id not in recorded
    assert gym.credits(ana) == 4


def test_a_second_expiry_run_records_nothing(gym):
    ana = gym.add_member("Ana", credits=2, expiring_in_days=3)
    gym.clock.advance(days=3)
    expire_sweep(gym)
    gym.clear_history()

    assert expire_sweep(gym) == {}
    assert gym.expire_credits.execute(ana.id) == 0
    assert gym.events == []


def test_a_grant_expiring_later_is_recorded_by_a_later_run(gym):
    ana = gym.add_member("Ana", credits=0)
    first = gym.add_credits.execute(ana.id, 1, expiry_days=3)
    second = gym.add_credits.execute(ana.id, 1, expiry_days=9)
    gym.clock.advance(days=4)
    expire_sweep(gym)
    gym.clock.advance(days=5)

    expire_sweep(gym)

    assert [e.grant_id for e in gym.events_of(CreditsExpired)] == [
        first.grant_id,
        second.grant_id,
    ]


# --- Reminders ------------------------------------------------------------------------------


def remind_sweep(gym: FakeGym) -> dict[str, bool]:
    """What `send_reminders` does: every booking due, in its own transaction."""
    remind = gym.remind_member
    now = gym.clock.now()
    due = gym.bookings.ids_due_for_reminder(now, REMIND_BEFORE)
    return {booking_id: remind.execute(booking_id) for booking_id in due}


def test_a_booked_member_is_reminded_once(gym):
    # given Ana is booked on Spin starting in 20 hours
    spin = gym.add_class("Spin", starts_in=timedelta(hours=20))
    [ana] = book(gym, spin, "Ana")
    gym.clear_history()

    # when the sweep runs twice
    first = remind_sweep(gym)
    gym.clock.advance(minutes=5)
    second = remind_sweep(gym)

    # then she is reminded once
    assert first == {ana.id: True}
    assert second == {}
    [reminded] = gym.events
    assert isinstance(reminded, MemberRemindedOfClass)
    assert (reminded.booking_id, reminded.member_id, reminded.class_id) == (
        ana.id,
        ana.member_id,
        spin.id,
    )
    assert gym.bookings.get_by_id(ana.id).reminded_at == gym.clock.now() - timedelta(minutes=5)
    assert [n.kind for n in gym.notifications.notices_to(ana.member_id)] == [
        NoticeKind.CLASS_REMINDER
    ]
    # and reminding the booking directly again is refused without an error
    assert gym.remind_member.execute(ana.id) is False
    assert len(gym.events) == 1


def test_only_classes_starting_within_the_reminder_time_are_reminded(gym):
    soon = gym.add_class("Soon", starts_in=timedelta(hours=23, minutes=59))
    later = gym.add_class("Later", starts_in=timedelta(hours=24))
    [ana] = book(gym, soon, "Ana")
    [ben] = book(gym, later, "Ben")

    assert remind_sweep(gym) == {ana.id: True}

    gym.clock.advance(hours=1)
    assert remind_sweep(gym) == {ben.id: True}


def test_a_cancelled_booking_is_not_reminded(gym):
    spin = gym.add_class("Spin", starts_in=timedelta(hours=20))
    [ana, ben] = book(gym, spin, "Ana", "Ben")
    gym.cancel_booking.execute(ana.id)
    gym.clear_history()

    assert remind_sweep(gym) == {ben.id: True}
    assert gym.remind_member.execute(ana.id) is False
    assert gym.notifications.notices_to(ana.member_id) == []
    assert gym.bookings.get_by_id(ana.id).reminded_at is None


def test_bookings_of_a_cancelled_class_are_not_reminded(gym):
    spin = gym.add_class("Spin", starts_in=timedelta(hours=20))
    [ana] = book(gym, spin, "Ana")
    gym.cancel_class.execute(spin.id, "Instructor ill")
    gym.clear_history()

    assert remind_sweep(gym) == {}
    assert gym.remind_member.execute(ana.id) is False
    assert gym.events == []
    assert gym.notifications.sent == []


def test_a_class_that_has_started_is_not_reminded(gym):
    spin = gym.add_class("Spin", starts_in=timedelta(hours=2))
    book(gym, spin, "Ana")
    gym.clock.advance(hours=2, seconds=1)

    assert remind_sweep(gym) == {}


# --- The promotion sweep --------------------------------------------------------------------


def promote_sweep(gym: FakeGym) -> dict[str, int]:
    """What `promote_waitlists` does: every class with room and somebody waiting."""
    due = gym.waitlist.class_ids_with_room_and_waiting(gym.clock.now())
    return {class_id: len(gym.promote_waitlist.promote(class_id)) for class_id in due}


@pytest.fixture
def spot_left_free(gym):
    """Spin has a free spot that nobody could take: Ana waits but had no credit when it freed."""
    spin = gym.add_class("Spin", capacity=1, booked=1)
    ana = gym.add_member("Ana", credits=0)
    gym.queue_up(spin, ana)
    [booking] = gym.bookings.get_confirmed_by_class(spin.id)
    gym.cancel_booking.execute(booking.id)
    assert gym.booked(spin) == frozenset()
    assert gym.waiting(spin) == [ana.id]
    gym.clear_history()
    return spin, ana


def test_the_sweep_promotes_a_waiting_member_who_has_become_eligible(gym, spot_left_free):
    # given Ana has since bought credit (which promotes nobody by itself)
    spin, ana = spot_left_free
    gym.add_credits.execute(ana.id, 1)

    # when
    swept = promote_sweep(gym)

    # then
    assert swept == {spin.id: 1}
    assert gym.booked(spin) == {ana.id}
    assert gym.waiting(spin) == []
    [promoted] = gym.events_of(MemberPromotedFromWaitlist)
    assert (promoted.member_id, promoted.class_id) == (ana.id, spin.id)
    assert [n.kind for n in gym.notifications.notices_to(ana.id)] == [
        NoticeKind.PROMOTED_FROM_WAITLIST
    ]
    # and a second sweep finds nothing to do
    assert promote_sweep(gym) == {}


def test_the_sweep_leaves_an_ineligible_member_waiting(gym, spot_left_free):
    spin, ana = spot_left_free

    assert promote_sweep(gym) == {spin.id: 0}
    assert gym.waiting(spin) == [ana.id]
    assert gym.events == []


def test_the_sweep_skips_full_classes(gym):
    full = gym.add_class("Full", capacity=1, booked=1)
    gym.queue_up(full, gym.add_member("Ana", credits=1))

    assert promote_sweep(gym) == {}


def test_the_sweep_skips_a_class_that_has_started(gym, spot_left_free):
    spin, ana = spot_left_free
    gym.add_credits.execute(ana.id, 1)
    gym.clock.advance(days=1)  # Spin starts now

    assert promote_sweep(gym) == {}
    assert gym.promote_waitlist.promote(spin.id) == []
    assert gym.waiting(spin) == [ana.id]


def test_the_sweep_skips_a_cancelled_class(gym, spot_left_free):
    spin, ana = spot_left_free
    gym.add_credits.execute(ana.id, 1)
    gym.cancel_class.execute(spin.id, "Flooded studio")

    assert promote_sweep(gym) == {}
    assert gym.booked(spin) == frozenset()
