"""The staff groups the migration creates, and what each lets its members do in admin and at
the desk: the front desk checks members in, cancels single bookings and grants credits, but
neither cancels a class nor changes a capacity; a manager does everything."""

from datetime import timedelta
from importlib import import_module
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking
from classes.models import FitnessClass
from members.models import Member
from tests.factories import (
    BookingFactory,
    FitnessClassFactory,
    MemberFactory,
    full_class,
    member_with_credits,
)
from tests.web.test_admin import (
    admin_url,
    change_form_data,
    messages_of,
    run_action,
)
from web.admin_actions import APPLY, FORM_PREFIX

pytestmark = pytest.mark.django_db

STAFF_GROUPS_MIGRATION = ("members", "0004_staff_groups")
FRONT_DESK_PERMISSIONS = {
    "bookings.record_attendance",
    "bookings.change_booking",
    "members.add_creditgrant",
    "members.change_member",
    "members.view_member",
    "members.view_creditgrant",
    "classes.view_fitnessclass",
    "bookings.view_booking",
    "bookings.view_waitlistentry",
}
# The front desk sees the chain's locations and rooms (locations/migrations/0002) and their
# opening hours and closures (0006); a manager changes them too (locations is among
# MANAGER_APPS).
LOCATION_VIEWS = {
    "locations.view_location",
    "locations.view_room",
    "locations.view_openinghours",
    "locations.view_closure",
}
# The front desk sees the products and sells them (sales/migrations/0002); a manager changes
# the products too (sales is among MANAGER_APPS).
SALES_PERMISSIONS = {"sales.view_product", "sales.add_purchase", "sales.view_purchase"}
# It sees the membership plans, memberships and their payments, starts memberships and
# freezes them (sales/migrations/0009 and 0014); a manager also cancels and renews them and
# changes the plans.
MEMBERSHIP_PERMISSIONS = {
    "sales.view_membershipplan",
    "sales.view_membershippayment",
    "members.view_membership",
    "members.add_membership",
    "members.freeze_membership",
}
# A manager sees the Stripe customers and the Stripe events acted on (payments/migrations/0002).
PAYMENT_VIEWS = {"payments.view_stripecustomer", "payments.view_stripeevent"}
# Both groups unlock a login locked out of signing in (django-axes' attempts).
UNLOCK_PERMISSIONS = {"axes.view_accessattempt", "axes.delete_accessattempt"}
MANAGER_APPS = {
    "members",
    "locations",
    "classes",
    "bookings",
    "notifications",
    "events",
    "sales",
}
# A manager removes the authenticator app of a login that lost its phone (members/two_factor).
DEVICE_PERMISSIONS = {"otp_totp.view_totpdevice", "otp_totp.delete_totpdevice"}


def names(permissions) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in permissions}


def group_permissions(name: str) -> set[str]:
    return names(Group.objects.get(name=name).permissions.select_related("content_type"))


def action_choices(response) -> set[str]:
    """The actions a page offers (none: the page has no action form)."""
    form = response.context.get("action_form")
    return set(dict(form.fields["action"].choices)) - {""} if form else set()


# --- The groups ----------------------------------------------------------------------------------


def test_the_migration_created_the_front_desk_group_with_its_permissions():
    assert group_permissions("Front desk") == (
        FRONT_DESK_PERMISSIONS
        | LOCATION_VIEWS
        | SALES_PERMISSIONS
        | MEMBERSHIP_PERMISSIONS
        | UNLOCK_PERMISSIONS
        | {"sales.view_fee", "sales.change_fee"}  # fees: seen, and paid at the desk
    )


def test_the_migration_gave_the_manager_every_permission_of_the_gym_and_the_report():
    """But working at every location: a Manager manages the locations they are staff of."""
    every = names(
        Permission.objects.filter(content_type__app_label__in=MANAGER_APPS).select_related(
            "content_type"
        )
    ) - {"locations.work_at_every_location"}

    assert group_permissions("Manager") == (
        every | {"reports.view_reports"} | UNLOCK_PERMISSIONS | DEVICE_PERMISSIONS | PAYMENT_VIEWS
    )
    assert {"classes.add_classseries", "bookings.record_attendance"} <= every
    assert {"locations.change_location", "locations.add_room"} <= every


def test_running_the_staff_groups_migration_again_changes_nothing():
    before = {name: group_permissions(name) for name in ("Front desk", "Manager")}
    migration = import_module(f"{STAFF_GROUPS_MIGRATION[0]}.migrations.{STAFF_GROUPS_MIGRATION[1]}")
    state = MigrationExecutor(connection).loader.project_state(STAFF_GROUPS_MIGRATION)

    migration.create_staff_groups(state.apps, SimpleNamespace(connection=connection))

    assert Group.objects.filter(name__in=before).count() == 2
    assert {name: group_permissions(name) for name in before} == before


# --- The front desk ------------------------------------------------------------------------------


def test_the_front_desk_is_not_offered_cancelling_classes_or_adding_members(front_desk):
    spin = FitnessClassFactory()

    listing = front_desk.get(admin_url(FitnessClass, "changelist"))
    page = front_desk.get(admin_url(FitnessClass, "change", spin.pk))

    assert listing.status_code == page.status_code == 200
    assert "cancel_classes" not in action_choices(listing)
    assert not {"cancel_classes", "add_member"} & action_choices(page)


def test_the_front_desk_cannot_cancel_a_class_by_posting_the_action(front_desk, services):
    spin = FitnessClassFactory()

    front_desk.post(
        admin_url(FitnessClass, "changelist"),
        {
            "action": "cancel_classes",
            "_selected_action": [str(spin.pk)],
            APPLY: "yes",
            f"{FORM_PREFIX}-reason": "Nope",
        },
    )

    spin.refresh_from_db()
    assert spin.cancelled_at is None


def test_the_front_desk_cannot_change_a_capacity(front_desk, admin_client):
    spin = full_class(capacity=2)
    url = admin_url(FitnessClass, "change", spin.pk)
    data = change_form_data(admin_client.get(url))
    data["capacity"] = 5

    response = front_desk.post(url, data)

    assert response.status_code == 403
    spin.refresh_from_db()
    assert spin.capacity == 2


def test_the_front_desk_checks_members_in(front_desk, services):
    spin = FitnessClassFactory(starts_at=timezone.now() + timedelta(minutes=20))
    booking = BookingFactory(fitness_class=spin)

    page = front_desk.get(admin_url(FitnessClass, "change", spin.pk))
    front_desk.post(
        reverse("bookings:checkin_mark", args=[spin.pk]),
        {"booking": str(booking.pk), "outcome": "attended"},
    )

    assert reverse("bookings:checkin", args=[spin.pk]) in page.content.decode()
    booking.refresh_from_db()
    assert booking.status == "attended"


def test_the_front_desk_cancels_a_booking_from_the_roster(front_desk, services):
    spin = FitnessClassFactory()
    booking = BookingFactory(fitness_class=spin)
    cancel = reverse("admin:bookings_booking_staff_cancel", args=[booking.pk])

    page = front_desk.get(admin_url(FitnessClass, "change", spin.pk))
    front_desk.post(cancel, {APPLY: "yes", f"{FORM_PREFIX}-reason": ""})

    assert cancel in page.content.decode()
    booking.refresh_from_db()
    assert booking.status == "cancelled"


def test_the_front_desk_cancels_bookings_from_the_booking_list(front_desk, services):
    booking = BookingFactory()

    _, done = run_action(front_desk, Booking, "cancel_as_staff", [booking], reason="")

    booking.refresh_from_db()
    assert booking.status == "cancelled"
    assert messages_of(done) == ["Cancelled 1 booking and refunded the credits."]


def test_the_front_desk_grants_credits(front_desk, services):
    ana = MemberFactory(name="Ana")

    _, done = run_action(
        front_desk, Member, "grant_credits", [ana], amount=3, expiry_days=30, reason="Pack"
    )

    assert ana.credit_grants.get().amount == 3
    assert messages_of(done) == ["Granted 3 credits to 1 member."]


def test_the_front_desk_lifts_a_booking_pause(front_desk, services):
    ana = MemberFactory(bookings_paused_until=timezone.now() + timedelta(days=2))

    front_desk.post(
        admin_url(Member, "changelist"),
        {"action": "lift_booking_pause", "_selected_action": [str(ana.pk)], "index": 0},
    )

    ana.refresh_from_db()
    assert ana.bookings_paused_until is None


def test_staff_without_a_group_are_offered_none_of_these_actions(client, django_user_model):
    user = django_user_model.objects.create_user(username="new", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_member", "view_booking", "view_fitnessclass"]
        )
    )
    client.force_login(user)

    members = client.get(admin_url(Member, "changelist"))
    bookings = client.get(admin_url(Booking, "changelist"))
    classes = client.get(admin_url(FitnessClass, "changelist"))

    for listing in (members, bookings, classes):
        assert listing.status_code == 200
        assert not action_choices(listing)
    booking = BookingFactory()
    cancel = reverse("admin:bookings_booking_staff_cancel", args=[booking.pk])
    assert client.get(cancel).status_code == 403


# --- The manager ---------------------------------------------------------------------------------


def test_a_manager_is_offered_every_action(manager):
    spin = FitnessClassFactory()
    ana = MemberFactory()

    classes = manager.get(admin_url(FitnessClass, "changelist"))
    class_page = manager.get(admin_url(FitnessClass, "change", spin.pk))
    member_page = manager.get(admin_url(Member, "change", ana.pk))

    assert "cancel_classes" in action_choices(classes)
    assert {"cancel_classes", "add_member"} <= action_choices(class_page)
    assert {"grant_credits", "sell_pack", "lift_booking_pause"} <= action_choices(member_page)


def test_a_manager_cancels_a_class(manager, services):
    spin = FitnessClassFactory()

    run_action(manager, FitnessClass, "cancel_classes", [spin], reason="Instructor ill")

    spin.refresh_from_db()
    assert spin.cancellation_reason == "Instructor ill"


def test_a_manager_changes_a_capacity(manager, services):
    spin = full_class(capacity=2)
    url = admin_url(FitnessClass, "change", spin.pk)
    data = change_form_data(manager.get(url))
    data["capacity"] = 5

    response = manager.post(url, data)

    assert response.status_code == 302
    spin.refresh_from_db()
    assert spin.capacity == 5


def test_a_manager_adds_a_member_to_a_class(manager, services):
    spin = FitnessClassFactory()
    ana = member_with_credits(1)
    url = admin_url(FitnessClass, "change", spin.pk)
    asked = manager.post(
        url, {"CHANGE_FORM-action": "add_member", "_selected_action": str(spin.pk)}
    )

    manager.post(
        url, {**dict(asked.context["carried"]), APPLY: "yes", f"{FORM_PREFIX}-member": ana.pk}
    )

    assert Booking.objects.filter(member=ana, fitness_class=spin, status="confirmed").exists()


def test_a_manager_checks_members_in_and_may_see_the_report(manager, django_user_model):
    spin = FitnessClassFactory()
    boss = django_user_model.objects.get(username="boss")

    assert manager.get(reverse("bookings:checkin", args=[spin.pk])).status_code == 200
    assert boss.has_perm("reports.view_reports")
