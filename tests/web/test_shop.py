"""The shop over the test client: without Stripe the packs are sold at the front desk and the
pages say so; with it, "Buy online" sends the member to Stripe's page, and back on the site
the page shows her credits once Stripe has confirmed the payment. The whole flow runs here
against the fake Stripe server, without a browser."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from events.models import StoredEvent
from members.models import CreditGrant
from payments.models import StripeCustomer
from sales.models import Purchase
from tests.factories import ProductFactory
from tests.fakes.stripe_server import sign

pytestmark = pytest.mark.django_db

SHOP = reverse("sales:shop")


@pytest.fixture
def pack(db):
    return ProductFactory(name="10 classes", credits=10, valid_days=90, price=Decimal("90.00"))


def buy(client, product):
    return client.post(reverse("payments:buy", args=[product.pk]))


def test_without_stripe_the_shop_and_credits_pages_say_the_desk_sells_packs(
    member_client, settings, pack
):
    settings.STRIPE_SECRET_KEY = ""

    page = member_client.get(SHOP)
    credits_page = member_client.get(reverse("members:credits"))

    assert page.status_code == 200
    assert "sold at the front desk" in page.text
    assert "Buying online is not available" in page.text
    assert "Buy online" not in page.text
    assert "10 credits, to use within 90 days of buying" in page.text
    assert "are sold at the front desk" in credits_page.text
    assert SHOP in credits_page.text


def test_with_stripe_each_pack_has_a_buy_online_button(member_client, stripe_fake, pack):
    page = member_client.get(SHOP)
    credits_page = member_client.get(reverse("members:credits"))

    assert page.status_code == 200
    assert "Buy online" in page.text
    assert f'action="{reverse("payments:buy", args=[pack.pk])}"' in page.text
    assert "csrfmiddlewaretoken" in page.text
    assert "online, or at the front desk" in credits_page.text


def test_the_old_packs_address_moved_to_the_shop_for_good(member_client):
    response = member_client.get("/me/packs/")

    assert response.status_code == 301
    assert response["Location"] == SHOP


def test_buy_online_sends_her_to_stripes_page_for_the_pack(
    member_client, member, stripe_fake, pack
):
    response = buy(member_client, pack)

    [session] = stripe_fake.sessions.values()
    assert response.status_code == 302
    assert response["Location"] == session["url"]
    assert session["amount_total"] == 9000
    assert session["currency"] == "eur"
    assert session["metadata"] == {"member_id": str(member.pk), "product_id": str(pack.pk)}
    assert session["success_url"] == (
        "http://testserver/shop/paid/?session_id={CHECKOUT_SESSION_ID}"
    )
    assert session["cancel_url"] == "http://testserver/shop/"
    assert StripeCustomer.objects.get(member=member).customer_id == session["customer"]
    assert StoredEvent.objects.filter(type="OnlineCheckoutStarted").count() == 1
    assert not CreditGrant.objects.filter(member=member).exists()  # not paid yet


def test_buying_is_a_post_with_the_csrf_token(member, stripe_fake, pack):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member.user)

    assert strict.get(reverse("payments:buy", args=[pack.pk])).status_code == 405
    assert buy(strict, pack).status_code == 403
    assert stripe_fake.requests == []


def test_an_intro_offer_bought_before_is_not_offered_for_payment(
    member_client, member, stripe_fake, services
):
    intro = ProductFactory(name="Intro", credits=3, intro_offer=True)
    services.sell_product.execute(str(member.pk), str(intro.pk), method="cash", recorded_by="Dee")

    response = buy(member_client, intro)

    assert response.status_code == 302
    assert response["Location"] == SHOP
    page = member_client.get(SHOP)
    assert "already bought this intro offer" in page.text
    assert stripe_fake.requests == []


def test_a_pack_no_longer_on_sale_is_refused(member_client, stripe_fake):
    retired = ProductFactory(is_active=False)

    page = member_client.get(reverse("payments:buy", args=[retired.pk]), follow=False)
    buy(member_client, retired)

    assert page.status_code == 405
    assert "no longer on sale" in member_client.get(SHOP).text
    assert stripe_fake.requests == []


def test_an_unknown_pack_is_not_found(member_client, stripe_fake):
    response = member_client.post(
        reverse("payments:buy", args=["00000000-0000-0000-0000-000000000001"])
    )

    assert response.status_code == 404


def test_without_stripe_buying_online_is_refused_clearly(member_client, settings, pack):
    settings.STRIPE_SECRET_KEY = ""

    response = buy(member_client, pack)

    assert response["Location"] == SHOP
    assert "Paying online is not possible right now" in member_client.get(SHOP).text


@pytest.mark.parametrize("status", [402, 500])
def test_stripe_failing_is_a_clear_message_and_changes_nothing(
    member_client, stripe_fake, pack, status
):
    stripe_fake.fail_with(status)

    response = buy(member_client, pack)

    assert response.status_code == 302
    assert response["Location"] == SHOP
    page = member_client.get(SHOP)
    assert "Paying online is not possible right now, so nothing was charged" in page.text
    assert not StripeCustomer.objects.exists()
    assert not StoredEvent.objects.filter(type="OnlineCheckoutStarted").exists()


def test_the_whole_flow_from_the_shop_to_her_credits(member_client, member, stripe_fake, pack):
    buy(member_client, pack)
    [session_id] = stripe_fake.sessions
    paid_page = reverse("payments:paid") + f"?session_id={session_id}"

    before = member_client.get(paid_page)
    stripe_fake.mark_paid(session_id, payment_method="pm_visa")
    payload = json.dumps(stripe_fake.event(session_id))
    delivered = member_client.post(
        reverse("payments:stripe_webhook"),
        payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(payload),
    )
    after = member_client.get(paid_page)

    assert "as soon as Stripe confirms the payment" in before.text
    assert delivered.status_code == 200
    assert "10 classes is yours" in after.text
    assert "10 credits are" in after.text
    assert Purchase.objects.get(member=member).payment_method == "online"
    assert CreditGrant.objects.get(member=member).remaining == 10


def test_another_members_checkout_tells_her_nothing(
    member_client, member, other_client, stripe_fake, pack
):
    buy(member_client, pack)
    [session_id] = stripe_fake.sessions
    stripe_fake.mark_paid(session_id)
    payload = json.dumps(stripe_fake.event(session_id))
    member_client.post(
        reverse("payments:stripe_webhook"),
        payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(payload),
    )

    page = other_client.get(reverse("payments:paid") + f"?session_id={session_id}")

    assert page.status_code == 200
    assert "10 classes" not in page.text
    assert "as soon as Stripe confirms the payment" in page.text


def test_the_shops_forms_may_lead_to_stripes_page_and_nowhere_else(member_client, stripe_fake):
    """Browsers hold a form's redirect to the policy of the page the form was on."""
    policy = member_client.get(SHOP)["Content-Security-Policy"]
    elsewhere = member_client.get(reverse("members:credits"))["Content-Security-Policy"]

    assert "form-action 'self' https://checkout.stripe.com" in policy
    assert "form-action 'self';" in elsewhere + ";"
