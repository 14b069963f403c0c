"""factory-boy factories for the ORM rows. They build test *setup* directly; the behaviour
under test always goes through the use cases."""

import uuid
from datetime import time, timedelta
from decimal import Decimal

import factory
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from bookings.models import Booking, WaitlistEntry
from classes.models import ClassSeries, FitnessClass
from domain.locations import DEFAULT_LOCATION_NAME
from domain.values import CreditScope
from events.models import Delivery, StoredEvent
from locations.models import Location, Room
from members.models import CreditGrant, Member, Membership
from members.scopes import scope_field
from sales.models import MembershipPayment, MembershipPlan, Product, Purchase


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    name = factory.Sequence(lambda n: f"Member {n}")
    email = factory.Sequence(lambda n: f"member{n}@example.com")


class CreditGrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreditGrant

    member = factory.SubFactory(MemberFactory)
    amount = 1
    remaining = factory.SelfAttribute("amount")
    granted_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda o: o.granted_at + timedelta(days=30))
    reason = "Test grant"


def limited_to(*, locations: tuple[str, ...] = (), class_names: tuple[str, ...] = ()) -> dict:
    """A grant row's `scope` paying only for `class_names` at `locations` (by name, created
    when missing)."""
    ids = {name: LocationFactory(name=name).pk for name in locations}
    return scope_field(CreditScope(locations=locations, class_names=class_names), ids)


class ProductFactory(factory.django.DjangoModelFactory):
    """A 10-class pack for 90.00 EUR, 20 % VAT included, valid 90 days."""

    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Pack {n}")
    credits = 10
    valid_days = 90
    price = Decimal("90.00")
    currency = "EUR"
    tax_rate = Decimal("20")


class MembershipPlanFactory(factory.django.DjangoModelFactory):
    """A monthly plan of 8 classes a month for 60.00 EUR, 20 % VAT included."""

    class Meta:
        model = MembershipPlan

    name = factory.Sequence(lambda n: f"Plan {n}")
    price = Decimal("60.00")
    currency = "EUR"
    tax_rate = Decimal("20")
    billing_period = "monthly"
    allowance_classes = 8
    allowance_period = "month"


class MembershipFactory(factory.django.DjangoModelFactory):
    """A live membership of a plan, started now for a month, its terms copied from the plan
    (memberships come from the use case; this is for pages that only list them)."""

    class Meta:
        model = Membership

    member = factory.SubFactory(MemberFactory)
    plan = factory.SubFactory(MembershipPlanFactory)
    plan_name = factory.SelfAttribute("plan.name")
    price = factory.SelfAttribute("plan.price")
    currency = factory.SelfAttribute("plan.currency")
    tax_rate = factory.SelfAttribute("plan.tax_rate")
    billing_period = factory.SelfAttribute("plan.billing_period")
    allowance_classes = factory.SelfAttribute("plan.allowance_classes")
    allowance_period = factory.SelfAttribute("plan.allowance_period")
    started_at = factory.LazyFunction(timezone.now)
    period_start = factory.SelfAttribute("started_at")
    period_end = factory.LazyAttribute(lambda o: o.started_at + timedelta(days=30))
    payment_method = "cash"
    payment_reference = "DESK-TEST"


class PurchaseFactory(factory.django.DjangoModelFactory):
    """A cash sale of a pack, and the grant it became (sales come from the use case; this is
    for pages that only list them)."""

    class Meta:
        model = Purchase

    product = factory.SubFactory(ProductFactory)
    credit_grant = factory.SubFactory(
        CreditGrantFactory, amount=factory.SelfAttribute("..product.credits")
    )
    member = factory.SelfAttribute("credit_grant.member")
    product_name = factory.SelfAttribute("product.name")
    credits = factory.SelfAttribute("product.credits")
    price = factory.SelfAttribute("product.price")
    tax = Decimal("15.00")
    tax_rate = factory.SelfAttribute("product.tax_rate")
    currency = factory.SelfAttribute("product.currency")
    payment_method = "cash"
    recorded_by = "Dee Desk"
    purchased_at = factory.LazyFunction(timezone.now)


class MembershipPaymentFactory(factory.django.DjangoModelFactory):
    """The cash payment of a membership's first period (payments come from the use cases;
    this is for pages and reports that only read them)."""

    class Meta:
        model = MembershipPayment

    membership = factory.SubFactory(MembershipFactory)
    member = factory.SelfAttribute("membership.member")
    plan = factory.SelfAttribute("membership.plan")
    plan_name = factory.SelfAttribute("membership.plan_name")
    kind = "start"
    period_start = factory.SelfAttribute("membership.period_start")
    period_end = factory.SelfAttribute("membership.period_end")
    price = factory.SelfAttribute("membership.price")
    tax = Decimal("10.00")
    tax_rate = factory.SelfAttribute("membership.tax_rate")
    currency = factory.SelfAttribute("membership.currency")
    payment_method = "cash"
    reference = factory.Sequence(lambda n: f"DESK-{n:06d}")
    recorded_by = "Dee Desk"
    paid_at = factory.SelfAttribute("period_start")


class LocationFactory(factory.django.DjangoModelFactory):
    """A location, the one of that name if there is one (classes name theirs)."""

    class Meta:
        model = Location
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Gym {n}")
    time_zone = "Europe/London"


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room
        django_get_or_create = ("location", "name")

    location = factory.SubFactory(LocationFactory)
    name = factory.Sequence(lambda n: f"Room {n}")
    capacity = 20


class AtLocation:
    """A factory whose rows have a location, given as a `Location` or by its name ("Studio 1",
    created when missing; an empty name is the default location, as the migration has it)."""

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        location = kwargs.get("location")
        if isinstance(location, str):
            kwargs["location"] = LocationFactory(name=location or DEFAULT_LOCATION_NAME)
        return kwargs


class FitnessClassFactory(AtLocation, factory.django.DjangoModelFactory):
    class Meta:
        model = FitnessClass

    name = "Spin"
    instructor = "Kim"
    location = "Studio 1"
    capacity = 10
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=1))


class ClassSeriesFactory(AtLocation, factory.django.DjangoModelFactory):
    """Spin on Mondays at 18:00 for 45 minutes, 12 places, from today."""

    class Meta:
        model = ClassSeries

    name = "Spin"
    instructor = "Kim"
    location = "Studio 1"
    weekdays = factory.LazyFunction(lambda: [0])
    start_time = time(18, 0)
    duration_minutes = 45
    capacity = 12
    first_date = factory.LazyFunction(timezone.localdate)


class BookingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Booking

    member = factory.SubFactory(MemberFactory)
    fitness_class = factory.SubFactory(FitnessClassFactory)
    created_at = factory.LazyFunction(timezone.now)


class WaitlistEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WaitlistEntry

    member = factory.SubFactory(MemberFactory)
    fitness_class = factory.SubFactory(FitnessClassFactory)
    created_at = factory.LazyFunction(timezone.now)


class StoredEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StoredEvent

    id = factory.LazyFunction(uuid.uuid4)
    type = "BookingConfirmed"
    schema_version = 1
    payload = factory.LazyFunction(dict)
    occurred_at = factory.LazyFunction(timezone.now)
    actor_kind = StoredEvent.ActorKind.SYSTEM


class DeliveryFactory(factory.django.DjangoModelFactory):
    """A delivery row as the dispatcher leaves it; `next_attempt_at` in the past is due."""

    class Meta:
        model = Delivery

    event = factory.SubFactory(StoredEventFactory)
    handler = "NotificationHandler.email"
    status = Delivery.Status.PENDING
    next_attempt_at = factory.LazyFunction(timezone.now)


def member_with_credits(credits: int = 1, **member_fields) -> Member:
    """A member holding `credits` spendable credits in one grant."""
    member = MemberFactory(**member_fields)
    if credits:
        CreditGrantFactory(member=member, amount=credits)
    return member


def full_class(capacity: int = 1, **class_fields) -> FitnessClass:
    """A class whose every spot is taken by a confirmed booking of a fresh member."""
    fitness_class = FitnessClassFactory(capacity=capacity, **class_fields)
    BookingFactory.create_batch(capacity, fitness_class=fitness_class)
    return fitness_class


def staff_client(client, django_user_model, group: str, username: str, locations=None):
    """`client`, signed in as a new staff user of `group` ("Front desk", "Manager") who works
    at `locations`; without any, at every location (as the staff of one gym do: migration
    locations 0003)."""
    user = django_user_model.objects.create_user(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    if locations is None:
        work_at_every_location(user)
    else:
        user.staffed_locations.set(locations)
    client.force_login(user)
    return client


def work_at_every_location(user):
    """`user` becomes one of the chain's managers: every location's staff."""
    user.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="locations", codename="work_at_every_location"
        )
    )
    return user
