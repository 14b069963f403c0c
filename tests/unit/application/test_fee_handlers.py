"""Fees imposed by the handlers on cancelling and attendance, charged to the saved card in a
delivery of their own, waived and paid at the desk through the use cases (in-memory gym)."""

from datetime import timedelta
from decimal import Decimal

import pytest

from application.ports import NoticeKind
from domain.events import (
    AttendanceRecorded,
    BookingCancelled,
    FeeChargeFailed,
    FeeImposed,
    FeeRefunded,
)
from domain.exceptions import FeeNotWaivableException
from domain.fees import FeeKind, FeeStatus, FeeTerms
from domain.sales import Money
from domain.values import BookingPolicy, LateCancellation
from tests.fakes import FakeGym

FIVE = Money(Decimal("5.00"), "EUR")
EIGHT = Money(Decimal("8.00"), "EUR")
PACK_FEES = FeeTerms(late_cancellation=FIVE, no_show=EIGHT)


@pytest.fixture
def gym(now):
    return FakeGym(now=now, policy=BookingPolicy(late_cancellation=LateCancellation.FORFEIT))


def booked(gym, *, terms=PACK_FEES, starts_in=timedelta(hours=1), card=True):
    """Ana booked with a credit of a pack carrying `terms`, the class `starts_in` from now."""
    ana = gym.add_member("Ana")
    if card:
        gym.card.cards.add(ana.id)
    spin = gym.add_class(starts_in=starts_in)
    booking = gym.book_class.execute(ana.id, spin.id, late_confirmed=True)
    if terms is not None:
        gym.fee_policies.carry(booking.credit_grant_id, terms)
    return ana, booking


def no_show(gym, booking):
    gym.clock.advance(hours=3, minutes=1)
    gym.record_attendance.execute([booking.id], attended=False)


def fees(gym):
    return gym.fees.all()


def test_a_late_cancellation_with_a_fee_pack_imposes_its_fee_and_charges_the_card(gym):
    ana, booking = booked(gym)

    gym.cancel_booking.execute(booking.id)

    [fee] = fees(gym)
    assert (fee.kind, fee.amount, fee.member_id) == (FeeKind.LATE_CANCELLATION, FIVE, ana.id)
    assert fee.status is FeeStatus.CHARGED
    assert gym.card.charges[fee.id][:2] == (ana.id, FIVE)


def test_a_credit_of_no_fee_pack_imposes_nothing(gym):
    _, booking = booked(gym, terms=None)

    gym.cancel_booking.execute(booking.id)

    assert fees(gym) == []
    assert gym.events_of(FeeImposed) == []


def test_a_cancellation_outside_the_window_imposes_nothing(gym):
    _, booking = booked(gym, starts_in=timedelta(days=1))

    gym.cancel_booking.execute(booking.id)

    assert fees(gym) == []


def test_staff_cancelling_late_impose_nothing(gym):
    _, booking = booked(gym)

    gym.staff_cancel_booking.execute(booking.id, "Instructor ill")

    assert fees(gym) == []


def test_the_event_delivered_twice_imposes_one_fee(gym):
    _, booking = booked(gym)
    gym.cancel_booking.execute(booking.id)
    [cancelled] = gym.events_of(BookingCancelled)

    gym.dispatcher.dispatch([cancelled])

    assert len(fees(gym)) == 1
    assert len(gym.card.charges) == 1


def test_a_no_show_imposes_the_no_show_fee(gym):
    _, booking = booked(gym, starts_in=timedelta(hours=3))

    no_show(gym, booking)

    [fee] = fees(gym)
    assert (fee.kind, fee.amount) == (FeeKind.NO_SHOW, EIGHT)


def test_a_no_show_corrected_to_attended_waives_its_fee_and_refunds_the_charge(gym):
    _, booking = booked(gym, starts_in=timedelta(hours=3))
    no_show(gym, booking)

    gym.record_attendance.execute([booking.id], attended=True)

    [fee] = fees(gym)
    assert fee.status is FeeStatus.WAIVED
    assert fee.settled_by == "system"
    assert fee.refund_reference == "REFUND-1"
    assert len(gym.events_of(FeeRefunded)) == 1


def test_a_no_show_corrected_before_its_delivery_ran_imposes_nothing(gym):
    _, booking = booked(gym, starts_in=timedelta(hours=3))
    no_show(gym, booking)
    [marked] = [e for e in gym.events_of(AttendanceRecorded) if not e.attended]
    gym.fees.restore({})  # as if the delivery had not run yet
    gym.record_attendance.execute([booking.id], attended=True)

    gym.dispatcher.dispatch([marked])  # the late delivery

    assert fees(gym) == []


def test_without_a_card_on_file_the_fee_stays_owed(gym):
    _, booking = booked(gym, card=False)

    gym.cancel_booking.execute(booking.id)

    [fee] = fees(gym)
    assert fee.status is FeeStatus.OWED
    assert gym.card.charges == {}


def test_a_declined_card_records_the_failure_and_the_fee_stays_owed(gym):
    ana, booking = booked(gym)
    gym.card.declining.add(ana.id)

    gym.cancel_booking.execute(booking.id)

    [fee] = fees(gym)
    assert fee.status is FeeStatus.OWED
    [failed] = gym.events_of(FeeChargeFailed)
    assert failed.error == "Your card was declined."


def test_a_redelivered_charge_never_charges_twice(gym):
    _, booking = booked(gym)
    gym.cancel_booking.execute(booking.id)
    [imposed] = gym.events_of(FeeImposed)
    [fee] = fees(gym)
    # the card took it, but the outcome was lost with the delivery: the fee reads owed again
    gym.fees.save(type(fee)(**{**_fields(fee), "status": FeeStatus.OWED}))

    gym.dispatcher.dispatch([imposed])

    assert len(gym.card.charges) == 1
    assert fees(gym)[0].status is FeeStatus.CHARGED


def _fields(fee):
    return {
        "fee_id": fee.id,
        "member_id": fee.member_id,
        "booking_id": fee.booking_id,
        "class_id": fee.class_id,
        "kind": fee.kind,
        "amount": fee.amount,
        "imposed_at": fee.imposed_at,
    }


def test_staff_waive_an_owed_fee_within_the_window(gym):
    _, booking = booked(gym, card=False)
    gym.cancel_booking.execute(booking.id)
    [fee] = fees(gym)
    gym.clock.advance(days=7)

    gym.waive_fee.execute(fee.id, "First time", waived_by="manager")

    assert fees(gym)[0].status is FeeStatus.WAIVED
    assert gym.card.refunds == {}


def test_staff_cannot_waive_outside_the_window(gym):
    _, booking = booked(gym, card=False)
    gym.cancel_booking.execute(booking.id)
    [fee] = fees(gym)
    gym.clock.advance(days=7, seconds=1)

    with pytest.raises(FeeNotWaivableException):
        gym.waive_fee.execute(fee.id, "Too late", waived_by="manager")

    assert fees(gym)[0].status is FeeStatus.OWED


def test_waiving_a_charged_fee_refunds_it_to_the_card(gym):
    _, booking = booked(gym)
    gym.cancel_booking.execute(booking.id)
    [fee] = fees(gym)

    gym.waive_fee.execute(fee.id, "Goodwill", waived_by="manager")

    [(reference, amount, _)] = gym.card.refunds.values()
    assert (reference, amount) == (fee.charge_reference, FIVE)
    assert fees(gym)[0].refund_reference


def test_an_owed_fee_is_paid_at_the_desk_once(gym):
    _, booking = booked(gym, card=False)
    gym.cancel_booking.execute(booking.id)
    [fee] = fees(gym)

    gym.record_fee_paid_at_desk.execute(fee.id, recorded_by="desk")

    assert fees(gym)[0].status is FeeStatus.PAID_AT_DESK
    with pytest.raises(Exception, match="owed"):
        gym.record_fee_paid_at_desk.execute(fee.id, recorded_by="desk")


def test_the_gym_cancelling_the_class_waives_a_late_cancellation_fee(gym):
    _, booking = booked(gym, card=False)
    gym.cancel_booking.execute(booking.id)

    gym.cancel_class.execute(booking.class_id, "Flooded")

    assert fees(gym)[0].status is FeeStatus.WAIVED


def test_the_fee_terms_query_reads_the_credit_s_pack(gym):
    _, booking = booked(gym)

    assert gym.fee_terms.for_booking(booking.id) == PACK_FEES


# --- What she is told ----------------------------------------------------------------------------


def test_she_is_told_of_the_fee_owed_and_then_of_its_charge(gym):
    ana, booking = booked(gym)

    gym.cancel_booking.execute(booking.id)

    told = {n.kind: n.reason for n in gym.notifications.notices_to(ana.id)}
    assert told[NoticeKind.FEE_OWED] == "late cancellation fee of 5.00 EUR"
    assert told[NoticeKind.FEE_CHARGED] == "5.00 EUR"


def test_a_fee_notice_delivered_after_the_no_show_was_corrected_is_not_sent(gym):
    ana, booking = booked(gym, starts_in=timedelta(hours=3), card=False)
    no_show(gym, booking)
    [imposed] = gym.events_of(FeeImposed)
    gym.record_attendance.execute([booking.id], attended=True)
    gym.notifications.sent.clear()

    gym.dispatcher.dispatch([imposed])  # the notice's late delivery

    assert NoticeKind.FEE_OWED not in {n.kind for n in gym.notifications.notices_to(ana.id)}
    assert any("corrected" in reason for _, _, reason in gym.dispatcher.superseded)


def test_the_fees_of_the_credit_she_would_spend_next_are_read_and_nothing_is_spent(gym):
    ana = gym.add_member("Ana", credits=1)
    [grant] = gym.members.get_by_id(ana.id).grants
    gym.fee_policies.carry(grant.grant_id, PACK_FEES)

    assert gym.fee_terms.for_next_credit(ana.id) == PACK_FEES
    assert gym.credits(ana) == 1
    assert PACK_FEES.consent_note == (
        "The credit you would spend comes from a pack that charges a late cancellation fee of "
        "5.00 EUR and a no-show fee of 8.00 EUR."
    )


def test_a_member_without_credit_would_spend_no_fee(gym):
    ana = gym.add_member("Ana", credits=0)

    assert gym.fee_terms.for_next_credit(ana.id).consent_note == ""


def test_a_late_cancellation_delivered_after_the_gym_cancelled_the_class_imposes_nothing(gym):
    _, booking = booked(gym, card=False)
    gym.cancel_booking.execute(booking.id)
    [cancelled] = [e for e in gym.events_of(BookingCancelled) if e.late]
    gym.fees.restore({})  # as if the delivery had not run yet
    gym.cancel_class.execute(booking.class_id, "Flooded")

    gym.dispatcher.dispatch([cancelled])  # the late delivery

    assert fees(gym) == []
