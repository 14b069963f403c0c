"""`manage.py seed_demo`: a believable week of demo data, made through the use cases, so the
rules hold afterwards; a second run changes nothing."""

from collections import Counter
from datetime import timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F, Sum
from django.utils import timezone

from bookings.models import Booking, WaitlistEntry
from classes.models import FitnessClass
from classes.queries import spendable_credits, with_counts
from locations.models import Location
from members.models import CreditGrant, Member
from sales.models import MembershipPayment, Purchase

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def development(settings):
    """The demo is for development (DEBUG on); its logins are hashed, and a fast hasher keeps
    these tests quick."""
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    models = [get_user_model(), Member, CreditGrant, FitnessClass, Booking, WaitlistEntry]
    return {model.__name__: model.objects.count() for model in models}


def test_seed_demo_makes_members_a_week_of_classes_and_a_staff_login():
    output = seed()

    assert Member.objects.count() == 20
    ana = Member.objects.get(email="ana@example.com")
    assert ana.user.username == "ana@example.com"
    assert ana.user.check_password("gymbooking-demo")
    staff = get_user_model().objects.get(username="staff")
    assert staff.is_superuser and staff.is_staff
    assert staff.email == "staff@gymbooking.local"
    assert staff.check_password("gymbooking-staff")
    # two gyms in different zones, each with a week of classes from its own today, in its rooms
    zones = dict(Location.objects.values_list("name", "time_zone"))
    assert zones == {"Old Town": "Europe/London", "Riverside": "America/New_York"}
    for name, zone_name in zones.items():
        zone = ZoneInfo(zone_name)
        classes = FitnessClass.objects.filter(location__name=name).select_related("room")
        days = {timezone.localtime(c.starts_at, zone).date() for c in classes}
        today = timezone.localdate(timezone=zone)
        assert days == {today + timedelta(days=n) for n in range(7)}, name
        assert len(classes) >= 7 * 4
        assert {c.room.location_id for c in classes} == {classes[0].location_id}
    assert "staff / gymbooking-staff" in output
    assert "ana@example.com / gymbooking-demo" in output


def test_seed_demo_books_through_the_use_cases_with_full_and_nearly_empty_classes():
    seed()

    classes = list(with_counts(FitnessClass.objects.all()))
    full_with_waitlist = [
        c for c in classes if c.spots_taken == c.capacity and 2 <= c.waiting_count <= 4
    ]
    assert full_with_waitlist
    assert any(c.spots_taken <= 1 for c in classes)
    assert not any(c.spots_taken and c.starts_at <= timezone.now() for c in classes), (
        "only classes still to come are booked"
    )
    # Every confirmed booking spent exactly one credit of its member (but those her
    # membership paid for).
    for member in Member.objects.annotate(
        spent=Sum(F("credit_grants__amount") - F("credit_grants__remaining"))
    ):
        paid_with_credits = member.bookings.filter(status="confirmed", membership__isnull=True)
        assert (member.spent or 0) == paid_with_credits.count()
    assert CreditGrant.objects.filter(
        member__email="dev@example.com", expires_at__lte=timezone.now() + timedelta(days=3)
    ).exists()
    now = timezone.now()
    broke = {m.email for m in Member.objects.all() if spendable_credits(m.pk, now) == 0}
    assert broke == {"hugo@example.com", "olga@example.com"}


def test_after_seeding_no_class_is_over_capacity_and_no_balance_is_negative():
    seed()

    assert not with_counts(FitnessClass.objects.all()).filter(spots_taken__gt=F("capacity"))
    assert not CreditGrant.objects.filter(remaining__lt=0).exists()
    assert not CreditGrant.objects.filter(remaining__gt=F("amount")).exists()
    assert not WaitlistEntry.objects.filter(
        fitness_class__bookings__member=F("member"), fitness_class__bookings__status="confirmed"
    ).exists(), "nobody waits for a class they are booked on"


def test_running_seed_demo_twice_changes_nothing_the_second_time():
    seed()
    before = counts()

    output = seed()

    assert counts() == before
    assert "already exists" in output


def test_a_dry_run_saves_nothing_and_always_plans_the_same_demo():
    first = seed("--dry-run")
    second = seed("--dry-run")

    assert counts() == dict.fromkeys(counts(), 0)
    assert "nothing was saved" in first
    assert first == second


@pytest.mark.django_db(transaction=True)
def test_the_demos_booking_emails_are_discarded_by_default():
    """Committed for real, so the notifications run after commit as in production."""
    seed()

    assert Booking.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_the_demos_booking_emails_go_to_the_configured_mailer_when_asked_for():
    seed("--send-email")

    # a confirmation per booking, and the receipts of the pack and the membership sold at the desk
    assert (
        len(mail.outbox)
        == Booking.objects.count() + Purchase.objects.count() + MembershipPayment.objects.count()
        == (Booking.objects.count() + 2)
    )
    assert {message.to[0] for message in mail.outbox} <= set(
        Member.objects.values_list("email", flat=True)
    )


def test_seed_demo_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="only with DEBUG=True"):
        seed()

    assert all(count == 0 for count in counts().values())


def test_the_demo_has_staff_at_each_gym_a_chain_manager_and_a_member_booked_at_both():
    output = seed()

    # a front desk login at each gym alone, and a manager of every gym
    users = get_user_model().objects
    for username, gym in [("oldtown-desk", "Old Town"), ("riverside-desk", "Riverside")]:
        desk = users.get(username=username)
        assert desk.is_staff and not desk.is_superuser
        assert desk.check_password("gymbooking-staff")
        assert list(desk.groups.values_list("name", flat=True)) == ["Front desk"]
        assert list(desk.staffed_locations.values_list("name", flat=True)) == [gym]
        assert not desk.has_perm("locations.work_at_every_location")
        assert f"front desk, {gym} only  {username} / gymbooking-staff" in output
    manager = users.get(username="chain-manager")
    assert manager.has_perm("locations.work_at_every_location")
    assert list(manager.groups.values_list("name", flat=True)) == ["Manager"]
    assert "manager, every location  chain-manager / gymbooking-staff" in output
    # members have home gyms, some none
    homes = Counter(Member.objects.values_list("home_location__name", flat=True))
    assert set(homes) == {"Old Town", "Riverside", None}
    assert min(homes.values()) >= 6
    # and Ana (home Old Town) is booked at both gyms on the same day, each on its own clock
    ana = Member.objects.get(email="ana@example.com")
    assert ana.home_location.name == "Old Town"
    days = {}
    for booking in ana.bookings.filter(status="confirmed").select_related(
        "fitness_class__location"
    ):
        location = booking.fitness_class.location
        local = timezone.localdate(booking.fitness_class.starts_at, ZoneInfo(location.time_zone))
        days.setdefault(local, set()).add(location.name)
    assert {"Old Town", "Riverside"} in days.values()
    assert "ana@example.com / gymbooking-demo" in output
    assert "home Old Town; booked at Old Town and Riverside" in output
