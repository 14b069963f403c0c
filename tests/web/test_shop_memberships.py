"""Membership plans in the shop over the test client: each with what it includes; "Join online"
where Stripe is configured and she has no membership, else "Ask at the front desk"; joining
sends her to Stripe's page in subscription mode, and refusals change nothing."""

import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from domain.sales import PaymentMethod
from events.models import StoredEvent
from tests.factories import MembershipPlanFactory

pytestmark = pytest.mark.django_db

SHOP = reverse("sales:shop")


def text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


@pytest.fixture
def plan(db):
    return MembershipPlanFactory(
        name="Unlimited", allowance_classes=None, allowance_period="", price=Decimal("79.00")
    )


def join(client, plan):
    return client.post(reverse("payments:join", args=[plan.pk]))


def test_without_stripe_the_plans_are_listed_for_the_front_desk(member_client, settings, plan):
    settings.STRIPE_SECRET_KEY = ""
    MembershipPlanFactory(name="Retired", is_active=False)

    page = member_client.get(SHOP)

    assert page.status_code == 200
    assert "Unlimited — unlimited classes, 79.00 EUR monthly" in text(page)
    assert "Ask at the front desk" in page.text
    assert "Join online" not in page.text
    assert "Retired" not in page.text


def test_with_stripe_each_plan_has_a_join_online_button(member_client, stripe_fake, plan):
    page = member_client.get(SHOP)

    assert "Join online" in page.text
    assert f'action="{reverse("payments:join", args=[plan.pk])}"' in page.text
    assert "Ask at the front desk" not in page.text


def test_a_member_already_is_told_to_ask_at_the_desk_and_cannot_join_online(
    member_client, member, stripe_fake, services, plan
):
    services.start_membership.execute(
        str(member.pk), str(plan.pk), method=PaymentMethod.CASH, recorded_by="Dee"
    )

    page = member_client.get(SHOP)
    joined = join(member_client, plan)

    assert "Join online" not in page.text
    assert "You have a membership" in page.text
    assert joined.status_code == 302 and joined["Location"] == SHOP
    assert "already has a membership" in text(member_client.get(SHOP))
    assert not stripe_fake.sessions


def test_join_online_sends_her_to_stripes_page_for_a_subscription(
    member_client, member, stripe_fake, plan
):
    response = join(member_client, plan)

    [session] = stripe_fake.sessions.values()
    assert response.status_code == 302
    assert response["Location"] == session["url"]
    assert session["mode"] == "subscription"
    assert session["amount_total"] == 7900 and session["currency"] == "eur"
    [request] = stripe_fake.requests_to("POST", "/v1/checkout/sessions")
    [item] = request.params["line_items"]
    assert item["price_data"]["recurring"] == {"interval": "month"}
    assert item["price_data"]["product_data"] == {"name": "Unlimited membership"}
    metadata = {"member_id": str(member.pk), "plan_id": str(plan.pk)}
    assert request.params["metadata"] == metadata
    assert request.params["subscription_data"] == {"metadata": metadata}
    assert request.params["customer"].startswith("cus_")
    assert request.idempotency_key
    assert session["success_url"] == "http://testserver/me/membership/?joined=1"
    assert session["cancel_url"] == "http://testserver/shop/"
    [started] = StoredEvent.objects.filter(type="MembershipCheckoutStarted")
    assert started.payload["billing_period"] == "monthly"


def test_a_yearly_plan_recurs_every_year(member_client, stripe_fake):
    yearly = MembershipPlanFactory(billing_period="yearly", price=Decimal("600.00"))

    join(member_client, yearly)

    [request] = stripe_fake.requests_to("POST", "/v1/checkout/sessions")
    assert request.params["line_items"][0]["price_data"]["recurring"] == {"interval": "year"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("off sale", "no longer on sale"),
        ("closed", "account is closed or erased"),
    ],
)
def test_a_plan_off_sale_or_a_closed_account_is_refused_before_stripe(
    member_client, member, stripe_fake, plan, change, message
):
    if change == "off sale":
        plan.is_active = False
        plan.save(update_fields=["is_active"])
    else:
        member.is_active = False
        member.save(update_fields=["is_active"])

    response = join(member_client, plan)

    assert response.status_code == 302 and response["Location"] == SHOP
    assert message in text(member_client.get(SHOP))
    assert not stripe_fake.requests
    assert not StoredEvent.objects.filter(type="MembershipCheckoutStarted").exists()


def test_stripe_unreachable_is_said_and_nothing_is_started(member_client, stripe_fake, plan):
    stripe_fake.fail_with(500)

    response = join(member_client, plan)

    assert response.status_code == 302 and response["Location"] == SHOP
    assert "not possible right now" in text(member_client.get(SHOP))
    assert not StoredEvent.objects.filter(type="MembershipCheckoutStarted").exists()


def test_an_unknown_plan_is_a_404_and_a_get_is_refused(member_client, stripe_fake, plan):
    missing = member_client.post(
        reverse("payments:join", args=["00000000-0000-0000-0000-000000000000"])
    )
    got = member_client.get(reverse("payments:join", args=[plan.pk]))

    assert missing.status_code == 404
    assert got.status_code == 405
    assert not stripe_fake.requests


def test_back_from_paying_the_membership_page_says_it_starts_once_confirmed(
    member_client, stripe_fake
):
    page = text(member_client.get(reverse("memberships:mine") + "?joined=1"))

    assert "your membership starts as soon as Stripe confirms the payment" in page
    assert "online in the shop" in page
