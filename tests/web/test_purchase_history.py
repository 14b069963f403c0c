"""A member's purchases: her history of packs, with what was refunded of each, and of
membership periods paid, and each receipt as a page with the e-mail's content; another
member's receipt is not found."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from domain.sales import Money, PaymentMethod
from sales.models import MembershipPayment, Purchase
from sales.wording import receipt_number
from tests.factories import MemberFactory, MembershipPlanFactory, ProductFactory

pytestmark = pytest.mark.django_db

HISTORY = reverse("purchases:history")


def receipt_url(purchase_id) -> str:
    return reverse("purchases:receipt", args=[purchase_id])


def sell(services, member, name="10 classes", price="90.00"):
    pack = ProductFactory(name=name, price=Decimal(price))
    sold = services.sell_product.execute(
        str(member.pk), str(pack.pk), method=PaymentMethod.CASH, recorded_by="Dee Desk"
    )
    return Purchase.objects.get(pk=sold.purchase_id)


def test_the_history_lists_each_purchase_with_its_refund_and_receipt(
    services, member, member_client, settings
):
    # given
    settings.GYM_LEGAL_NAME = "Old Town Fitness Ltd"
    first = sell(services, member, "5 classes", "50.00")
    second = sell(services, member, "10 classes", "90.00")
    services.refund_purchase.execute(
        str(first.pk), Money(Decimal("20.00"), "EUR"), reason="Injured", recorded_by="Max"
    )

    # when
    page = member_client.get(HISTORY)

    # then
    lines = page.context["purchases"]
    assert [(line.product_name, line.price, line.method, line.refunded) for line in lines] == [
        ("10 classes", "90.00 EUR", "Cash", ""),
        ("5 classes", "50.00 EUR", "Cash", "20.00 EUR"),
    ]
    html = page.content.decode()
    assert f'href="{receipt_url(second.pk)}"' in html
    assert receipt_number(first.pk) in html


def test_the_history_is_two_queries_however_many_purchases(services, member, member_client):
    for number in range(3):
        sell(services, member, f"Pack {number}")

    with CaptureQueriesContext(connection) as queries:
        page = member_client.get(HISTORY)

    assert len(page.context["purchases"]) == 3
    sales_reads = [q["sql"] for q in queries.captured_queries if "sales_" in q["sql"]]
    assert len(sales_reads) == 2  # the packs, and the membership periods


def test_her_purchases_list_and_show_each_period_paid(services, member, member_client):
    # given her membership started and renewed, and Ana's started
    unlimited = MembershipPlanFactory(name="Unlimited", price=Decimal("60.00"))
    ana = MemberFactory()
    for paying in (member, ana):
        services.start_membership.execute(
            str(paying.pk), str(unlimited.pk), method=PaymentMethod.CASH, recorded_by="Dee"
        )
    services.renew_membership.execute(str(member.pk), recorded_by="Dee")
    anas = MembershipPayment.objects.get(member=ana)

    # when she reads her purchases and each receipt
    history = member_client.get(reverse("purchases:history"))
    receipts = [
        member_client.get(reverse("purchases:receipt", args=[line.receipt_id]))
        for line in history.context["purchases"]
    ]

    # then both periods are there, and Ana's receipt is not found
    assert [line.product_name for line in history.context["purchases"]] == [
        "Unlimited membership",
        "Unlimited membership",
    ]
    assert [line.price for line in history.context["purchases"]] == ["60.00 EUR"] * 2
    assert all(page.status_code == 200 for page in receipts)
    assert {page.context["receipt"].includes.split(":")[0] for page in receipts} == {
        "First period",
        "Renewal",
    }
    assert member_client.get(reverse("purchases:receipt", args=[anas.pk])).status_code == 404


def test_a_member_without_purchases_is_told_where_packs_are_sold(member_client):
    page = member_client.get(HISTORY)

    assert "You have bought nothing yet." in page.content.decode()


def test_a_receipt_page_shows_what_the_e_mail_says(services, member, member_client, settings):
    settings.GYM_LEGAL_NAME = "Old Town Fitness Ltd"
    settings.GYM_ADDRESS = "1 Old Town Square;London EC1A 1AA"
    settings.GYM_TAX_NUMBER = "GB 123 4567 89"
    purchase = sell(services, member)

    page = member_client.get(receipt_url(purchase.pk))

    html = page.content.decode()
    for fragment in [
        f"Receipt {receipt_number(purchase.pk)}",
        "Old Town Fitness Ltd<br>1 Old Town Square<br>London EC1A 1AA",
        "Tax number: GB 123 4567 89",
        "10 classes: 10 credits",
        "<dt>Tax at 20%</dt>",
        "<dd>15.00 EUR</dd>",
        "<dd>75.00 EUR</dd>",
        f"Cash, reference {purchase.reference}",
    ]:
        assert fragment in html, fragment


def test_another_members_receipt_is_not_found(services, member, other_member, other_client):
    purchase = sell(services, member)

    assert other_client.get(receipt_url(purchase.pk)).status_code == 404
    assert other_client.get(receipt_url("00000000-0000-0000-0000-000000000000")).status_code == 404
    assert other_client.get("/me/purchases/not-a-uuid/").status_code == 404


def test_the_pages_are_members_only(client, services, member):
    purchase = sell(services, member)

    for url in (HISTORY, receipt_url(purchase.pk)):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
