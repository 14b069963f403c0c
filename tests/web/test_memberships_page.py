"""The member's membership page: what it includes and what she used, its renewal, freezing,
unfreezing and cancelling at the period end (confirmed), with clear messages; and booking a
class on the membership through the class's page."""

import html
import re
from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from domain.sales import PaymentMethod
from members.models import Membership
from tests.factories import FitnessClassFactory, MembershipPlanFactory

pytestmark = pytest.mark.django_db

PAGE = reverse("memberships:mine")


def text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


@pytest.fixture
def on_plan(member, services):
    plan = MembershipPlanFactory(name="Eight a month", allowance_classes=8)
    services.start_membership.execute(
        str(member.pk), str(plan.pk), method=PaymentMethod.CASH, recorded_by="Dee"
    )
    return Membership.objects.get(member=member)


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_without_a_membership_the_plans_on_sale_are_listed(member_client):
    MembershipPlanFactory(name="Unlimited", allowance_classes=None, allowance_period="")
    MembershipPlanFactory(name="Retired", is_active=False)

    page = text(member_client.get(PAGE))

    assert "You have no membership" in page
    assert "Unlimited — unlimited classes, 60.00 EUR monthly" in page
    assert "Retired" not in page


def test_the_page_shows_the_plan_what_was_used_and_the_renewal(member_client, on_plan):
    page = text(member_client.get(PAGE))

    assert "Eight a month" in page and "Active" in page
    assert "This month: 0 of 8 classes booked." in page
    renews = timezone.localtime(on_plan.period_end)
    assert f"Next renewal: {renews.day} {renews:%B %Y}" in page


def test_a_failed_renewal_is_said_with_the_day_it_ends_unless_paid(
    member_client, member, on_plan, services
):
    services.record_renewal_failure.execute(str(member.pk), "Card declined")

    failed = text(member_client.get(PAGE))
    services.renew_membership.execute(str(member.pk), recorded_by="Dee")
    renewed = text(member_client.get(PAGE))

    ends = timezone.localtime(on_plan.period_end)
    assert "The payment for your next period did not go through." in failed
    assert f"Pay it at the front desk before {ends.day} {ends:%B %Y} , or your" in failed
    assert "did not go through" not in renewed and "Next renewal:" in renewed


def test_a_failed_renewal_billed_online_says_the_card_is_tried_again(
    member_client, member, on_plan, services
):
    Membership.objects.filter(pk=on_plan.pk).update(external_subscription_id="sub_1")
    services.record_renewal_failure.execute(str(member.pk), "Card declined")

    page = text(member_client.get(PAGE))

    ends = timezone.localtime(on_plan.period_end)
    assert f"Your card will be tried again; if it is not paid by {ends.day} {ends:%B %Y}" in page


def test_the_credits_page_links_the_membership_page(member_client):
    assert PAGE in member_client.get(reverse("members:credits")).content.decode()


def test_a_freeze_is_saved_and_said_and_unfreezing_ends_it(member_client, on_plan):
    first = timezone.localdate() + timedelta(days=2)
    last = first + timedelta(days=6)

    response = member_client.post(
        reverse("memberships:freeze"), {"starts_on": first, "ends_on": last}, follow=True
    )

    assert "Your membership is frozen from" in text(response)
    on_plan.refresh_from_db()
    assert on_plan.freezes == [[str(first), str(last)]]
    response = member_client.post(reverse("memberships:unfreeze"), follow=True)
    assert "Your membership is unfrozen" in text(response)
    on_plan.refresh_from_db()
    assert on_plan.freezes == []


def test_a_freeze_in_the_past_is_refused_and_changes_nothing(member_client, on_plan):
    yesterday = timezone.localdate() - timedelta(days=1)

    response = member_client.post(
        reverse("memberships:freeze"), {"starts_on": yesterday, "ends_on": yesterday}, follow=True
    )

    assert "A freeze starts today or later" in text(response)
    on_plan.refresh_from_db()
    assert on_plan.freezes == []


def test_a_freeze_form_with_no_dates_is_shown_again_with_its_errors(member_client, on_plan):
    response = member_client.post(reverse("memberships:freeze"), {"starts_on": "soon"})

    assert response.status_code == 200
    assert "Enter a valid date" in text(response)


def test_cancelling_needs_the_confirmation_then_it_ends_at_the_period_end(member_client, on_plan):
    refused = member_client.post(reverse("memberships:cancel"), {})
    assert refused.status_code == 200
    assert "Tick the box to confirm" in text(refused)
    on_plan.refresh_from_db()
    assert not on_plan.cancel_at_period_end

    response = member_client.post(reverse("memberships:cancel"), {"confirm": "on"}, follow=True)

    assert "Your membership ends at the end of this period" in text(response)
    assert "it will not renew" in text(response)
    on_plan.refresh_from_db()
    assert on_plan.cancel_at_period_end
    response = member_client.post(reverse("memberships:undo_cancel"), follow=True)
    assert "Your membership will renew as before." in text(response)


def test_changing_a_membership_she_does_not_have_says_so(member_client):
    response = member_client.post(reverse("memberships:unfreeze"), follow=True)
    assert "There is no membership to change: none has been started." in text(response)


def test_the_changes_are_posts_only(member_client, on_plan):
    for name in ("freeze", "unfreeze", "cancel", "undo_cancel"):
        assert member_client.get(reverse(f"memberships:{name}")).status_code == 405


def test_a_member_books_on_her_membership_from_the_class_page(member_client, member, on_plan):
    spin = FitnessClassFactory(starts_at=timezone.now() + timedelta(days=1))

    member_client.post(reverse("bookings:book", args=[spin.pk]))

    booking = spin.bookings.get(member=member)
    assert booking.membership_id == on_plan.pk and booking.credit_grant_id is None


def test_the_class_page_offers_booking_on_the_membership_without_credits(member_client, on_plan):
    spin = FitnessClassFactory(starts_at=timezone.now() + timedelta(days=1))

    page = member_client.get(reverse("classes:detail", args=[spin.pk])).content.decode()

    assert reverse("bookings:book", args=[spin.pk]) in page
    assert "blocked-reason" not in page


@pytest.fixture
def booking_always_open(settings):
    """No booking window (requested before `services`, so the use cases read it)."""
    settings.GYM_BOOKING_OPENS_DAYS = 0


def test_the_class_page_says_when_the_allowance_is_used(
    booking_always_open, member_client, member, services
):
    plan = MembershipPlanFactory(allowance_classes=1, allowance_period="month")
    services.start_membership.execute(
        str(member.pk), str(plan.pk), method=PaymentMethod.CASH, recorded_by="Dee"
    )
    # both on the 1st of next month, which her first period holds
    first_of_next = (timezone.localdate().replace(day=1) + timedelta(days=32)).replace(day=1)
    ten = timezone.make_aware(datetime.combine(first_of_next, time(10)))
    first = FitnessClassFactory(starts_at=ten)
    services.book_class.execute(str(member.pk), str(first.pk))
    second = FitnessClassFactory(starts_at=ten + timedelta(hours=2))

    page = text(member_client.get(reverse("classes:detail", args=[second.pk])))

    assert "You can't book this class now" in page
    assert "Your plan includes 1 class a month, and you have booked them all" in page


def test_cancelling_a_membership_booking_says_the_class_is_back_in_the_allowance(
    member_client, member, on_plan
):
    spin = FitnessClassFactory(starts_at=timezone.now() + timedelta(days=1))
    member_client.post(reverse("bookings:book", args=[spin.pk]))
    booking = spin.bookings.get(member=member)

    response = member_client.post(reverse("bookings:cancel", args=[booking.pk]), follow=True)

    assert "the class is back in your plan's allowance." in text(response)
    assert "credit" not in text(response).split("is cancelled")[1].split(".")[0]
