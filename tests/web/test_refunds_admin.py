"""The Manager refunds a purchase from its admin page ("Refund…" → the refund's page), the
refunds are listed on the purchase read-only, and the Front desk may not refund."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from domain.sales import PaymentMethod
from members.models import CreditGrant
from sales.models import Purchase, Refund
from tests.factories import MemberFactory, ProductFactory, staff_client
from tests.web.test_admin import admin_url, messages_of
from web.admin_actions import APPLY, FORM_PREFIX

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client, django_user_model):
    return staff_client(client, django_user_model, "Manager", "max")


@pytest.fixture
def purchase(services):
    ana = MemberFactory(name="Ana Silva")
    pack = ProductFactory(name="10 classes", price=Decimal("90.00"))
    sold = services.sell_product.execute(
        str(ana.pk), str(pack.pk), method=PaymentMethod.CASH, recorded_by="Dee Desk"
    )
    return Purchase.objects.get(pk=sold.purchase_id)


def refund_url(purchase) -> str:
    return reverse("admin:sales_purchase_refund", args=[purchase.pk])


def post_refund(client, purchase, **values):
    data = {APPLY: "yes", **{f"{FORM_PREFIX}-{name}": value for name, value in values.items()}}
    return client.post(refund_url(purchase), data, follow=True)


def test_refund_on_a_purchases_page_opens_the_refund_form(manager, purchase):
    page = manager.get(admin_url(Purchase, "change", purchase.pk))
    assert b"Refund\xe2\x80\xa6" in page.content

    chosen = manager.post(
        admin_url(Purchase, "change", purchase.pk),
        {"CHANGE_FORM-action": "refund", "_selected_action": str(purchase.pk)},
    )

    assert chosen.status_code == 302
    assert chosen["Location"] == refund_url(purchase)


def test_the_form_offers_what_is_left_and_every_unspent_credit(manager, purchase):
    page = manager.get(refund_url(purchase))

    form = page.context["form"]
    assert (form["amount"].value(), form["credits"].value()) == (Decimal("90.00"), 10)
    assert "90.00 EUR left to refund" in page.content.decode()


def test_the_manager_refunds_part_and_the_purchase_lists_it(manager, purchase):
    # when
    done = post_refund(manager, purchase, amount="30.00", credits="3", reason="Injured")

    # then
    refund = Refund.objects.get(purchase=purchase)
    assert (refund.amount, refund.tax, refund.credits_withdrawn) == (
        Decimal("30.00"),
        Decimal("5.00"),
        3,
    )
    assert refund.recorded_by == "max"
    assert CreditGrant.objects.get(pk=purchase.credit_grant_id).remaining == 7
    assert done.redirect_chain[-1][0] == admin_url(Purchase, "change", purchase.pk)
    assert messages_of(done) == [
        f"Refunded 30.00 EUR (tax 5.00 EUR) of 10 classes to Ana Silva, 3 credits withdrawn, "
        f"refund {refund.reference}."
    ]
    page = done.content.decode()
    assert refund.reference in page and "Injured" in page
    again = manager.get(refund_url(purchase))
    assert again.context["form"]["amount"].value() == Decimal("60.00")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"amount": "90.01", "credits": "10", "reason": "Moved"}, "at most 90.00 EUR"),
        ({"amount": "10.00", "credits": "11", "reason": "Moved"}, "unspent credits"),
        ({"amount": "10.00", "credits": "10", "reason": ""}, "This field is required."),
        ({"amount": "ten", "credits": "10", "reason": "Moved"}, "Enter a number."),
        ({"amount": "0", "credits": "10", "reason": "Moved"}, "greater than or equal to 0.01"),
        ({"amount": "10.001", "credits": "1", "reason": "Moved"}, "2 decimal places"),
        ({"amount": "10.00", "credits": "-1", "reason": "Moved"}, "greater than or equal to 0"),
    ],
)
def test_bad_input_is_shown_on_the_form_and_nothing_is_refunded(manager, purchase, values, message):
    page = post_refund(manager, purchase, **values)

    assert page.status_code == 200
    assert message in page.content.decode()
    assert not Refund.objects.exists()
    assert CreditGrant.objects.get(pk=purchase.credit_grant_id).remaining == 10


def test_an_unknown_purchase_is_said_so(manager):
    page = manager.get(
        reverse("admin:sales_purchase_refund", args=["00000000-0000-0000-0000-000000000000"]),
        follow=True,
    )

    assert messages_of(page) == ["That purchase does not exist."]


def test_the_front_desk_may_not_refund(client, django_user_model, purchase):
    desk = staff_client(client, django_user_model, "Front desk", "dee")

    page = desk.get(admin_url(Purchase, "change", purchase.pk))
    refused = post_refund(desk, purchase, amount="90.00", credits="10", reason="Moved")

    assert page.status_code == 200 and b"Refund\xe2\x80\xa6" not in page.content
    assert refused.status_code == 403
    assert desk.get(refund_url(purchase)).status_code == 403
    assert not Refund.objects.exists()


def test_refunding_is_the_managers_permission_and_not_the_front_desks():
    def codenames(group: str) -> set[str]:
        refunds = Group.objects.get(name=group).permissions.filter(content_type__model="refund")
        return set(refunds.values_list("codename", flat=True))

    assert codenames("Manager") >= {"add_refund", "view_refund"}
    assert codenames("Front desk") == set()
