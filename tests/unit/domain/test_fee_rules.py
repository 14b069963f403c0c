"""The rules of a fee: imposed owed, charged or paid once, waived with a reason within the
window (a charged one then due a refund)."""

from datetime import timedelta
from decimal import Decimal

import pytest

from domain.events import FeeCharged, FeeImposed, FeeWaived
from domain.exceptions import FeeNotPayableException, FeeNotWaivableException, InvalidFeeException
from domain.fees import NO_FEES, Fee, FeeKind, FeeStatus, FeeTerms
from domain.sales import Money

FIVE = Money(Decimal("5.00"), "EUR")
WEEK = timedelta(days=7)


def imposed(now) -> Fee:
    return Fee.impose("m1", "b1", "c1", FeeKind.NO_SHOW, FIVE, now=now)


def test_an_imposed_fee_is_owed_and_says_so_with_its_amount_as_a_decimal_string(now):
    fee = imposed(now)

    assert fee.status is FeeStatus.OWED
    [event] = fee.get_domain_events()
    assert isinstance(event, FeeImposed)
    assert (event.amount, event.currency, event.kind) == ("5.00", "EUR", "no_show")


def test_a_fee_of_nothing_is_no_fee(now):
    with pytest.raises(InvalidFeeException):
        Fee.impose("m1", "b1", "c1", FeeKind.NO_SHOW, Money(Decimal(0), "EUR"), now=now)
    with pytest.raises(InvalidFeeException):
        FeeTerms(no_show=Money(Decimal(0), "EUR"))


def test_terms_give_each_kind_its_fee_and_warn_of_a_late_cancellation_fee():
    terms = FeeTerms(late_cancellation=FIVE)

    assert terms.fee_for(FeeKind.LATE_CANCELLATION) == FIVE
    assert terms.fee_for(FeeKind.NO_SHOW) is None
    assert terms.late_cancellation_warning == (
        "Cancelling now keeps your credit spent and charges a late-cancellation fee of 5.00 EUR."
    )
    assert NO_FEES.late_cancellation_warning == ""


def test_a_charged_fee_cannot_be_charged_or_paid_again(now):
    fee = imposed(now)
    fee.record_charge("CARD-1", now=now)

    assert fee.status is FeeStatus.CHARGED
    assert isinstance(fee.get_domain_events()[-1], FeeCharged)
    with pytest.raises(FeeNotPayableException):
        fee.record_charge("CARD-2", now=now)
    with pytest.raises(FeeNotPayableException):
        fee.record_paid_at_desk("desk", now=now)


def test_staff_waive_within_the_window_with_a_reason(now):
    fee = imposed(now)

    fee.waive("Her child was ill", by="manager", now=now + WEEK, window=WEEK)

    assert fee.status is FeeStatus.WAIVED
    assert (fee.settled_by, fee.reason) == ("manager", "Her child was ill")
    event = fee.get_domain_events()[-1]
    assert isinstance(event, FeeWaived) and not event.refund_due


def test_staff_cannot_waive_after_the_window_and_nothing_changes(now):
    fee = imposed(now)

    with pytest.raises(FeeNotWaivableException, match="within 7 days"):
        fee.waive("Late ask", by="manager", now=now + WEEK + timedelta(seconds=1), window=WEEK)
    assert fee.status is FeeStatus.OWED


def test_a_waiver_needs_a_reason(now):
    with pytest.raises(FeeNotWaivableException, match="reason"):
        imposed(now).waive("   ", by="manager", now=now, window=WEEK)


def test_the_rules_own_waiver_has_no_window(now):
    fee = imposed(now)

    fee.waive("Corrected", by="system", now=now + timedelta(days=400))

    assert fee.status is FeeStatus.WAIVED


def test_a_waived_charged_fee_is_due_its_refund_once(now):
    fee = imposed(now)
    fee.record_charge("CARD-1", now=now)

    fee.waive("Goodwill", by="manager", now=now, window=WEEK)

    assert fee.refund_due and fee.get_domain_events()[-1].refund_due
    fee.record_refund("REFUND-1", now=now)
    assert not fee.refund_due
    with pytest.raises(FeeNotWaivableException):
        fee.record_refund("REFUND-2", now=now)


def test_a_fee_paid_at_the_desk_or_waived_cannot_be_waived_again(now):
    paid = imposed(now)
    paid.record_paid_at_desk("desk", now=now)
    with pytest.raises(FeeNotWaivableException, match="paid at desk already"):
        paid.waive("Goodwill", by="manager", now=now, window=WEEK)
