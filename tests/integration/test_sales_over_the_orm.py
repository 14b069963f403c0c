"""Selling a pack through the ORM adapters: the ledger grant, the purchase row and the event in
the durable log are written together, and a refused sale writes none of them."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from domain.exceptions import (
    IntroOfferAlreadyBoughtException,
    MemberCannotBuyException,
    ProductNotFoundException,
    ProductNotOnSaleException,
)
from domain.sales import PaymentMethod
from events.models import StoredEvent
from members.models import CreditGrant
from sales.models import Purchase
from sales.repositories import DjangoPurchaseRepository
from tests.factories import MemberFactory, ProductFactory

pytestmark = pytest.mark.django_db


def sell(services, member, product, method=PaymentMethod.CARD_TERMINAL):
    return services.sell_product.execute(
        str(member.pk), str(product.pk), method=method, recorded_by="Dee Desk"
    )


def nothing_written(member) -> bool:
    return not (
        CreditGrant.objects.filter(member=member).exists()
        or Purchase.objects.filter(member=member).exists()
        or StoredEvent.objects.filter(type__in=["ClassPackPurchased", "CreditsAdded"]).exists()
    )


def test_a_sale_writes_the_grant_the_purchase_and_the_event_together(services):
    # given
    ana = MemberFactory()
    pack = ProductFactory(name="10 classes", credits=10, valid_days=60, price=Decimal("99.90"))
    before = timezone.now()

    # when
    sold = sell(services, ana, pack)

    # then
    grant = CreditGrant.objects.get(member=ana)
    assert (grant.amount, grant.remaining, grant.reason) == (10, 10, "10 classes")
    assert grant.expires_at - grant.granted_at == timedelta(days=60)
    assert grant.granted_at >= before
    row = Purchase.objects.get(member=ana)
    assert row.credit_grant_id == grant.pk
    assert (row.price, row.tax, row.tax_rate, row.currency) == (
        Decimal("99.90"),
        Decimal("16.65"),
        Decimal("20.00"),
        "EUR",
    )
    assert (row.payment_method, row.recorded_by, row.reference) == (
        "card_terminal",
        "Dee Desk",
        sold.reference,
    )
    event = StoredEvent.objects.get(type="ClassPackPurchased")
    assert event.payload["purchase_id"] == str(row.pk)
    assert event.payload["grant_id"] == str(grant.pk)
    assert (event.payload["price"], event.payload["tax"]) == ("99.90", "16.65")
    assert event.payload["recorded_by"] == "Dee Desk"


def test_a_second_intro_offer_is_refused_and_writes_nothing_more(services):
    ana = MemberFactory()
    intro = ProductFactory(credits=3, intro_offer=True)
    sell(services, ana, intro)

    with pytest.raises(IntroOfferAlreadyBoughtException):
        sell(services, ana, intro)

    assert CreditGrant.objects.filter(member=ana).count() == 1
    assert Purchase.objects.filter(member=ana).count() == 1
    assert StoredEvent.objects.filter(type="ClassPackPurchased").count() == 1


def test_the_unique_constraint_refusal_becomes_the_domains_and_rolls_the_grant_back(
    services, monkeypatch
):
    # given a first intro sale, and a check that misses it (as in a race)
    ana = MemberFactory()
    intro = ProductFactory(credits=3, intro_offer=True)
    sell(services, ana, intro)
    monkeypatch.setattr(DjangoPurchaseRepository, "has_bought", lambda *_: False)

    with pytest.raises(IntroOfferAlreadyBoughtException):
        sell(services, ana, intro)

    assert CreditGrant.objects.filter(member=ana).count() == 1
    assert StoredEvent.objects.filter(type="ClassPackPurchased").count() == 1


@pytest.mark.parametrize(
    ("member_fields", "product_fields", "refusal"),
    [
        ({}, {"is_active": False}, ProductNotOnSaleException),
        ({"is_active": False}, {}, MemberCannotBuyException),
        ({"erased_at": timezone.now()}, {}, MemberCannotBuyException),
    ],
)
def test_a_refused_sale_writes_nothing(services, member_fields, product_fields, refusal):
    ana = MemberFactory(**member_fields)
    pack = ProductFactory(**product_fields)

    with pytest.raises(refusal):
        sell(services, ana, pack)

    assert nothing_written(ana)


def test_an_unknown_product_is_refused(services):
    ana = MemberFactory()

    with pytest.raises(ProductNotFoundException):
        services.sell_product.execute(
            str(ana.pk), "not-a-product", method=PaymentMethod.CASH, recorded_by="Dee"
        )
    assert nothing_written(ana)
