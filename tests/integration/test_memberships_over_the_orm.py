"""Memberships through the ORM adapters: the membership row is loaded with its member,
bookings it pays for record it, its allowance is counted in the database, one live
membership per member is the database's rule too, and `end_memberships` ends lapsed ones."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings.models import Booking
from domain.exceptions import AllowanceUsedUpException, AlreadyAMemberException
from domain.sales import PaymentMethod
from events.models import StoredEvent
from members.models import Membership
from members.repositories import DjangoMemberRepository
from sales.models import MembershipPlan
from tests.factories import (
    FitnessClassFactory,
    MemberFactory,
    MembershipPlanFactory,
    member_with_credits,
)

pytestmark = pytest.mark.django_db


def start(services, member, plan):
    return services.start_membership.execute(
        str(member.pk), str(plan.pk), method=PaymentMethod.CASH, recorded_by="Dee Desk"
    )


def test_a_started_membership_is_stored_and_loaded_with_its_member(services):
    ana = MemberFactory()
    plan = MembershipPlanFactory(
        name="Early birds", extra_booking_window_days=2, no_show_fee=Decimal("5.00")
    )

    started = start(services, ana, plan)

    row = Membership.objects.get(member=ana)
    assert (row.plan_id, row.plan_name, row.price, row.allowance_classes) == (
        plan.pk,
        "Early birds",
        Decimal("60.00"),
        8,
    )
    loaded = DjangoMemberRepository().get_by_id(str(ana.pk)).membership
    assert loaded == started
    assert loaded.plan.no_show_fee.amount == Decimal("5.00")
    assert loaded.plan.extra_booking_window_days == 2
    event = StoredEvent.objects.get(type="MembershipStarted")
    assert (event.payload["price"], event.payload["tax"]) == ("60.00", "10.00")


def test_a_plan_changed_later_leaves_the_membership_s_terms_alone(services):
    ana, plan = MemberFactory(), MembershipPlanFactory()
    start(services, ana, plan)

    plan.allowance_classes, plan.price = 2, Decimal("99.00")
    plan.save()

    terms = DjangoMemberRepository().get_by_id(str(ana.pk)).membership.plan
    assert (terms.allowance.classes, terms.price.amount) == (8, Decimal("60.00"))


def test_freezes_and_cancellations_are_saved(services):
    ana = MemberFactory()
    start(services, ana, MembershipPlanFactory())
    today = timezone.localdate()

    services.freeze_membership.execute(
        str(ana.pk), today + timedelta(days=1), today + timedelta(days=3)
    )
    services.cancel_membership.execute(str(ana.pk))

    row = Membership.objects.get(member=ana)
    assert row.freezes == [[str(today + timedelta(days=1)), str(today + timedelta(days=3))]]
    assert row.cancel_at_period_end
    assert row.period_end - row.period_start > timedelta(days=30)


def test_a_second_live_membership_is_refused_and_the_database_refuses_it_too(services):
    ana, plan = MemberFactory(), MembershipPlanFactory()
    start(services, ana, plan)

    with pytest.raises(AlreadyAMemberException):
        start(services, ana, plan)
    first = Membership.objects.get(member=ana)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            **{
                f.attname: getattr(first, f.attname)
                for f in Membership._meta.concrete_fields
                if f.attname != "id"
            }
        )
    assert Membership.objects.filter(member=ana).count() == 1


def test_bookings_record_the_membership_and_its_allowance_is_counted(services):
    ana = member_with_credits(0)
    start(services, ana, MembershipPlanFactory(allowance_classes=1, allowance_period="week"))
    now = timezone.now()
    monday = timezone.localtime(now).date() - timedelta(days=timezone.localtime(now).weekday())
    next_week = timezone.make_aware(
        timezone.datetime.combine(monday + timedelta(days=7), timezone.datetime.min.time())
    )
    first = FitnessClassFactory(starts_at=next_week + timedelta(hours=10))
    second = FitnessClassFactory(starts_at=next_week + timedelta(days=1, hours=10))

    booking = services.book_class.execute(str(ana.pk), str(first.pk))
    with pytest.raises(AllowanceUsedUpException):
        services.book_class.execute(str(ana.pk), str(second.pk))

    row = Booking.objects.get(pk=booking.id)
    assert row.membership_id == Membership.objects.get(member=ana).pk
    assert row.credit_grant_id is None
    assert not Booking.objects.filter(fitness_class=second).exists()


def test_end_memberships_ends_the_lapsed_ones_once(services):
    ana, bea = MemberFactory(), MemberFactory()
    plan = MembershipPlanFactory()
    start(services, ana, plan)
    start(services, bea, plan)
    Membership.objects.filter(member=ana).update(
        period_start=timezone.now() - timedelta(days=40),
        period_end=timezone.now() - timedelta(days=9),
    )

    preview = StringIO()
    call_command("end_memberships", "--dry-run", stdout=preview)
    assert preview.getvalue().strip() == "Would end 1 membership."
    assert Membership.objects.get(member=ana).ended_at is None
    out = StringIO()
    call_command("end_memberships", stdout=out)
    call_command("end_memberships", stdout=StringIO())

    assert Membership.objects.get(member=ana).ended_at is not None
    assert Membership.objects.get(member=bea).ended_at is None
    assert StoredEvent.objects.filter(type="MembershipEnded").count() == 1
    assert "Ended 1 membership" in out.getvalue()
    assert DjangoMemberRepository().get_by_id(str(ana.pk)).membership is None
    start(services, ana, plan)  # the ended one leaves room for a new one


def test_the_staff_groups_hold_the_membership_permissions():
    front_desk = set(
        Group.objects.get(name="Front desk").permissions.values_list("codename", flat=True)
    )
    manager = set(Group.objects.get(name="Manager").permissions.values_list("codename", flat=True))
    assert {"add_membership", "freeze_membership", "view_membershipplan"} <= front_desk
    assert not {"change_membership", "change_membershipplan"} & front_desk
    assert {"change_membership", "add_membershipplan", "change_membershipplan"} <= manager


def test_the_demo_has_both_plans_and_one_member_on_a_membership(settings):
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    call_command("seed_demo", stdout=StringIO())

    plans = dict(MembershipPlan.objects.values_list("name", "allowance_classes"))
    assert plans == {"Unlimited": None, "8 classes a month": 8}
    [membership] = Membership.objects.all()
    assert (membership.member.email, membership.plan_name) == ("maya@example.com", "Unlimited")
    assert membership.bookings.exists(), "she books on it like any member"
