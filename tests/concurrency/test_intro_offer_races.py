"""Two front-desk sales of one member's intro offer at the same moment, on PostgreSQL: exactly
one sells it, the other is refused with the domain's message, and the ledger and the
purchases agree. With the member's row lock taken away, the purchases' unique constraint is
the backstop and still lets exactly one through."""

import time

import pytest

from domain.exceptions import IntroOfferAlreadyBoughtException
from domain.sales import PaymentMethod
from members.models import CreditGrant
from members.repositories import DjangoMemberRepository
from sales.models import Purchase
from sales.repositories import DjangoPurchaseRepository
from tests.factories import MemberFactory, ProductFactory

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

ROUNDS = 3


def intro_race(services, run_concurrently, desks: int = 2):
    member = MemberFactory()
    intro = ProductFactory(name="Intro: 3 classes", credits=3, intro_offer=True)

    def sell(desk: int):
        return services.sell_product.execute(
            str(member.pk), str(intro.pk), method=PaymentMethod.CASH, recorded_by=f"Desk {desk}"
        )

    outcomes = run_concurrently([lambda desk=desk: sell(desk) for desk in range(desks)])
    return member, outcomes


def exactly_one_sold(member, outcomes) -> None:
    won = [outcome for outcome in outcomes if outcome.ok]
    lost = [outcome for outcome in outcomes if not outcome.ok]
    assert len(won) == 1, [outcome.error for outcome in outcomes]
    assert all(isinstance(outcome.error, IntroOfferAlreadyBoughtException) for outcome in lost)
    assert Purchase.objects.filter(member=member).count() == 1
    [grant] = CreditGrant.objects.filter(member=member)
    assert grant.amount == 3
    assert Purchase.objects.get(member=member).credit_grant_id == grant.pk


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_desks_selling_one_members_intro_offer_at_once_sell_it_once(
    services, run_concurrently, round_
):
    member, outcomes = intro_race(services, run_concurrently, desks=2)

    exactly_one_sold(member, outcomes)


def test_without_the_member_lock_the_unique_constraint_still_sells_it_once(
    services, run_concurrently, monkeypatch
):
    """Both sales pass the "bought before?" check; the database refuses the second record and
    the refusal is the domain's, with its grant rolled back."""
    get_member = DjangoMemberRepository.get_by_id
    has_bought = DjangoPurchaseRepository.has_bought

    def get_member_without_lock(self, member_id, *, for_update=False):
        return get_member(self, member_id, for_update=False)

    def has_bought_slowly(self, member_id, product_id):
        answer = has_bought(self, member_id, product_id)
        time.sleep(0.2)  # both sales have checked before either writes
        return answer

    monkeypatch.setattr(DjangoMemberRepository, "get_by_id", get_member_without_lock)
    monkeypatch.setattr(DjangoPurchaseRepository, "has_bought", has_bought_slowly)

    member, outcomes = intro_race(services, run_concurrently, desks=2)

    exactly_one_sold(member, outcomes)
