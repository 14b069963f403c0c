"""The Front desk sells a pack from a member's admin page ("Sell a pack…" → the sale's page),
the Manager defines products, purchases are listed read-only, and a member sees the packs on
sale with what each includes."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from members.models import CreditGrant, Member
from sales.models import Product, Purchase
from tests.factories import MemberFactory, ProductFactory, staff_client, work_at_every_location
from tests.web.test_admin import admin_url, messages_of
from web.admin_actions import APPLY, FORM_PREFIX

pytestmark = pytest.mark.django_db

SELL_URL = reverse("admin:sales_purchase_sell")


@pytest.fixture
def desk(client, django_user_model):
    """The test client, signed in as Dee Desk of the Front desk (her name goes on sales)."""
    user = django_user_model.objects.create_user(
        username="desk", first_name="Dee", last_name="Desk", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Front desk"))
    work_at_every_location(user)
    client.force_login(user)
    return client


def sell(client, member, **values):
    data = {APPLY: "yes", **{f"{FORM_PREFIX}-{name}": value for name, value in values.items()}}
    return client.post(f"{SELL_URL}?member={member.pk}", data, follow=True)


def test_the_desk_chooses_sell_a_pack_on_a_member_and_lands_on_the_sale_page(desk, services):
    ana = MemberFactory(name="Ana Silva")
    choose = {"action": "sell_pack", "_selected_action": [str(ana.pk)], "index": 0}

    response = desk.post(admin_url(Member, "changelist"), choose)

    assert response.status_code == 302
    assert response["Location"] == f"{SELL_URL}?member={ana.pk}"


def test_sell_a_pack_takes_one_member_at_a_time(desk, services):
    ana, ben = MemberFactory(), MemberFactory()
    choose = {"action": "sell_pack", "_selected_action": [str(ana.pk), str(ben.pk)], "index": 0}

    response = desk.post(admin_url(Member, "changelist"), choose, follow=True)

    assert messages_of(response) == ["Sell a pack to one member at a time."]


def test_the_desk_sells_a_pack_recorded_under_its_name(desk, services):
    # given
    ana = MemberFactory(name="Ana Silva")
    pack = ProductFactory(name="10 classes", price=Decimal("90.00"))
    ProductFactory(name="Old pack", is_active=False)

    # when
    page = desk.get(f"{SELL_URL}?member={ana.pk}")
    done = sell(desk, ana, product=pack.pk, payment_method="cash")

    # then
    offered = [label for _, label in page.context["form"].fields["product"].choices]
    assert offered == ["10 classes — 10 credits for 90 days, 90.00 EUR"]
    purchase = Purchase.objects.get(member=ana)
    assert (purchase.payment_method, purchase.recorded_by) == ("cash", "Dee Desk")
    assert CreditGrant.objects.get(member=ana).amount == 10
    assert done.redirect_chain[-1][0] == admin_url(Member, "change", ana.pk)
    assert messages_of(done) == [
        f"Sold 10 classes to Ana Silva for 90.00 EUR (tax 15.00 EUR), receipt {purchase.reference}."
    ]


def test_a_second_intro_offer_is_refused_with_the_domains_message(desk, services):
    ana = MemberFactory(name="Ana Silva")
    intro = ProductFactory(name="Intro", credits=3, intro_offer=True)
    sell(desk, ana, product=intro.pk, payment_method="cash")

    again = sell(desk, ana, product=intro.pk, payment_method="card_terminal")

    assert again.status_code == 200
    assert messages_of(again)[-1] == (
        "Ana Silva: This member has already bought this intro offer: it is sold once per member."
    )
    assert Purchase.objects.filter(member=ana).count() == 1


@pytest.mark.parametrize(
    "values",
    [
        {"product": "", "payment_method": "cash"},
        {"product": "not-a-product", "payment_method": "cash"},
        {"payment_method": "bitcoin"},
    ],
)
def test_an_invalid_sale_form_is_shown_again_and_sells_nothing(desk, services, values):
    ana = MemberFactory()
    pack = ProductFactory()
    values.setdefault("product", pack.pk)

    response = sell(desk, ana, **values)

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Purchase.objects.exists()
    assert not CreditGrant.objects.exists()


def test_an_unknown_member_sends_the_desk_back_to_the_members(desk, services):
    response = desk.get(f"{SELL_URL}?member=nobody", follow=True)

    assert response.redirect_chain[-1][0] == admin_url(Member, "changelist")
    assert messages_of(response) == ["Choose the member to sell to first."]


def test_staff_without_the_permission_cannot_sell(client, django_user_model, services):
    user = django_user_model.objects.create_user(username="plain", is_staff=True)
    client.force_login(user)
    ana = MemberFactory()
    pack = ProductFactory()

    response = client.post(
        f"{SELL_URL}?member={ana.pk}",
        {APPLY: "yes", f"{FORM_PREFIX}-product": pack.pk, f"{FORM_PREFIX}-payment_method": "cash"},
    )

    assert response.status_code == 403
    assert not Purchase.objects.exists()


def test_the_desk_sees_products_but_does_not_change_them(desk):
    pack = ProductFactory()

    assert desk.get(admin_url(Product, "changelist")).status_code == 200
    assert desk.get(admin_url(Product, "add")).status_code == 403
    assert desk.post(admin_url(Product, "change", pack.pk), {"name": "x"}).status_code == 403


def test_purchases_are_listed_and_never_edited(desk, services):
    ana = MemberFactory(name="Ana Silva")
    sell(desk, ana, product=ProductFactory(name="5 classes").pk, payment_method="cash")
    purchase = Purchase.objects.get()

    listing = desk.get(admin_url(Purchase, "changelist"), {"payment_method": "cash"})

    assert listing.status_code == 200
    assert "Ana Silva" in listing.text and "5 classes" in listing.text
    assert desk.get(admin_url(Purchase, "add")).status_code == 403
    assert desk.post(admin_url(Purchase, "delete", purchase.pk)).status_code == 403


def manager_adds(client, **fields):
    values = {
        "name": "Intro",
        "credits": 3,
        "valid_days": 30,
        "price": "29.00",
        "currency": "EUR",
        "tax_rate": "20",
        "is_active": "on",
        **fields,
    }
    return client.post(admin_url(Product, "add"), values)


def test_a_manager_defines_a_product(client, django_user_model):
    manager = staff_client(client, django_user_model, "Manager", "boss")

    response = manager_adds(manager, intro_offer="on", currency="gbp")

    assert response.status_code == 302
    product = Product.objects.get()
    assert (product.currency, product.intro_offer, product.price) == ("GBP", True, Decimal("29"))


@pytest.mark.parametrize(
    "fields", [{"currency": "E1"}, {"credits": 0}, {"price": "-1"}, {"tax_rate": "101"}]
)
def test_an_invalid_product_is_refused_on_its_form(client, django_user_model, fields):
    manager = staff_client(client, django_user_model, "Manager", "boss")

    response = manager_adds(manager, **fields)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not Product.objects.exists()


def test_a_member_sees_the_packs_on_sale_and_that_the_desk_sells_them(member_client):
    ProductFactory(name="10 classes", credits=10, valid_days=90, price=Decimal("90.00"))
    ProductFactory(name="Intro", credits=3, valid_days=30, price=Decimal("29"), intro_offer=True)
    ProductFactory(name="Retired pack", is_active=False)

    page = member_client.get(reverse("sales:shop"))
    credits_page = member_client.get(reverse("members:credits"))

    assert page.status_code == 200
    assert "sold at the front desk" in page.text
    assert [pack.name for pack in page.context["packs"]] == ["Intro", "10 classes"]
    assert "3 credits, to use within 30 days of buying" in page.text
    assert "29.00 EUR" in page.text
    assert "Retired pack" not in page.text
    assert reverse("sales:shop") in credits_page.text
