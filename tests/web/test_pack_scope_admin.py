"""A manager limits a class pack to class names or locations on its form; the desk's sale
page says what such a pack is for."""

from decimal import Decimal

import pytest
from django.urls import reverse

from domain.exceptions import InvalidCreditScopeException
from sales.models import Product
from sales.wording import pack_summary
from tests.factories import LocationFactory, MemberFactory, ProductFactory, staff_client

pytestmark = pytest.mark.django_db

PRODUCT = {
    "name": "5 Yoga classes",
    "credits": 5,
    "valid_days": 60,
    "price": "50.00",
    "currency": "EUR",
    "tax_rate": "0",
    "is_active": "on",
}


def test_a_manager_limits_a_pack_to_class_names_and_locations(manager):
    old_town = LocationFactory(name="Old Town")

    response = manager.post(
        reverse("admin:sales_product_add"),
        {**PRODUCT, "class_names": " Yoga,  pilates ", "locations": [old_town.pk]},
    )

    assert response.status_code == 302
    product = Product.objects.get()
    assert product.class_names == "Yoga,  pilates"
    assert list(product.locations.all()) == [old_town]
    assert product.credit_scope().class_names == ("Yoga", "pilates")


def test_a_pack_left_open_pays_for_every_class(manager):
    manager.post(reverse("admin:sales_product_add"), PRODUCT)

    product = Product.objects.get()
    assert not product.credit_scope().is_limited


@pytest.mark.parametrize("names", ["Yoga,,Pilates", "Yoga,", "x" * 121])
def test_a_list_of_class_names_with_an_empty_or_overlong_name_is_refused(manager, names):
    response = manager.post(reverse("admin:sales_product_add"), {**PRODUCT, "class_names": names})

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["class_names"] == [InvalidCreditScopeException.default_message]
    assert not Product.objects.exists()


def test_an_unknown_location_is_refused_on_the_pack_s_form(manager):
    response = manager.post(reverse("admin:sales_product_add"), {**PRODUCT, "locations": [999999]})

    assert response.status_code == 200
    assert "locations" in response.context["adminform"].form.errors
    assert not Product.objects.exists()


def test_a_scoped_pack_s_summary_says_what_it_is_for():
    pack = ProductFactory(
        name="5 Yoga classes", credits=5, valid_days=60, price=Decimal("50"), class_names="Yoga"
    )
    pack.locations.set([LocationFactory(name="Old Town")])

    assert pack_summary(pack) == (
        "5 Yoga classes — 5 credits for 60 days, 50.00 EUR, for Yoga at Old Town only"
    )


def test_an_open_pack_s_summary_names_no_limit():
    pack = ProductFactory(name="10 classes", credits=10, valid_days=90, price=Decimal("90"))

    assert pack_summary(pack) == "10 classes — 10 credits for 90 days, 90.00 EUR"


def test_the_desk_s_sale_page_lists_a_scoped_pack_with_its_limit(manager):
    pack = ProductFactory(name="Spin pack", class_names="Spin")
    ana = MemberFactory()

    response = manager.get(f"{reverse('admin:sales_purchase_sell')}?member={ana.pk}")

    assert response.status_code == 200
    assert f"{pack.name} — " in response.content.decode()
    assert "for Spin only" in response.content.decode()


def test_the_shop_says_what_a_limited_pack_pays_for(member_client):
    yoga = ProductFactory(name="5 Yoga classes", class_names="Yoga")
    ProductFactory(name="10 classes")

    page = member_client.get(reverse("sales:shop")).content.decode()

    assert "For Yoga only" in page
    assert page.count("only</span>") == 1
    assert yoga.name in page


def test_a_manager_of_one_gym_limits_packs_among_hers_and_keeps_a_limit_elsewhere(
    client, django_user_model
):
    old_town, harbour = LocationFactory(name="Old Town"), LocationFactory(name="Harbour Side")
    pack = ProductFactory(name="5 Yoga classes")
    pack.locations.set([harbour])
    manager = staff_client(client, django_user_model, "Manager", "olga", locations=[old_town])
    change = reverse("admin:sales_product_change", args=[pack.pk])

    page = manager.get(change)
    saved = manager.post(change, {**PRODUCT, "locations": [old_town.pk]})

    assert "Harbour Side" not in page.content.decode()
    assert saved.status_code == 302
    assert set(pack.locations.all()) == {old_town, harbour}
