"""Refunding through the ORM adapters: the refund row, the grant's withdrawn credits and the
events are written together, and a refused refund writes none of them; a sale is placed at
the member's home gym as it was when she bought."""

from decimal import Decimal

import pytest

from domain.exceptions import InvalidRefundAmountException, PaymentNotTakenException
from domain.sales import Money, PaymentMethod
from events.models import StoredEvent
from members.models import CreditGrant
from sales.models import Purchase, Refund
from sales.repositories import DjangoPurchaseRepository
from tests.factories import LocationFactory, MemberFactory, ProductFactory

pytestmark = pytest.mark.django_db


def eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


def sell(services, member, product=None):
    product = product or ProductFactory(name="10 classes", price=Decimal("90.00"))
    sold = services.sell_product.execute(
        str(member.pk), str(product.pk), method=PaymentMethod.CASH, recorded_by="Dee Desk"
    )
    return Purchase.objects.get(pk=sold.purchase_id)


def refund(services, purchase, amount="90.00", **options):
    return services.refund_purchase.execute(
        str(purchase.pk),
        eur(amount),
        reason=options.pop("reason", "Moved away"),
        recorded_by=options.pop("recorded_by", "Max Manager"),
        **options,
    )


def test_a_refund_writes_its_row_the_withdrawn_credits_and_the_events_together(services):
    # given
    purchase = sell(services, MemberFactory())

    # when
    done = refund(services, purchase, "45.00", credits=4)

    # then
    row = Refund.objects.get(purchase=purchase)
    assert (row.amount, row.tax, row.credits_withdrawn) == (Decimal("45.00"), Decimal("7.50"), 4)
    assert (row.payment_method, row.recorded_by) == ("cash", "Max Manager")
    assert row.reason == "Moved away"
    assert row.reference == done.reference and row.reference.startswith("DESK-R")
    assert CreditGrant.objects.get(pk=purchase.credit_grant_id).remaining == 6
    withdrawn = StoredEvent.objects.get(type="CreditsWithdrawn")
    assert (withdrawn.payload["grant_id"], withdrawn.payload["amount"]) == (
        str(purchase.credit_grant_id),
        4,
    )
    refunded = StoredEvent.objects.get(type="PurchaseRefunded")
    assert refunded.payload["refund_id"] == str(row.pk)
    assert (refunded.payload["amount"], refunded.payload["tax"]) == ("45.00", "7.50")


def test_the_repository_reads_the_sale_back_and_what_was_refunded_of_it(services):
    purchase = sell(services, MemberFactory())
    repository = DjangoPurchaseRepository()
    assert repository.refunded(str(purchase.pk)) == eur("0.00")

    refund(services, purchase, "30.00", credits=0)
    refund(services, purchase, "20.00", credits=0)

    assert repository.refunded(str(purchase.pk)) == eur("50.00")
    sale = repository.get_by_id(str(purchase.pk), for_update=True)
    assert (sale.price, sale.tax) == (eur("90.00"), eur("15.00"))
    assert sale.reference == purchase.reference
    assert sale.pack.valid_days == 90


def nothing_refunded(purchase) -> bool:
    return (
        not Refund.objects.exists()
        and CreditGrant.objects.get(pk=purchase.credit_grant_id).remaining == 10
        and not StoredEvent.objects.filter(type__in=["PurchaseRefunded", "CreditsWithdrawn"])
    )


def test_an_over_refund_writes_nothing(services):
    purchase = sell(services, MemberFactory())

    with pytest.raises(InvalidRefundAmountException):
        refund(services, purchase, "90.01")

    assert nothing_refunded(purchase)


def test_a_refund_with_nobody_named_is_refused_by_the_desk_and_writes_nothing(services):
    purchase = sell(services, MemberFactory())

    with pytest.raises(PaymentNotTakenException, match="front-desk refund"):
        refund(services, purchase, recorded_by="  ")

    assert nothing_refunded(purchase)


def test_an_erased_members_purchase_is_refunded(services):
    ana = MemberFactory()
    purchase = sell(services, ana)
    services.erase_member.execute(str(ana.pk))

    refund(services, purchase)

    assert Refund.objects.get(purchase=purchase).credits_withdrawn == 10


def test_a_sale_is_placed_at_the_members_home_gym_when_she_buys(services):
    old_town, riverside = LocationFactory(name="Old Town"), LocationFactory(name="Riverside")
    ana = MemberFactory(home_location=old_town)

    purchase = sell(services, ana)
    ana.home_location = riverside
    ana.save()

    purchase.refresh_from_db()
    assert purchase.location == old_town
    assert sell(services, ana).location == riverside
    assert sell(services, MemberFactory(home_location=None)).location is None
