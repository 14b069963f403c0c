"""The schedule's and the class page's classes as SQL written once (`classes.day_reads`)
answer as the querysets they replaced (`classes.queries`) would."""

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from classes.day_reads import class_with_counts, day_menu, day_page
from classes.queries import classes_between, with_counts
from tests.factories import (
    BookingFactory,
    FitnessClassFactory,
    LocationFactory,
    WaitlistEntryFactory,
)

pytestmark = pytest.mark.django_db


def counted(rows) -> list[tuple]:
    return [(c.pk, c.name, c.starts_at, c.spots_taken, c.waiting_count) for c in rows]


@pytest.fixture
def day():
    """A day of seven classes (two at the same time), with bookings of every status and
    waitlist entries, and a class the day after."""
    start = timezone.now().replace(microsecond=0) + timedelta(days=3)
    for index in range(7):
        fitness_class = FitnessClassFactory(
            name=f"Class {index % 3}",
            instructor=f"Kim {index % 2}",
            starts_at=start + timedelta(hours=index // 2),
        )
        for status in ["confirmed", "attended", "cancelled", "no_show"][: index % 5]:
            BookingFactory(fitness_class=fitness_class, status=status)
        WaitlistEntryFactory.create_batch(index % 3, fitness_class=fitness_class)
    FitnessClassFactory(starts_at=start + timedelta(days=1))
    return start, start + timedelta(days=1)


@pytest.mark.parametrize(
    "chosen", [{}, {"name": "Class 1"}, {"name": "Class 1", "instructor": "Kim 0"}]
)
def test_each_page_of_the_day_is_what_the_queryset_gives(day, chosen):
    start, end = day
    expected = counted(with_counts(classes_between(start, end, **chosen)))

    pages = [day_page(start, end, chosen, page, 3) for page in (1, 2, 3)]

    assert [row for shown in pages for row in counted(shown.rows)] == expected
    assert (pages[0].earlier, pages[0].later) == (None, 2 if len(expected) > 3 else None)
    assert (pages[1].earlier, pages[2].earlier) == (1, 2)
    assert pages[-1].later is None


def test_the_menu_is_every_location_and_the_chosen_ones_day_on_its_clock():
    # given two locations: classes at Hall (London) on 2031-03-04 and after, one at Annex
    # (New York) at 03:00 UTC on the 5th (still the 4th there)
    day = date(2031, 3, 4)
    LocationFactory(name="Hall", time_zone="Europe/London")
    LocationFactory(name="Annex", time_zone="America/New_York")
    london = ZoneInfo("Europe/London")
    FitnessClassFactory(name="Yoga", instructor="", location="Hall", starts_at=at(day, 9, london))
    FitnessClassFactory(
        name="spin", instructor="Kim", location="Hall", starts_at=at(day, 23, london)
    )
    FitnessClassFactory(
        name="Zumba", location="Hall", starts_at=at(day + timedelta(days=1), 0, london)
    )
    FitnessClassFactory(
        name="Late", location="Annex", starts_at=datetime(2031, 3, 5, 3, tzinfo=UTC)
    )

    # when the menus of each location's 4th are read
    hall = day_menu("Hall", lambda zone: day, day, {})
    annex = day_menu("Annex", lambda zone: day, day, {"name": "Gone"})

    # then each is its own day's, on its own clock, and every location is on offer
    assert (hall.location.name, hall.choices.names, hall.choices.instructors) == (
        "Hall",
        ["spin", "Yoga"],
        ["Kim"],
    )
    assert hall.choices.locations == annex.choices.locations == ["Annex", "Hall"]
    assert (annex.start, annex.end) == (
        datetime(2031, 3, 4, 5, tzinfo=UTC),
        datetime(2031, 3, 5, 5, tzinfo=UTC),
    )
    assert annex.choices.names == ["Gone", "Late"]


def test_a_name_that_is_no_locations_shows_the_first_by_name():
    LocationFactory(name="Hall", time_zone="Europe/London")
    LocationFactory(name="Annex", time_zone="America/New_York")

    menu = day_menu("Roof", lambda zone: date(2031, 3, 4), date(2031, 3, 4), {})

    assert (menu.location.name, str(menu.location.time_zone)) == ("Annex", "America/New_York")


def test_an_installation_without_locations_shows_an_empty_day_on_its_own_clock(settings):
    menu = day_menu("", lambda zone: date(2031, 7, 4), date(2031, 7, 4), {})

    assert (menu.location.name, menu.choices.locations) == ("", [])
    assert menu.start == datetime(2031, 7, 4, tzinfo=ZoneInfo(settings.TIME_ZONE))


def at(day: date, hour: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour), zone)


def test_one_class_comes_with_its_counts_and_an_unknown_one_is_none(day):
    start, end = day
    expected = counted(with_counts(classes_between(start, end)))

    assert [counted([class_with_counts(row[0])])[0] for row in expected] == expected
    assert class_with_counts(uuid.uuid4()) is None
