"""Refunds in the ORM ledger: each refunded booking names its refund grant, a gym's class
cancellation repays a forfeited credit, and refunds made before the link existed are linked
by the migration."""

import importlib
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from bookings.models import Booking
from events.models import StoredEvent
from members.models import CreditGrant
from tests.factories import (
    BookingFactory,
    CreditGrantFactory,
    FitnessClassFactory,
    member_with_credits,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def forfeit(settings):
    settings.GYM_LATE_CANCELLATION = "forfeit"


def test_the_gym_cancelling_a_class_repays_a_late_cancellation_in_the_database(forfeit, services):
    # given Ana booked Spin, starting in an hour, and cancelled late
    ana = member_with_credits(1)
    spin = FitnessClassFactory(name="Spin", starts_at=timezone.now() + timedelta(hours=1))
    booking = services.book_class.execute(str(ana.pk), str(spin.pk), late_confirmed=True)
    services.cancel_booking.execute(booking.id)
    assert Booking.objects.get(pk=booking.id).refund_grant is None

    # when the gym cancels Spin
    services.cancel_class.execute(str(spin.pk), "Instructor ill")

    # then the refund grant is stored, linked, and the event logged
    row = Booking.objects.get(pk=booking.id)
    assert row.status == "late_cancelled"
    assert row.refund_grant.reason == "Refund: Spin"
    assert row.refund_grant.remaining == 1
    assert StoredEvent.objects.filter(type="LateCancellationRefunded").count() == 1


def test_the_migration_links_refunds_made_before_bookings_named_them():
    # given a booking cancelled and refunded at one moment, and one cancelled late
    now = timezone.now()
    spin = FitnessClassFactory(name="Spin")
    spent = CreditGrantFactory(amount=2, remaining=0)
    refunded = BookingFactory(
        member=spent.member,
        fitness_class=spin,
        credit_grant=spent,
        status="cancelled",
        cancelled_at=now,
    )
    refund = CreditGrantFactory(member=spent.member, granted_at=now, reason="Refund: Spin")
    late = BookingFactory(
        member=spent.member,
        fitness_class=FitnessClassFactory(name="Yoga"),
        credit_grant=spent,
        status="late_cancelled",
        cancelled_at=now - timedelta(days=1),
    )
    migration = importlib.import_module("bookings.migrations.0007_booking_refund_grant")

    # when the migration's data step runs
    migration.link_existing_refunds(apps, SimpleNamespace(connection=connection))

    # then the refunded booking names its refund, the late one nothing
    assert Booking.objects.get(pk=refunded.pk).refund_grant_id == refund.pk
    assert Booking.objects.get(pk=late.pk).refund_grant_id is None
    assert CreditGrant.objects.count() == 2
