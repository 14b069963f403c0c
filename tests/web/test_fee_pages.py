"""Fees on the member's pages and in the admin: told before a late cancellation, listed on
her fees page, waived by a Manager only (with a reason, within the window), recorded as paid
at the desk, at the staff's own locations only."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from domain.fees import FeeKind, FeeStatus
from domain.sales import PaymentMethod
from sales.models import Fee, Product
from tests.factories import (
    BookingFactory,
    CreditGrantFactory,
    FitnessClassFactory,
    LocationFactory,
    MembershipPlanFactory,
    ProductFactory,
    PurchaseFactory,
    staff_client,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:sales_fee_changelist")
FEE_WARNING = (
    "Cancelling now keeps your credit spent and charges a late-cancellation fee of 5.00 EUR."
)


def booked_with_fee_pack(member, starts_in=timedelta(hours=1), late_cancel_fee=Decimal("5")):
    purchase = PurchaseFactory(
        product=ProductFactory(late_cancel_fee=late_cancel_fee), credit_grant__member=member
    )
    return BookingFactory(
        member=member,
        credit_grant=purchase.credit_grant,
        fitness_class=FitnessClassFactory(starts_at=timezone.now() + starts_in),
    )


def a_fee(member=None, *, imposed_ago=timedelta(days=1), **class_fields) -> Fee:
    booking = BookingFactory(status="no_show", fitness_class=FitnessClassFactory(**class_fields))
    if member is not None:
        booking.member = member
        booking.save()
    return Fee.objects.create(
        member=booking.member,
        booking=booking,
        fitness_class=booking.fitness_class,
        kind=FeeKind.NO_SHOW,
        amount=Decimal("8.00"),
        currency="EUR",
        imposed_at=timezone.now() - imposed_ago,
    )


# --- Told before she cancels ----------------------------------------------------------------


def test_my_bookings_says_the_fee_a_late_cancellation_would_charge(
    late_cancellation_forfeits, services, member_client, member
):
    booked_with_fee_pack(member)

    page = member_client.get(reverse("bookings:mine")).content.decode()

    assert FEE_WARNING in page


def test_a_late_cancellation_s_message_says_the_fee(
    late_cancellation_forfeits, member_client, member
):
    booking = booked_with_fee_pack(member)

    response = member_client.post(reverse("bookings:cancel", args=[booking.pk]), follow=True)

    [message] = [str(message) for message in response.context["messages"]]
    assert "late cancellation, so your credit is not refunded" in message
    assert message.endswith("A late-cancellation fee of 5.00 EUR applies.")


def test_my_bookings_says_no_fee_outside_the_window_or_without_one(
    late_cancellation_forfeits, services, member_client, member
):
    booked_with_fee_pack(member, starts_in=timedelta(days=2))
    booked_with_fee_pack(member, late_cancel_fee=None)

    page = member_client.get(reverse("bookings:mine")).content.decode()

    assert "late-cancellation fee" not in page
    assert "Your credit will be refunded." in page
    assert "your credit is not refunded" in page


# --- Her fees page -------------------------------------------------------------------------------


def test_her_fees_page_lists_her_fees_and_not_another_member_s(member_client, member):
    a_fee(member, name="Yoga")
    a_fee(name="Boxing")  # another member's

    response = member_client.get(reverse("fees:mine"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Yoga" in page and "8.00 EUR" in page and "Owed" in page
    assert "Boxing" not in page
    assert "You owe 1 fee" in page


def test_her_fees_page_needs_a_member(client):
    response = client.get(reverse("fees:mine"))

    assert response.status_code == 302


# --- The admin ---------------------------------------------------------------------------------


def waive(client, fee, reason="First time"):
    return client.post(
        CHANGELIST,
        {
            "action": "waive",
            "_selected_action": [str(fee.pk)],
            "_apply_action": "1",
            "action_form-reason": reason,
        },
        follow=True,
    )


def test_a_manager_waives_a_fee_with_a_reason(services, manager):
    fee = a_fee()

    response = waive(manager, fee)

    fee.refresh_from_db()
    assert fee.status == FeeStatus.WAIVED
    assert fee.reason == "First time"
    assert "Waived 1 fee." in response.content.decode()


def test_a_waiver_without_a_reason_asks_again_and_changes_nothing(services, manager):
    fee = a_fee()

    response = waive(manager, fee, reason="")

    fee.refresh_from_db()
    assert fee.status == FeeStatus.OWED
    assert "This field is required." in response.content.decode()


def test_a_fee_outside_the_waive_window_is_refused_with_a_message(services, manager):
    fee = a_fee(imposed_ago=timedelta(days=8))

    response = waive(manager, fee)

    fee.refresh_from_db()
    assert fee.status == FeeStatus.OWED
    assert "can be waived within 7 days" in response.content.decode()


def test_the_front_desk_may_not_waive_but_records_a_fee_paid_at_the_desk(services, front_desk):
    fee = a_fee()

    listing = front_desk.get(CHANGELIST).content.decode()
    refused = waive(front_desk, fee)
    fee.refresh_from_db()
    assert 'value="waive"' not in listing
    assert fee.status == FeeStatus.OWED
    assert refused.status_code == 200

    front_desk.post(
        CHANGELIST, {"action": "paid_at_desk", "_selected_action": [str(fee.pk)]}, follow=True
    )

    fee.refresh_from_db()
    assert (fee.status, fee.settled_by) == (FeeStatus.PAID_AT_DESK, "desk")


def test_staff_see_only_the_fees_at_their_locations(services, client, django_user_model):
    mine, theirs = LocationFactory(name="Old Town"), LocationFactory(name="Riverside")
    here = a_fee(location=mine, name="Yoga here")
    there = a_fee(location=theirs, name="Boxing there")
    desk = staff_client(client, django_user_model, "Manager", "local", locations=[mine])

    listing = desk.get(CHANGELIST).content.decode()
    other = desk.get(reverse("admin:sales_fee_change", args=[there.pk]))
    waive(desk, there)

    assert "Yoga here" in listing or str(here.member) in listing
    assert "Boxing there" not in listing
    assert other.status_code == 404
    there.refresh_from_db()
    assert there.status == FeeStatus.OWED


def test_the_late_booking_consent_names_the_fees_of_the_credit_she_would_spend(
    late_cancellation_forfeits, services, member_client, member
):
    PurchaseFactory(
        product=ProductFactory(late_cancel_fee=Decimal("5"), no_show_fee=Decimal("8")),
        credit_grant__member=member,
    )
    soon = FitnessClassFactory(starts_at=timezone.now() + timedelta(hours=1))

    page = member_client.get(reverse("classes:detail", args=[soon.pk])).content.decode()

    assert "I understand" in page
    assert "charges a late cancellation fee of 5.00 EUR and a no-show fee of 8.00 EUR" in page


def test_the_late_booking_consent_names_no_fee_for_a_granted_credit(
    late_cancellation_forfeits, services, member_client, member
):
    CreditGrantFactory(member=member)
    soon = FitnessClassFactory(starts_at=timezone.now() + timedelta(hours=1))

    page = member_client.get(reverse("classes:detail", args=[soon.pk])).content.decode()

    assert "I understand" in page
    assert " fee of " not in page


def test_the_late_booking_consent_names_her_membership_s_fees_when_it_pays(
    late_cancellation_forfeits, services, member_client, member
):
    PurchaseFactory(
        product=ProductFactory(late_cancel_fee=Decimal("5"), no_show_fee=Decimal("8")),
        credit_grant__member=member,
    )
    plan = MembershipPlanFactory(
        allowance_classes=None,
        allowance_period="",
        late_cancel_fee=Decimal("3"),
        no_show_fee=Decimal("4"),
    )
    services.start_membership.execute(
        str(member.pk), str(plan.pk), method=PaymentMethod.CASH, recorded_by="Dee Desk"
    )
    soon = FitnessClassFactory(starts_at=timezone.now() + timedelta(hours=1))

    page = member_client.get(reverse("classes:detail", args=[soon.pk])).content.decode()

    assert (
        "Your membership charges a late cancellation fee of 3.00 EUR and a no-show fee of "
        "4.00 EUR." in page
    )
    assert "5.00 EUR" not in page


def test_the_consent_names_the_credit_s_fees_once_the_membership_s_allowance_is_used(
    late_cancellation_forfeits, services, member_client, member
):
    PurchaseFactory(
        product=ProductFactory(late_cancel_fee=Decimal("5")), credit_grant__member=member
    )
    plan = MembershipPlanFactory(
        allowance_classes=1, allowance_period="week", late_cancel_fee=Decimal("3")
    )
    services.start_membership.execute(
        str(member.pk), str(plan.pk), method=PaymentMethod.CASH, recorded_by="Dee Desk"
    )
    soon = FitnessClassFactory(starts_at=timezone.now() + timedelta(hours=1))
    # the same week's allowance, spent on a class later that day
    later = FitnessClassFactory(starts_at=soon.starts_at + timedelta(hours=2))
    services.book_class.execute(str(member.pk), str(later.pk), late_confirmed=True)

    page = member_client.get(reverse("classes:detail", args=[soon.pk])).content.decode()

    assert "charges a late cancellation fee of 5.00 EUR" in page
    assert "3.00 EUR" not in page


# --- A pack's fees -------------------------------------------------------------------------------

PRODUCT = {
    "name": "10 classes",
    "credits": 10,
    "valid_days": 90,
    "price": "90.00",
    "currency": "EUR",
    "tax_rate": "20",
    "is_active": "on",
}


def test_a_manager_gives_a_pack_its_fees(manager):
    response = manager.post(
        reverse("admin:sales_product_add"),
        {**PRODUCT, "late_cancel_fee": "5", "no_show_fee": "8.50"},
    )

    assert response.status_code == 302
    product = Product.objects.get()
    assert (product.late_cancel_fee, product.no_show_fee) == (Decimal("5"), Decimal("8.50"))


def test_a_pack_without_fees_has_none(manager):
    manager.post(reverse("admin:sales_product_add"), PRODUCT)

    assert Product.objects.filter(late_cancel_fee=None, no_show_fee=None).count() == 1


@pytest.mark.parametrize("fee", ["0", "-1", "abc", "0.001", "100000000000"])
def test_a_fee_of_nothing_or_nonsense_is_refused_on_the_pack_s_form(manager, fee):
    response = manager.post(reverse("admin:sales_product_add"), {**PRODUCT, "no_show_fee": fee})

    assert response.status_code == 200
    assert "no_show_fee" in response.context["adminform"].form.errors
    assert not Product.objects.exists()
