"""A waiting member passed over by a promotion is told why, and what would make her eligible:
once per class and reason, not on every promotion run."""

from datetime import timedelta

from application.ports import NoticeKind
from domain.events import MemberSkippedOnWaitlist


def spot_freed_with_ben_first_without_credit(gym):
    """Spin (1 spot) tomorrow; Ben waits first with no credit, Cara next with one; the spot
    is freed."""
    ben, cara = gym.add_member("Ben", credits=0), gym.add_member("Cara", credits=1)
    spin = gym.add_class("Spin", capacity=1, booked=1, starts_in=timedelta(days=1))
    gym.queue_up(spin, ben, cara)
    gym.clear_history()
    [taken] = gym.bookings.get_confirmed_by_class(spin.id)
    gym.staff_cancel_booking.execute(taken.id, "Moved")
    return spin, ben, cara


def test_a_member_skipped_for_want_of_a_credit_is_told_so(gym):
    # when the spot goes to Cara past Ben
    spin, ben, cara = spot_freed_with_ben_first_without_credit(gym)

    # then Ben is told why, and keeps his place
    assert gym.booked(spin) == {gym.members.get_by_id(cara.id).id}
    [skipped] = gym.events_of(MemberSkippedOnWaitlist)
    assert (skipped.member_id, skipped.class_id, skipped.reason) == (ben.id, spin.id, "no_credit")
    [notice] = gym.notifications.notices_to(ben.id)
    assert notice.kind is NoticeKind.SKIPPED_ON_WAITLIST
    assert notice.reason == "a credit"
    assert gym.waiting(spin) == [ben.id]


def test_she_is_told_once_per_reason_not_on_every_promotion(gym):
    # given Ben was skipped once for want of a credit
    spin, ben, _ = spot_freed_with_ben_first_without_credit(gym)
    cara_booking = next(b for b in gym.bookings.get_confirmed_by_class(spin.id))

    # when another spot frees up (Cara cancels) and the promotion runs twice more
    gym.cancel_booking.execute(cara_booking.id)
    gym.promote_waitlist.promote(spin.id)

    # then he was told once
    assert len(gym.events_of(MemberSkippedOnWaitlist)) == 1
    assert len(gym.notifications.notices_to(ben.id)) == 1


def test_a_new_reason_is_told_again(gym):
    # given Ben was skipped for want of a credit, then got a credit but had booking paused
    spin, ben, _ = spot_freed_with_ben_first_without_credit(gym)
    gym.add_credits.execute(ben.id, 1)
    paused = gym.members.get_by_id(ben.id)
    now = gym.clock.now()
    paused.pause_bookings(until=now + timedelta(days=14), no_shows=3, now=now)
    gym.members.save(paused)
    cara_booking = next(b for b in gym.bookings.get_confirmed_by_class(spin.id))

    # when the spot frees up again
    gym.cancel_booking.execute(cara_booking.id)

    # then he is told the new reason
    assert [e.reason for e in gym.events_of(MemberSkippedOnWaitlist)] == [
        "no_credit",
        "paused",
    ]
