"""The revenue report: sales and refunds per product, location or month, over chosen days, for
staff with the report permission at their own locations; the CSV has the same figures; its
takings add up to the purchases less the refunds."""

import csv
import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sales.models import Purchase, Refund
from tests.factories import (
    LocationFactory,
    MembershipPaymentFactory,
    MembershipPlanFactory,
    ProductFactory,
    PurchaseFactory,
    staff_client,
)

pytestmark = pytest.mark.django_db

PAGE = reverse("reports:revenue")
CSV = reverse("reports:revenue_csv")
LONDON = ZoneInfo("Europe/London")
MARCH = {"start": "2026-03-01", "end": "2026-04-30"}


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def gym_in_london(settings):
    settings.TIME_ZONE = "Europe/London"


@pytest.fixture
def old_town():
    return LocationFactory(name="Old Town", time_zone="Europe/London")


@pytest.fixture
def riverside():
    return LocationFactory(name="Riverside", time_zone="Europe/London")


def sale(product, location, when, price=None):
    price = price if price is not None else product.price
    return PurchaseFactory(
        product=product,
        location=location,
        purchased_at=when,
        price=price,
        tax=(price / 6).quantize(Decimal("0.01")),
    )


def refund(purchase, amount, when):
    return Refund.objects.create(
        purchase=purchase,
        amount=Decimal(amount),
        tax=(Decimal(amount) / 6).quantize(Decimal("0.01")),
        payment_method="cash",
        reason="Moved away",
        recorded_by="Max",
        refunded_at=when,
    )


@pytest.fixture
def sales(old_town, riverside):
    """Four sales in March and April at two gyms and one of no location, one outside the
    days, and refunds (one given outside the days, of a sale inside them)."""
    ten = ProductFactory(name="10 classes", price=Decimal("90.00"))
    five = ProductFactory(name="5 classes", price=Decimal("48.00"))
    first = sale(ten, old_town, at(2026, 3, 2, 10))
    sale(ten, riverside, at(2026, 3, 31, 23, 30))  # 23:30 BST: still March
    sale(five, old_town, at(2026, 4, 1, 0, 30))
    unplaced = sale(five, None, at(2026, 4, 10, 9))
    sale(ten, old_town, at(2026, 5, 1, 9))  # after the days
    refund(first, "30.00", at(2026, 3, 5, 12))
    refund(unplaced, "48.00", at(2026, 4, 11, 12))
    refund(first, "60.00", at(2026, 5, 2, 12))  # after the days


def rows_of(page) -> list[tuple]:
    return [(label, currency, *cells) for label, currency, cells in page.context["rows"]]


def test_revenue_per_product_with_its_totals(client, django_user_model, sales):
    manager = staff_client(client, django_user_model, "Manager", "max")

    page = manager.get(PAGE, {**MARCH, "group": "product"})

    assert page.status_code == 200
    # product, currency, sales, gross, tax, net, refunds, tax refunded, takings
    assert rows_of(page) == [
        ("10 classes", "EUR", "2", "180.00", "30.00", "150.00", "30.00", "5.00", "150.00"),
        ("5 classes", "EUR", "2", "96.00", "16.00", "80.00", "48.00", "8.00", "48.00"),
    ]
    assert page.context["totals"] == [
        ("EUR", ["4", "276.00", "46.00", "230.00", "78.00", "13.00", "198.00"])
    ]


def test_the_takings_are_the_purchases_less_the_refunds_of_the_days(
    client, django_user_model, sales
):
    manager = staff_client(client, django_user_model, "Manager", "max")
    starts, ends = at(2026, 3, 1), at(2026, 5, 1)

    page = manager.get(PAGE, {**MARCH, "group": "month"})

    sold = Purchase.objects.filter(purchased_at__gte=starts, purchased_at__lt=ends)
    given = Refund.objects.filter(refunded_at__gte=starts, refunded_at__lt=ends)
    expected = sold.aggregate(s=Sum("price"))["s"] - given.aggregate(s=Sum("amount"))["s"]
    [(_, total)] = page.context["totals"]
    assert Decimal(total[-1]) == expected == Decimal("198.00")
    assert [row[:4] for row in rows_of(page)] == [
        ("March 2026", "EUR", "2", "180.00"),
        ("April 2026", "EUR", "2", "96.00"),
    ]


def test_revenue_per_location_the_unplaced_for_the_chains_managers(
    client, django_user_model, sales
):
    manager = staff_client(client, django_user_model, "Manager", "max")

    page = manager.get(PAGE, {**MARCH, "group": "location"})

    assert [row[:4] for row in rows_of(page)] == [
        ("(no location)", "EUR", "1", "48.00"),
        ("Old Town", "EUR", "2", "138.00"),
        ("Riverside", "EUR", "1", "90.00"),
    ]


def test_staff_of_one_gym_see_its_revenue_only(client, django_user_model, sales, old_town):
    desk_manager = staff_client(client, django_user_model, "Manager", "ola", locations=[old_town])

    page = desk_manager.get(PAGE, {**MARCH, "group": "location"})
    refused = desk_manager.get(PAGE, {**MARCH, "group": "location", "location": "Riverside"})

    assert [row[:4] for row in rows_of(page)] == [("Old Town", "EUR", "2", "138.00")]
    assert "Riverside" not in page.content.decode()
    assert refused.context["revenue"] is None
    assert "location" in refused.context["form"].errors


def test_one_location_chosen(client, django_user_model, sales):
    manager = staff_client(client, django_user_model, "Manager", "max")

    page = manager.get(PAGE, {**MARCH, "group": "product", "location": "Riverside"})

    assert rows_of(page) == [
        ("10 classes", "EUR", "1", "90.00", "15.00", "75.00", "0.00", "0.00", "90.00")
    ]


def test_currencies_are_summed_apart(client, django_user_model, old_town):
    manager = staff_client(client, django_user_model, "Manager", "max")
    sale(ProductFactory(name="Pack", currency="EUR"), old_town, at(2026, 3, 2, 10))
    sale(ProductFactory(name="Pack", currency="GBP"), old_town, at(2026, 3, 3, 10))

    page = manager.get(PAGE, {**MARCH, "group": "product"})

    assert [row[:4] for row in rows_of(page)] == [
        ("Pack", "EUR", "1", "90.00"),
        ("Pack", "GBP", "1", "90.00"),
    ]
    assert [currency for currency, _ in page.context["totals"]] == ["EUR", "GBP"]


def test_membership_periods_paid_count_under_their_plan_beside_the_packs(
    client, django_user_model, sales, old_town
):
    # given two periods of the Unlimited membership paid at Old Town, in March and April
    manager = staff_client(client, django_user_model, "Manager", "max")
    unlimited = MembershipPlanFactory(name="Unlimited", price=Decimal("60.00"))
    for paid_at in (at(2026, 3, 3, 9), at(2026, 4, 3, 9)):
        MembershipPaymentFactory(
            membership__plan=unlimited,
            membership__member__home_location=old_town,
            location=old_town,
            paid_at=paid_at,
        )

    per_product = manager.get(PAGE, {**MARCH, "group": "product"})
    per_location = manager.get(PAGE, {**MARCH, "group": "location"})
    per_month = manager.get(PAGE, {**MARCH, "group": "month"})

    # then they are one product of their own, added to the packs' sales elsewhere
    assert ("Unlimited membership", "EUR", "2", "120.00", "20.00", "100.00") in [
        row[:6] for row in rows_of(per_product)
    ]
    assert ("Old Town", "EUR", "4", "258.00") in [row[:4] for row in rows_of(per_location)]
    assert [row[:4] for row in rows_of(per_month)] == [
        ("March 2026", "EUR", "3", "240.00"),
        ("April 2026", "EUR", "3", "156.00"),
    ]
    assert (
        per_product.context["totals"]
        == per_month.context["totals"]
        == [("EUR", ["6", "396.00", "66.00", "330.00", "78.00", "13.00", "318.00"])]
    )


def test_the_csv_has_the_same_figures_and_totals(client, django_user_model, sales):
    manager = staff_client(client, django_user_model, "Manager", "max")

    response = manager.get(CSV, {**MARCH, "group": "month"})

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="gymbooking-revenue-by-month-2026-03-01-to-2026-04-30.csv"'
    )
    assert list(csv.reader(io.StringIO(response.content.decode()))) == [
        ["Month", "Currency", "Sales", "Gross", "Tax", "Net", "Refunds", "Tax refunded", "Takings"],
        ["2026-03", "EUR", "2", "180.00", "30.00", "150.00", "30.00", "5.00", "150.00"],
        ["2026-04", "EUR", "2", "96.00", "16.00", "80.00", "48.00", "8.00", "48.00"],
        ["Total", "EUR", "4", "276.00", "46.00", "230.00", "78.00", "13.00", "198.00"],
    ]


def test_a_formula_looking_product_name_is_quoted_in_the_csv(client, django_user_model, old_town):
    manager = staff_client(client, django_user_model, "Manager", "max")
    sale(ProductFactory(name="=HYPERLINK(1)"), old_town, at(2026, 3, 2, 10))

    response = manager.get(CSV, {**MARCH, "group": "product"})

    assert "'=HYPERLINK(1)" in response.content.decode()


def test_the_report_is_three_queries_however_many_sales(client, django_user_model, sales):
    manager = staff_client(client, django_user_model, "Manager", "max")

    with CaptureQueriesContext(connection) as queries:
        manager.get(PAGE, {**MARCH, "group": "product"})

    reads = [q["sql"] for q in queries.captured_queries if "sales_" in q["sql"]]
    assert len(reads) == 3  # packs sold, membership periods paid, refunds


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start": "2026-04-01", "end": "2026-03-01", "group": "product"}, "end"),
        ({"start": "yesterday", "end": "2026-03-01", "group": "product"}, "start"),
        ({**MARCH, "group": "instructor"}, "group"),
    ],
)
def test_bad_input_shows_the_form_with_its_errors(client, django_user_model, query, field):
    manager = staff_client(client, django_user_model, "Manager", "max")

    page = manager.get(PAGE, query)
    export = manager.get(CSV, query)

    assert page.status_code == 200 and field in page.context["form"].errors
    assert export.status_code == 400


def test_the_front_desk_without_the_report_permission_is_refused(client, django_user_model):
    desk = staff_client(client, django_user_model, "Front desk", "dee")

    assert desk.get(PAGE).status_code == 403
    assert desk.get(CSV).status_code == 403


def test_members_are_sent_to_the_admin_sign_in(client, member_client):
    assert member_client.get(PAGE).status_code == 302
