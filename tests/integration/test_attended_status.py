"""An attended booking is stored as "attended"; the migration rewrote the old "completed" rows.

The migration's data step is run against the historical models, as the staff-groups migration
test does, so it is checked without migrating the test database back and forth.
"""

from importlib import import_module
from types import SimpleNamespace

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from bookings.models import Booking as BookingRow
from bookings.repositories import DjangoBookingRepository
from domain.entities import SPOT_HOLDING_STATUSES, Booking, BookingStatus
from domain.values import new_id
from tests.factories import BookingFactory, FitnessClassFactory, MemberFactory

pytestmark = pytest.mark.django_db

ATTENDED_MIGRATION = ("bookings", "0004_attended_status")


def run_data_step(step_name: str) -> None:
    migration = import_module(f"{ATTENDED_MIGRATION[0]}.migrations.{ATTENDED_MIGRATION[1]}")
    state = MigrationExecutor(connection).loader.project_state(ATTENDED_MIGRATION)
    getattr(migration, step_name)(state.apps, SimpleNamespace(connection=connection))


def statuses(*bookings: BookingRow) -> list[str]:
    return [BookingRow.objects.get(pk=booking.pk).status for booking in bookings]


def test_an_attended_booking_round_trips_through_the_orm():
    # given a booking marked attended
    member, fitness_class = MemberFactory(), FitnessClassFactory()
    booking = Booking(
        new_id(),
        str(member.pk),
        str(fitness_class.pk),
        status=BookingStatus.ATTENDED,
        created_at=fitness_class.starts_at,
    )
    repository = DjangoBookingRepository()

    # when it is saved and loaded again
    repository.save(booking)
    loaded = repository.get_by_id(booking.id)

    # then it is stored as "attended" and comes back as the same member of the enum
    assert BookingStatus.ATTENDED == "attended"
    assert BookingRow.objects.get(pk=booking.id).status == "attended"
    assert loaded.status is BookingStatus.ATTENDED


def test_an_attended_booking_still_holds_the_members_spot_in_the_database():
    # given a booking marked attended
    attended = BookingFactory(status=BookingStatus.ATTENDED)

    # when/then a second booking holding a spot on the same class is refused
    assert BookingStatus.ATTENDED in SPOT_HOLDING_STATUSES
    with pytest.raises(IntegrityError), transaction.atomic():
        BookingFactory(member=attended.member, fitness_class=attended.fitness_class)


def test_the_migration_rewrites_completed_bookings_as_attended_and_back():
    # given a booking stored the old way, as "completed", and others it must leave alone
    completed, confirmed, no_show = (
        BookingFactory(),
        BookingFactory(),
        BookingFactory(status=BookingStatus.NO_SHOW),
    )
    BookingRow.objects.filter(pk=completed.pk).update(status="completed")

    # when the data step runs
    run_data_step("rename_status")

    # then only the completed booking changed
    assert statuses(completed, confirmed, no_show) == ["attended", "confirmed", "no_show"]

    # and going back restores it
    run_data_step("rename_status_back")
    assert statuses(completed, confirmed, no_show) == ["completed", "confirmed", "no_show"]
