"""`manage.py generate_classes` and the series adapters over the database: sessions are
created once however often (or however many at once) it runs, a dry run changes nothing, and
a session stays at 18:00 on the gym's clock across the clock changes."""

import threading
import uuid
from datetime import UTC, date, datetime, time, timedelta
from importlib import import_module
from io import StringIO
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from classes.models import ClassSeries, FitnessClass, SeriesOccurrence
from classes.series_repository import DjangoClassSeriesRepository, DjangoSeriesSessionRepository
from domain.series import ClassSeries as SeriesEntity
from domain.series import SeriesNotFoundException
from events.models import StoredEvent
from tests.factories import (
    BookingFactory,
    ClassSeriesFactory,
    FitnessClassFactory,
    LocationFactory,
    RoomFactory,
    WaitlistEntryFactory,
)

pytestmark = pytest.mark.django_db

EVERY_DAY = [0, 1, 2, 3, 4, 5, 6]


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def today() -> date:
    return timezone.localdate(timezone.now(), zone())


def make_series(**fields) -> ClassSeries:
    """Spin every day at 18:00 for 45 minutes, from today, with no end."""
    defaults = {
        "name": "Spin",
        "instructor": "Kim",
        "location": "Studio 1",
        "weekdays": EVERY_DAY,
        "start_time": time(18, 0),
        "duration_minutes": 45,
        "capacity": 12,
        "first_date": today(),
    }
    return ClassSeriesFactory(**{**defaults, **fields})


def generate(*args: str) -> str:
    out = StringIO()
    call_command("generate_classes", *args, stdout=out)
    return out.getvalue()


def sessions_of(series: ClassSeries) -> list[FitnessClass]:
    return list(series.sessions.order_by("starts_at"))


def expected_sessions(weeks: int) -> int:
    """Every day at 18:00 for `weeks` weeks from today, less today's if it has started."""
    start_today = datetime.combine(today(), time(18, 0), tzinfo=zone())
    return 7 * weeks - (1 if start_today <= timezone.now() else 0)


# --- The command ------------------------------------------------------------------------------


def test_the_command_creates_the_sessions_of_the_next_weeks_and_says_so():
    # given
    spin = make_series()
    expected = expected_sessions(2)

    # when
    output = generate("--weeks", "2")

    # then
    sessions = sessions_of(spin)
    assert len(sessions) == expected
    first = sessions[0]
    assert (first.name, first.instructor, first.location.name, first.capacity) == (
        "Spin",
        "Kim",
        "Studio 1",
        12,
    )
    assert first.ends_at - first.starts_at == timedelta(minutes=45)
    assert output.startswith(f"Created {expected} sessions for 1 series from ")
    assert output.rstrip().endswith("(0 already there).")


def test_sessions_are_generated_at_the_series_location_and_in_its_room():
    # given a series at Riverside, in its loft
    riverside = LocationFactory(name="Riverside", time_zone="America/New_York")
    loft = RoomFactory(location=riverside, name="Loft")
    spin = make_series(location=riverside, room=loft)

    # when its sessions are generated
    generate("--weeks", "1")

    # then each is at Riverside, in the loft
    assert {(s.location, s.room) for s in sessions_of(spin)} == {(riverside, loft)}


def test_running_the_command_twice_creates_nothing_the_second_time():
    # given
    spin = make_series()
    generate("--weeks", "2")
    before = [(s.pk, s.starts_at) for s in sessions_of(spin)]

    # when
    output = generate("--weeks", "2")

    # then
    assert [(s.pk, s.starts_at) for s in sessions_of(spin)] == before
    assert output.startswith("Created 0 sessions for 1 series")
    assert f"({len(before)} already there)" in output


def test_each_new_session_is_announced_in_the_event_log():
    spin = make_series()

    generate("--weeks", "1")

    logged = StoredEvent.objects.filter(type="ClassScheduled").order_by("occurred_at")
    sessions = sessions_of(spin)
    assert logged.count() == len(sessions)
    assert {event.class_id for event in logged} == {session.pk for session in sessions}
    assert {event.payload["series_id"] for event in logged} == {str(spin.pk)}
    assert {event.actor_kind for event in logged} == {"system"}


def test_a_bad_series_is_reported_and_the_others_still_get_their_sessions():
    # given a series saved with a capacity above the domain's limit (the admin used to
    # accept it), generated first (series are generated in id order)
    broken = make_series(id=uuid.UUID(int=1), name="Broken", capacity=5000)
    yoga = make_series(id=uuid.UUID(int=2), name="Yoga")
    err = StringIO()

    # when
    with pytest.raises(CommandError) as failed:
        call_command("generate_classes", "--weeks", "1", stdout=StringIO(), stderr=err)

    # then the other series got its sessions; the broken one is named, with the reason,
    # and the command fails (a non-zero exit) once it is done
    assert len(sessions_of(yoga)) == expected_sessions(1)
    assert sessions_of(broken) == []
    assert "Broken" in str(failed.value)
    assert "1 of 2 series could not be generated" in str(failed.value)
    assert "The capacity must be a whole number from 1 to 1000." in err.getvalue()


def test_a_session_staff_moved_to_another_day_or_deleted_is_not_created_again(services):
    # given a week of sessions; staff move one to the next week's free slot, and delete another
    spin = make_series(weekdays=[0, 2, 4])
    generate("--weeks", "1")
    first, second, *_ = sessions_of(spin)
    moved_to = first.starts_at + timedelta(days=1)
    services.reschedule_class.execute(str(first.pk), moved_to, moved_to + timedelta(minutes=45))
    services.delete_class.execute(str(second.pk))
    before = {(s.pk, s.starts_at) for s in sessions_of(spin)}

    # when
    output = generate("--weeks", "1")

    # then nothing came back
    assert {(s.pk, s.starts_at) for s in sessions_of(spin)} == before
    assert output.startswith("Created 0 sessions")
    occurrences = SeriesOccurrence.objects.filter(series=spin)
    assert occurrences.filter(fitness_class__isnull=True).count() == 1  # the deleted one
    assert occurrences.get(fitness_class=first).date == timezone.localdate(first.starts_at, zone())


def test_existing_sessions_are_remembered_by_the_migration_once_and_nothing_else_changes():
    # given sessions generated before series remembered their dates: two on one local date
    # (one was moved onto the other's day), one on a date of its own, and a class on its own
    spin = make_series()
    monday = datetime.combine(today() + timedelta(days=1), time(18, 0), tzinfo=zone())
    first = FitnessClassFactory(series=spin, starts_at=monday)
    second = FitnessClassFactory(series=spin, starts_at=monday + timedelta(hours=2))
    later = FitnessClassFactory(series=spin, starts_at=monday + timedelta(days=2))
    FitnessClassFactory()
    classes_before = sorted(FitnessClass.objects.values_list("pk", "series", "starts_at"))

    # when the data migration runs (twice: it adds nothing the second time)
    migration = import_module("classes.migrations.0004_remember_generated_dates")
    state = MigrationExecutor(connection).loader.project_state(
        ("classes", "0004_remember_generated_dates")
    )
    for _ in range(2):
        migration.remember_generated_dates(state.apps, SimpleNamespace(connection=connection))

    # then each date is remembered once, linked to its first session; no class changed
    assert sorted(SeriesOccurrence.objects.values_list("date", "fitness_class")) == [
        (monday.date(), first.pk),
        (monday.date() + timedelta(days=2), later.pk),
    ]
    assert sorted(FitnessClass.objects.values_list("pk", "series", "starts_at")) == classes_before
    assert second.pk in {pk for pk, *_ in classes_before}


def test_capacities_above_the_limit_are_brought_down_to_it_by_the_migration():
    broken = make_series(capacity=5000)
    huge = FitnessClassFactory(capacity=2000)
    normal = FitnessClassFactory(capacity=12)
    migration = import_module("classes.migrations.0005_capacities_within_the_limit")
    state = MigrationExecutor(connection).loader.project_state(
        ("classes", "0005_capacities_within_the_limit")
    )

    migration.bring_capacities_within_the_limit(state.apps, SimpleNamespace(connection=connection))

    broken.refresh_from_db()
    huge.refresh_from_db()
    normal.refresh_from_db()
    assert (broken.capacity, huge.capacity, normal.capacity) == (1000, 1000, 12)


def test_a_dry_run_says_what_it_would_create_and_changes_nothing():
    # given
    make_series()
    events_before = StoredEvent.objects.count()

    # when
    output = generate("--weeks", "3", "--dry-run")

    # then
    assert not FitnessClass.objects.exists()
    assert StoredEvent.objects.count() == events_before
    assert output.startswith(f"Would create {expected_sessions(3)} sessions for 1 series")
    assert output.rstrip().endswith("Dry run: nothing was saved.")


def test_one_series_can_be_generated_on_its_own():
    spin = make_series()
    yoga = make_series(name="Yoga")

    output = generate("--weeks", "1", "--series", str(yoga.pk), "-v", "2")

    assert sessions_of(spin) == []
    assert len(sessions_of(yoga)) == expected_sessions(1)
    assert "  Yoga: " in output


def test_ended_series_are_left_out():
    make_series(first_date=today() - timedelta(days=30), last_date=today() - timedelta(days=1))

    output = generate("--weeks", "1")

    assert not FitnessClass.objects.exists()
    assert output.startswith("Created 0 sessions for 0 series")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--series", "not-a-series"], "That class series does not exist."),
        (["--weeks", "0"], "Sessions are generated from 1 to 52 weeks ahead."),
        (["--weeks", "53"], "Sessions are generated from 1 to 52 weeks ahead."),
    ],
)
def test_a_refusal_is_a_command_error_with_the_reason(args, message):
    make_series()

    with pytest.raises(CommandError, match=message):
        generate(*args)

    assert not FitnessClass.objects.exists()


def test_sessions_stay_at_18_00_local_through_a_year_of_clock_changes(settings):
    # given: a year always holds both of London's clock changes
    settings.TIME_ZONE = "Europe/London"
    spin = make_series(weekdays=[2])

    # when
    generate("--weeks", "52")

    # then: 18:00 on the gym's clock every time; 17:00 UTC in summer, 18:00 UTC in winter
    london = ZoneInfo("Europe/London")
    sessions = sessions_of(spin)
    assert len(sessions) >= 51
    assert {f"{s.starts_at.astimezone(london):%a %H:%M}" for s in sessions} == {"Wed 18:00"}
    assert {s.starts_at.astimezone(UTC).hour for s in sessions} == {17, 18}


# --- The adapters -----------------------------------------------------------------------------


def test_the_database_refuses_a_second_session_of_a_series_at_the_same_start():
    spin = make_series()
    starts_at = timezone.now() + timedelta(days=1)
    FitnessClassFactory(series=spin, starts_at=starts_at)

    with pytest.raises(IntegrityError), transaction.atomic():
        FitnessClassFactory(series=spin, starts_at=starts_at)


def test_adding_a_session_that_exists_already_is_refused_and_leaves_the_transaction_usable():
    # given
    spin = make_series()
    sessions = DjangoSeriesSessionRepository()
    series = DjangoClassSeriesRepository().get_by_id(str(spin.pk))
    starts_at = datetime(2030, 3, 4, 18, 0, tzinfo=UTC)

    # when
    on = starts_at.date()
    with transaction.atomic():
        first = sessions.add(str(spin.pk), series.new_session(starts_at), on=on)
        second = sessions.add(str(spin.pk), series.new_session(starts_at), on=on)
        # another start on a date the series already had: refused too
        third = sessions.add(
            str(spin.pk), series.new_session(starts_at + timedelta(hours=1)), on=on
        )
        still_usable = FitnessClass.objects.count()

    # then
    assert (first, second, third, still_usable) == (True, False, False, 1)
    assert list(SeriesOccurrence.objects.values_list("date", "fitness_class")) == [
        (on, FitnessClass.objects.get().pk)
    ]


def test_a_series_round_trips_through_its_repository():
    repository = DjangoClassSeriesRepository()
    series = SeriesEntity.create(
        name="Yoga",
        weekdays={1, 3},
        start_time=time(7, 30),
        duration=timedelta(minutes=50),
        capacity=8,
        first_date=date(2030, 3, 5),
        last_date=date(2030, 6, 27),
        description="Slow flow",
        location=LocationFactory(name="Riverside").name,
    )

    repository.save(series)
    loaded = repository.get_by_id(series.id)

    assert loaded.differences(series) == ()
    assert ClassSeries.objects.get(pk=series.id).weekdays == [1, 3]
    with pytest.raises(SeriesNotFoundException):
        repository.get_by_id("no-such-series")


def test_only_a_session_nobody_booked_or_waited_for_can_be_removed():
    # given
    spin = make_series()
    later = timezone.now() + timedelta(days=2)
    free, booked, waited = (
        FitnessClassFactory(series=spin, starts_at=later + timedelta(days=n)) for n in range(3)
    )
    BookingFactory(fitness_class=booked, status="cancelled")
    WaitlistEntryFactory(fitness_class=waited)
    sessions = DjangoSeriesSessionRepository()

    # when
    removed = [sessions.remove(str(row.pk)) for row in (free, booked, waited)]

    # then
    assert removed == [True, False, False]
    assert set(spin.sessions.all()) == {booked, waited}


def test_upcoming_sessions_come_with_who_is_on_them():
    # given
    spin = make_series()
    soon = timezone.now() + timedelta(days=1)
    session = FitnessClassFactory(series=spin, starts_at=soon, capacity=3)
    BookingFactory(fitness_class=session)
    BookingFactory(fitness_class=session, status="cancelled")
    FitnessClassFactory(series=spin, starts_at=timezone.now() - timedelta(days=1))

    # when
    [found] = DjangoSeriesSessionRepository().upcoming(
        str(spin.pk), timezone.now(), for_update=True
    )

    # then
    assert (found.class_id, found.confirmed, found.bookings, found.waiting) == (
        str(session.pk),
        1,
        2,
        0,
    )
    assert found.has_bookings and not found.cancelled


# --- Two runs at once (PostgreSQL) --------------------------------------------------------------


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_create_each_session_once():
    # given
    spin = make_series()
    barrier = threading.Barrier(2)
    outputs: list[str] = []
    errors: list[Exception] = []

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            outputs.append(generate("--weeks", "4"))
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    # then
    assert errors == []
    expected = expected_sessions(4)
    assert len(sessions_of(spin)) == expected
    created = sorted(int(output.split()[1]) for output in outputs)
    assert created == [0, expected], "one run created them all, the other found them there"


@pytest.mark.parametrize(
    ("now", "first", "london_utc_hours", "new_york_utc_hours"),
    [
        # New York springs forward on 14 March 2027, London not until the 28th
        (datetime(2027, 3, 1, 12, tzinfo=UTC), date(2027, 3, 7), [7, 7, 7, 6], [12, 11, 11, 11]),
        # London falls back on 31 October 2027, New York not until 7 November
        (
            datetime(2027, 10, 18, 12, tzinfo=UTC),
            date(2027, 10, 24),
            [6, 7, 7, 7],
            [11, 11, 12, 12],
        ),
    ],
    ids=["spring", "autumn"],
)
def test_each_location_s_sessions_keep_its_own_clock_through_its_own_clock_change(
    settings, monkeypatch, now, first, london_utc_hours, new_york_utc_hours
):
    # given an installation on Tokyo's clock, and Sunday 07:00 series in London and New York
    # for four weeks around the two clock changes
    settings.TIME_ZONE = "Asia/Tokyo"
    monkeypatch.setattr(timezone, "now", lambda: now)
    LocationFactory(name="Thames", time_zone="Europe/London")
    LocationFactory(name="Hudson", time_zone="America/New_York")
    last = first + timedelta(weeks=3)
    thames = make_series(
        location="Thames", weekdays=[6], start_time=time(7), first_date=first, last_date=last
    )
    hudson = make_series(
        location="Hudson", weekdays=[6], start_time=time(7), first_date=first, last_date=last
    )

    # when the sessions are generated
    generate("--weeks", "5")

    # then each is at 07:00 on its location's clock, which moves on its own day
    for series, zone_name, hours in [
        (thames, "Europe/London", london_utc_hours),
        (hudson, "America/New_York", new_york_utc_hours),
    ]:
        sessions = sessions_of(series)
        local = {f"{s.starts_at.astimezone(ZoneInfo(zone_name)):%a %H:%M}" for s in sessions}
        assert local == {"Sun 07:00"}
        assert [s.starts_at.astimezone(UTC).hour for s in sessions] == hours
