"""Every refund is a grant linked to the booking it repaid, and a gym that cancels a class
refunds the credit a member forfeited by cancelling it late."""

from datetime import timedelta

import pytest

from application.ports import NoticeKind
from domain.entities import BookingStatus
from domain.events import BookingCancelled, LateCancellationRefunded
from domain.exceptions import BookingNotCancellableException
from domain.values import BookingPolicy, LateCancellation
from tests.fakes import FakeGym


@pytest.fixture
def forfeiting_gym(now):
    return FakeGym(now=now, policy=BookingPolicy(late_cancellation=LateCancellation.FORFEIT))


def late_cancelled_spin(gym):
    """Ana booked Spin, starting in an hour, and cancelled it late: her credit forfeited."""
    ana = gym.add_member("Ana", credits=1)
    spin = gym.add_class("Spin", starts_in=timedelta(hours=1))
    booking = gym.book_class.execute(ana.id, spin.id, late_confirmed=True)
    gym.cancel_booking.execute(booking.id)
    assert gym.credits(ana) == 0
    gym.clear_history()
    return ana, spin, booking


def test_a_members_refund_is_linked_to_the_booking_it_repaid(gym):
    ana = gym.add_member("Ana", credits=1)
    spin = gym.add_class("Spin")
    booking = gym.book_class.execute(ana.id, spin.id, late_confirmed=True)

    gym.cancel_booking.execute(booking.id)

    stored = gym.bookings.get_by_id(booking.id)
    refund = gym.members.get_by_id(ana.id).grants[-1]
    assert stored.refunded and stored.refund_grant_id == refund.grant_id
    assert refund.reason == "Refund: Spin"


def test_a_late_cancellation_under_forfeit_has_no_refund_in_the_ledger(forfeiting_gym):
    _ana, _spin, booking = late_cancelled_spin(forfeiting_gym)

    stored = forfeiting_gym.bookings.get_by_id(booking.id)
    assert stored.status is BookingStatus.LATE_CANCELLED
    assert not stored.refunded


def test_cancelling_the_class_refunds_a_late_cancellers_forfeited_credit(forfeiting_gym):
    # given Ana cancelled Spin late and forfeited her credit
    gym = forfeiting_gym
    ana, spin, booking = late_cancelled_spin(gym)

    # when the gym cancels Spin
    gym.cancel_class.execute(spin.id, "Instructor ill")

    # then her credit comes back, as a refund linked to that booking, and she is told
    assert gym.credits(ana) == 1
    stored = gym.bookings.get_by_id(booking.id)
    assert stored.status is BookingStatus.LATE_CANCELLED
    refund = gym.members.get_by_id(ana.id).grants[-1]
    assert stored.refund_grant_id == refund.grant_id
    [refunded] = gym.events_of(LateCancellationRefunded)
    assert (refunded.booking_id, refunded.refund_grant_id) == (booking.id, refund.grant_id)
    assert gym.events_of(BookingCancelled) == []
    [notice] = gym.notifications.notices_to(ana.id)
    assert notice.kind is NoticeKind.CLASS_CANCELLED
    assert (notice.refunded, notice.reason) == (True, "Instructor ill")


def test_a_member_who_cancelled_late_and_booked_again_gets_both_credits_back(forfeiting_gym):
    # given Ana cancelled Spin late, then booked it again with her second credit
    gym = forfeiting_gym
    ana, spin, late = late_cancelled_spin(gym)
    gym.add_credits.execute(ana.id, 1)
    again = gym.book_class.execute(ana.id, spin.id, late_confirmed=True)

    # when the gym cancels Spin
    gym.cancel_class.execute(spin.id, "Instructor ill")

    # then both bookings are repaid, each by a grant of its own
    assert gym.credits(ana) == 2
    refunds = {gym.bookings.get_by_id(b.id).refund_grant_id for b in (late, again)}
    assert None not in refunds and len(refunds) == 2


def test_a_class_cancelled_twice_over_refunds_nobody_twice(forfeiting_gym):
    gym = forfeiting_gym
    ana, spin, booking = late_cancelled_spin(gym)
    gym.cancel_class.execute(spin.id, "Instructor ill")

    with pytest.raises(BookingNotCancellableException):
        gym.bookings.get_by_id(booking.id).record_refund("another-grant")
    assert gym.credits(ana) == 1


def test_staff_cancelling_a_class_links_every_refund_to_its_booking(gym):
    ana, ben = gym.add_member("Ana"), gym.add_member("Ben")
    spin = gym.add_class("Spin", capacity=2)
    bookings = [gym.book_class.execute(m.id, spin.id) for m in (ana, ben)]

    gym.cancel_class.execute(spin.id, "Flooded studio")

    for member, booking in zip((ana, ben), bookings, strict=True):
        refund = gym.members.get_by_id(member.id).grants[-1]
        assert gym.bookings.get_by_id(booking.id).refund_grant_id == refund.grant_id
