"""The "Sales" line of a member's admin page: her live membership (status, next renewal), how
many purchases and the latest, and the fees she owes per currency; nobody else's."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from domain.fees import FeeKind, FeeStatus
from members.models import Member
from sales.models import Fee
from tests.factories import BookingFactory, MemberFactory, MembershipFactory, PurchaseFactory
from tests.web.test_admin import admin_url
from web import formatting

pytestmark = pytest.mark.django_db


def fee(member, status=FeeStatus.OWED, amount="8.00"):
    booking = BookingFactory(member=member, status="no_show")
    return Fee.objects.create(
        member=member,
        booking=booking,
        fitness_class=booking.fitness_class,
        kind=FeeKind.NO_SHOW,
        amount=Decimal(amount),
        currency="EUR",
        status=status,
        imposed_at=timezone.now(),
    )


def sales_of(admin_client, member) -> str:
    page = admin_client.get(admin_url(Member, "change", member.pk))
    return page.content.decode()


def test_the_member_page_sums_up_her_membership_purchases_and_fees_owed(admin_client):
    ana, ben = MemberFactory(name="Ana"), MemberFactory(name="Ben")
    membership = MembershipFactory(member=ana, plan__name="Eight a month")
    PurchaseFactory(credit_grant__member=ana, purchased_at=timezone.now() - timedelta(days=9))
    latest = PurchaseFactory(credit_grant__member=ana)
    fee(ana)
    fee(ana, amount="5.00")
    fee(ana, status=FeeStatus.WAIVED, amount="20.00")
    PurchaseFactory(credit_grant__member=ben)
    fee(ben, amount="99.00")

    page = sales_of(admin_client, ana)

    renews = formatting.staff_day(membership.period_end)
    assert f"Eight a month: Active, renews on {renews}." in page
    assert f"2 purchases, the latest on {formatting.staff_day(latest.purchased_at)}." in page
    assert "Fees owed: 13.00 EUR." in page


def test_a_member_with_nothing_bought_is_told_so(admin_client):
    page = sales_of(admin_client, MemberFactory())

    assert "No membership.<br>0 purchases.<br>No fees owed." in page
