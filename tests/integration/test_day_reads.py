"""The schedule's and the class page's classes as SQL written once (`classes.day_reads`)
answer as the querysets they replaced (`classes.queries`) would."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from classes.day_reads import class_with_counts, day_choices, day_page
from classes.queries import classes_between, with_counts
from tests.factories import BookingFactory, FitnessClassFactory, WaitlistEntryFactory

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


def test_the_choices_are_the_days_distinct_values():
    start = timezone.now() + timedelta(days=3)
    FitnessClassFactory(name="Yoga", instructor="", location="Hall", starts_at=start)
    FitnessClassFactory(name="spin", instructor="Kim", location="Hall", starts_at=start)
    FitnessClassFactory(name="Zumba", starts_at=start + timedelta(days=2))

    choices = day_choices(start, start + timedelta(days=1), {"location": "Roof"})

    assert (choices.names, choices.instructors, choices.locations) == (
        ["spin", "Yoga"],
        ["Kim"],
        ["Hall", "Roof"],
    )


def test_one_class_comes_with_its_counts_and_an_unknown_one_is_none(day):
    start, end = day
    expected = counted(with_counts(classes_between(start, end)))

    assert [counted([class_with_counts(row[0])])[0] for row in expected] == expected
    assert class_with_counts(uuid.uuid4()) is None
