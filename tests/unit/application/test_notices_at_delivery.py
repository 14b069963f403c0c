"""A notice is checked against the booking and class when it is delivered: one that stopped
being true is not sent, and its delivery is recorded as superseded with the reason.

The in-memory gym delivers at once, so a late delivery is played by handing an event recorded
earlier to the notification handler again after the state has moved on.
"""

from datetime import timedelta

import pytest

from application.notices import STILL_TRUE, NoticeSuperseded
from application.ports import NoticeKind
from domain.events import (
    BookingCancelled,
    BookingConfirmed,
    MemberRemindedOfClass,
    MemberSkippedOnWaitlist,
)
from domain.values import BookingPolicy, LateCancellation
from tests.fakes import FakeGym

HANDLER = "NotificationHandler.member"


def deliver_again(gym, event) -> None:
    """Deliver `event` to the notification handler now, as a late or retried delivery would."""
    [subscription] = [s for s in gym.dispatcher.subscriptions_for(event) if s.name == HANDLER]
    gym.dispatcher.deliver(event, subscription)


def superseded(gym) -> list[tuple[str, str, str]]:
    """(event type, handler, reason) of every delivery found superseded."""
    return [(type(e).__name__, name, reason) for e, name, reason in gym.dispatcher.superseded]


def booked_spin(gym, starts_in=timedelta(days=1)):
    ana = gym.add_member("Ana", credits=2)
    spin = gym.add_class("Spin", starts_in=starts_in)
    booking = gym.book_class.execute(ana.id, spin.id, late_confirmed=True)
    [confirmed] = gym.events_of(BookingConfirmed)
    return ana, spin, booking, confirmed


def test_every_notice_kind_says_when_it_is_still_true():
    assert set(STILL_TRUE) == set(NoticeKind)


def test_youre_booked_delivered_after_the_booking_was_cancelled_is_not_sent(gym):
    # given Ana booked Spin, then cancelled before "You're booked" went out
    ana, _spin, booking, confirmed = booked_spin(gym)
    gym.cancel_booking.execute(booking.id)
    gym.clear_history()

    # when "You're booked" is delivered
    deliver_again(gym, confirmed)

    # then it is not sent: it is superseded, with the reason
    assert gym.notifications.notices_to(ana.id) == []
    assert superseded(gym) == [
        ("BookingConfirmed", HANDLER, "the booking has been cancelled since")
    ]


def test_a_reminder_for_a_class_cancelled_meanwhile_is_not_sent(gym):
    ana, spin, booking, _ = booked_spin(gym, starts_in=timedelta(hours=20))
    gym.remind_member.execute(booking.id)
    [reminded] = gym.events_of(MemberRemindedOfClass)
    gym.cancel_class.execute(spin.id, "Instructor ill")
    gym.clear_history()

    deliver_again(gym, reminded)

    assert gym.notifications.notices_to(ana.id) == []
    assert superseded(gym) == [
        ("MemberRemindedOfClass", HANDLER, "the class has been cancelled since")
    ]


def test_a_skipped_on_the_waitlist_notice_for_a_class_cancelled_meanwhile_is_not_sent(gym):
    # given Ben, first on Spin's waitlist without a credit, was passed over when Ana cancelled
    ana, ben = gym.add_member("Ana"), gym.add_member("Ben", credits=0)
    spin = gym.add_class("Spin", capacity=1)
    booking = gym.book_class.execute(ana.id, spin.id)
    gym.join_waitlist.execute(ben.id, spin.id)
    gym.cancel_booking.execute(booking.id)
    [skipped] = gym.events_of(MemberSkippedOnWaitlist)
    # and then the gym cancelled Spin before the notice went out
    gym.cancel_class.execute(spin.id, "Instructor ill")
    gym.clear_history()

    deliver_again(gym, skipped)

    assert gym.notifications.notices_to(ben.id) == []
    assert superseded(gym) == [
        ("MemberSkippedOnWaitlist", HANDLER, "the class has been cancelled since")
    ]


def test_a_reminder_delivered_after_the_class_started_is_not_sent(gym):
    ana, _spin, booking, _ = booked_spin(gym, starts_in=timedelta(hours=20))
    gym.remind_member.execute(booking.id)
    [reminded] = gym.events_of(MemberRemindedOfClass)
    gym.clock.advance(hours=21)
    gym.clear_history()

    deliver_again(gym, reminded)

    assert gym.notifications.notices_to(ana.id) == []
    assert [reason for *_, reason in superseded(gym)] == ["the class has started"]


def test_youre_booked_for_a_member_checked_in_already_is_not_sent(gym):
    ana, _spin, booking, confirmed = booked_spin(gym, starts_in=timedelta(minutes=30))
    gym.record_attendance.execute([booking.id], attended=True)
    gym.clear_history()

    deliver_again(gym, confirmed)

    assert gym.notifications.notices_to(ana.id) == []
    assert [reason for *_, reason in superseded(gym)] == ["the member has been checked in already"]


def test_a_notice_still_true_is_sent_when_delivered_late(gym):
    ana, _spin, _booking, confirmed = booked_spin(gym)
    gym.clear_history()

    deliver_again(gym, confirmed)

    [notice] = gym.notifications.notices_to(ana.id)
    assert notice.kind is NoticeKind.BOOKING_CONFIRMED
    assert gym.dispatcher.superseded == []


def test_a_late_cancellation_notice_is_superseded_once_the_forfeit_was_refunded(now):
    # given Ana cancelled Spin late (credit forfeited), and then the gym cancelled Spin
    gym = FakeGym(now=now, policy=BookingPolicy(late_cancellation=LateCancellation.FORFEIT))
    ana, spin, booking, _ = booked_spin(gym, starts_in=timedelta(hours=1))
    gym.cancel_booking.execute(booking.id)
    [late] = gym.events_of(BookingCancelled)
    gym.cancel_class.execute(spin.id, "Instructor ill")
    gym.clear_history()

    # when "not refunded" comes to be delivered
    deliver_again(gym, late)

    # then it is not sent (the class-cancelled notice says the credit came back)
    assert gym.notifications.notices_to(ana.id) == []
    assert [reason for *_, reason in superseded(gym)] == [
        "the forfeited credit has been refunded since: the gym cancelled the class"
    ]


def test_whether_a_cancellation_was_refunded_is_read_from_the_ledger(gym):
    # given a cancellation event that claims no refund, for a booking the ledger refunded
    ana, _spin, booking, _ = booked_spin(gym)
    gym.cancel_booking.execute(booking.id)
    [cancelled] = gym.events_of(BookingCancelled)
    gym.clear_history()
    claims_no_refund = BookingCancelled(
        booking_id=cancelled.booking_id,
        member_id=cancelled.member_id,
        class_id=cancelled.class_id,
        refunded=False,
    )

    deliver_again(gym, claims_no_refund)

    [notice] = gym.notifications.notices_to(ana.id)
    assert notice.refunded is True


def test_the_handler_raises_superseded_so_the_dispatcher_can_record_it(gym):
    _ana, _spin, booking, confirmed = booked_spin(gym)
    gym.cancel_booking.execute(booking.id)
    [subscription] = [s for s in gym.dispatcher.subscriptions_for(confirmed) if s.name == HANDLER]

    with pytest.raises(NoticeSuperseded, match="the booking has been cancelled since"):
        subscription.handler(confirmed)


def test_a_notice_about_a_booking_that_no_longer_exists_is_not_sent(gym):
    ana, spin, _booking, _ = booked_spin(gym)
    gym.clear_history()
    about_nothing = BookingConfirmed(booking_id="gone", member_id=ana.id, class_id=spin.id)

    deliver_again(gym, about_nothing)

    assert gym.notifications.notices_to(ana.id) == []
    assert [reason for *_, reason in superseded(gym)] == [
        "no longer there: That booking does not exist."
    ]
