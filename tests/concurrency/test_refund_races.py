"""Two refunds of one purchase at the same moment, on PostgreSQL: together they never give back
more than was paid, nor withdraw more credits than were unspent. The member's row lock queues
them; with it taken away, the purchase's own lock still does."""

import time
from decimal import Decimal

import pytest
from django.db.models import Sum

from domain.exceptions import InvalidRefundAmountException
from domain.sales import Money, PaymentMethod
from members.models import CreditGrant
from members.repositories import DjangoMemberRepository
from sales.models import Purchase, Refund
from sales.payments import FrontDeskPayments
from tests.factories import MemberFactory, ProductFactory

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

ROUNDS = 3


@pytest.fixture
def slow_desk(monkeypatch):
    """The desk takes a moment to give the money back: both refunds are under way at once."""
    refund = FrontDeskPayments.refund

    def refund_slowly(self, request):
        time.sleep(0.2)
        return refund(self, request)

    monkeypatch.setattr(FrontDeskPayments, "refund", refund_slowly)


def refund_race(services, run_concurrently):
    member = MemberFactory()
    pack = ProductFactory(name="10 classes", price=Decimal("90.00"))
    sold = services.sell_product.execute(
        str(member.pk), str(pack.pk), method=PaymentMethod.CASH, recorded_by="Dee Desk"
    )

    def refund(desk: int):
        return services.refund_purchase.execute(
            sold.purchase_id,
            Money(Decimal("60.00"), "EUR"),
            reason="Moved away",
            recorded_by=f"Manager {desk}",
            credits=6,
        )

    outcomes = run_concurrently([lambda desk=desk: refund(desk) for desk in range(2)])
    return Purchase.objects.get(pk=sold.purchase_id), outcomes


def exactly_one_refunded(purchase, outcomes) -> None:
    won = [outcome for outcome in outcomes if outcome.ok]
    lost = [outcome for outcome in outcomes if not outcome.ok]
    assert len(won) == 1, [outcome.error for outcome in outcomes]
    assert isinstance(lost[0].error, InvalidRefundAmountException)
    assert "at most 30.00 EUR" in str(lost[0].error)
    refunds = Refund.objects.filter(purchase=purchase)
    assert refunds.aggregate(total=Sum("amount"))["total"] == Decimal("60.00")
    assert CreditGrant.objects.get(pk=purchase.credit_grant_id).remaining == 4


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_refunds_at_once_never_exceed_the_price(services, run_concurrently, slow_desk, round_):
    purchase, outcomes = refund_race(services, run_concurrently)

    exactly_one_refunded(purchase, outcomes)


def test_without_the_member_lock_the_purchase_lock_still_queues_them(
    services, run_concurrently, slow_desk, monkeypatch
):
    get_member = DjangoMemberRepository.get_by_id

    def get_member_without_lock(self, member_id, *, for_update=False):
        return get_member(self, member_id, for_update=False)

    monkeypatch.setattr(DjangoMemberRepository, "get_by_id", get_member_without_lock)

    purchase, outcomes = refund_race(services, run_concurrently)

    exactly_one_refunded(purchase, outcomes)
