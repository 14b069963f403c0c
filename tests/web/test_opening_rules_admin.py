"""A location's opening hours and closures on its admin page, and what they refuse: a class
added or moved outside them, a series whose weekday or time falls outside the hours. Classes
already scheduled stay as they are."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from classes.models import ClassSeries, FitnessClass
from locations.models import Closure, Location, OpeningHours
from tests.factories import BookingFactory, FitnessClassFactory, LocationFactory
from tests.web.test_admin import admin_url, change_form_data

pytestmark = pytest.mark.django_db

HOURS, CLOSURES = "opening_hours", "closures"  # the inlines' prefixes (the related names)
MONDAY = date(2030, 3, 4)


def old_town() -> Location:
    """Old Town, London: Mondays 06:00-22:00, closed on the other days; Christmas closed."""
    location = LocationFactory(name="Old Town", time_zone="Europe/London")
    OpeningHours.objects.create(location=location, weekday=0, opens=time(6), closes=time(22))
    Closure.objects.create(
        location=location,
        first_day=date(2030, 12, 23),
        last_day=date(2030, 12, 23),
        reason="Christmas",
    )
    return location


def page_data(client, location: Location, **rows) -> dict[str, object]:
    """The location's change page posted back unchanged, with the inline `rows` added: a
    prefix → list of the new rows' fields."""
    data = change_form_data(client.get(admin_url(Location, "change", location.pk)))
    for prefix, new_rows in rows.items():
        start = int(data[f"{prefix}-TOTAL_FORMS"])
        for number, fields in enumerate(new_rows, start=start):
            for name, value in fields.items():
                data[f"{prefix}-{number}-{name}"] = value
        data[f"{prefix}-TOTAL_FORMS"] = str(start + len(new_rows))
    return data


def hours(weekday: int, opens: str, closes: str) -> dict[str, str]:
    return {"weekday": str(weekday), "opens": opens, "closes": closes}


def errors_of(response) -> list[str]:
    messages = []
    for inline in response.context["inline_admin_formsets"]:
        messages += [str(e) for e in inline.formset.non_form_errors()]
        for form_errors in inline.formset.errors:
            for field_errors in form_errors.values():
                messages += [str(e) for e in field_errors]
    return messages


# --- The inlines -----------------------------------------------------------------------------


def test_a_manager_gives_a_location_hours_and_a_closure_on_its_page(manager):
    riverside = LocationFactory(name="Riverside", time_zone="America/New_York")
    data = page_data(
        manager,
        riverside,
        **{
            HOURS: [hours(0, "06:00", "12:00"), hours(0, "16:00", "22:00")],
            CLOSURES: [{"first_day": "2030-12-24", "last_day": "2030-12-26", "reason": "Xmas"}],
        },
    )

    response = manager.post(admin_url(Location, "change", riverside.pk), data)

    assert response.status_code == 302
    assert list(riverside.opening_hours.values_list("weekday", "opens", "closes")) == [
        (0, time(6), time(12)),
        (0, time(16), time(22)),
    ]
    assert list(riverside.closures.values_list("first_day", "last_day", "reason")) == [
        (date(2030, 12, 24), date(2030, 12, 26), "Xmas")
    ]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            {HOURS: [hours(0, "22:00", "06:00")]},
            "Closing (06:00) must come after opening (22:00).",
        ),
        (
            {HOURS: [hours(2, "06:00", "12:00"), hours(2, "11:00", "14:00")]},
            "On Wednesdays the hours 06:00\u201312:00 and 11:00\u201314:00 overlap: give each "
            "stretch of the day once.",
        ),
        (
            {CLOSURES: [{"first_day": "2030-12-26", "last_day": "2030-12-25", "reason": ""}]},
            "The last day of a closure cannot be before its first day.",
        ),
    ],
)
def test_hours_and_closures_that_make_no_sense_are_refused_and_nothing_is_saved(
    manager, rows, message
):
    riverside = LocationFactory(name="Riverside")
    data = page_data(manager, riverside, **rows)

    response = manager.post(admin_url(Location, "change", riverside.pk), data)

    assert response.status_code == 200
    assert errors_of(response) == [message]
    assert not OpeningHours.objects.exists()
    assert not Closure.objects.exists()


def test_the_front_desk_sees_the_hours_but_cannot_change_them(front_desk):
    location = old_town()
    page = front_desk.get(admin_url(Location, "change", location.pk))

    response = front_desk.post(
        admin_url(Location, "change", location.pk),
        page_data(front_desk, location, **{HOURS: [hours(1, "06:00", "22:00")]}),
    )

    assert "Christmas" in page.content.decode()
    assert response.status_code == 403
    assert OpeningHours.objects.count() == 1


# --- Classes -----------------------------------------------------------------------------------


def class_form(location: Location, day: date, starts: str, ends: str) -> dict[str, str]:
    return {
        "name": "Yoga",
        "instructor": "Lena",
        "location": str(location.pk),
        "starts_at_0": str(day),
        "starts_at_1": starts,
        "ends_at_0": str(day),
        "ends_at_1": ends,
        "capacity": "12",
    }


def form_errors(response) -> list[str]:
    return [str(e) for e in response.context["adminform"].form.non_field_errors()]


def test_a_class_inside_the_hours_is_added(admin_client):
    response = admin_client.post(
        admin_url(FitnessClass, "add"), class_form(old_town(), MONDAY, "20:30", "21:30")
    )

    assert response.status_code == 302
    assert FitnessClass.objects.get().name == "Yoga"


@pytest.mark.parametrize(
    ("day", "starts", "ends", "message"),
    [
        (
            MONDAY,
            "21:30",
            "22:30",
            "Old Town opens 06:00\u201322:00 on Mondays: a class from 21:30 to 22:30 would run "
            "past closing.",
        ),
        (
            MONDAY + timedelta(days=1),
            "10:00",
            "11:00",
            "Old Town is closed on Tuesdays: a class from 10:00 to 11:00 cannot run.",
        ),
        (date(2030, 12, 23), "10:00", "11:00", "Old Town is closed on 23 Dec (Christmas)."),
    ],
)
def test_a_class_added_outside_the_hours_is_refused_with_why_and_not_saved(
    admin_client, day, starts, ends, message
):
    response = admin_client.post(
        admin_url(FitnessClass, "add"), class_form(old_town(), day, starts, ends)
    )

    assert response.status_code == 200
    assert form_errors(response) == [message]
    assert not FitnessClass.objects.exists()


def _moved(client, fitness_class, **typed) -> dict[str, object]:
    data = change_form_data(client.get(admin_url(FitnessClass, "change", fitness_class.pk)))
    data.update(typed)
    return data


def test_moving_a_class_past_closing_is_refused_and_it_keeps_its_time(admin_client):
    location = old_town()
    starts = datetime(2030, 3, 4, 18, tzinfo=UTC)  # 18:00 in London (GMT)
    yoga = FitnessClassFactory(
        location=location.name, starts_at=starts, ends_at=starts + timedelta(hours=1)
    )

    response = admin_client.post(
        admin_url(FitnessClass, "change", yoga.pk),
        _moved(admin_client, yoga, starts_at_1="21:30:00", ends_at_1="22:30:00"),
    )

    assert response.status_code == 200
    assert "would run past closing" in form_errors(response)[0]
    yoga.refresh_from_db()
    assert (yoga.starts_at, yoga.ends_at) == (starts, starts + timedelta(hours=1))


def test_moving_a_class_to_a_location_it_does_not_fit_is_refused(admin_client):
    closed = old_town()
    sunday = datetime(2030, 3, 10, 10, tzinfo=UTC)
    yoga = FitnessClassFactory(
        location="Riverside", starts_at=sunday, ends_at=sunday + timedelta(hours=1)
    )

    response = admin_client.post(
        admin_url(FitnessClass, "change", yoga.pk),
        _moved(admin_client, yoga, location=str(closed.pk)),
    )

    assert response.status_code == 200
    assert form_errors(response) == [
        "Old Town is closed on Sundays: a class from 10:00 to 11:00 cannot run."
    ]
    yoga.refresh_from_db()
    assert yoga.location.name == "Riverside"


def test_a_class_scheduled_before_the_hours_keeps_its_time_and_can_still_be_renamed(admin_client):
    tuesday = datetime(2030, 3, 5, 10, tzinfo=UTC)
    yoga = FitnessClassFactory(
        location="Old Town", starts_at=tuesday, ends_at=tuesday + timedelta(hours=1)
    )
    old_town()  # the hours come after the class: Tuesdays closed

    response = admin_client.post(
        admin_url(FitnessClass, "change", yoga.pk), _moved(admin_client, yoga, name="Hatha")
    )

    assert response.status_code == 302
    yoga.refresh_from_db()
    assert (yoga.name, yoga.starts_at) == ("Hatha", tuesday)


# --- Series ------------------------------------------------------------------------------------


def series_form(location: Location, **changes) -> dict[str, object]:
    return {
        "name": "Spin",
        "description": "",
        "instructor": "Kim",
        "location": str(location.pk),
        "weekdays": ["0"],
        "start_time": "18:00",
        "duration_minutes": "45",
        "capacity": "12",
        "first_date": "2030-03-04",
        "last_date": "",
        **changes,
    }


def test_a_series_inside_the_hours_is_added(admin_client):
    response = admin_client.post(admin_url(ClassSeries, "add"), series_form(old_town()))

    assert response.status_code == 302
    assert ClassSeries.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"start_time": "21:30"},
            "Old Town opens 06:00\u201322:00 on Mondays: a session from 21:30 to 22:15 would "
            "run past closing.",
        ),
        (
            {"weekdays": ["0", "4"]},
            "Old Town is closed on Fridays: a session from 18:00 to 18:45 cannot run.",
        ),
    ],
)
def test_a_series_outside_the_hours_is_refused_with_why(admin_client, changes, message):
    response = admin_client.post(admin_url(ClassSeries, "add"), series_form(old_town(), **changes))

    assert response.status_code == 200
    assert form_errors(response) == [message]
    assert not ClassSeries.objects.exists()


def test_a_booked_class_moved_to_a_location_closed_on_its_local_day_is_refused(admin_client):
    """A booked class keeps its time (read-only): the stored moment, 21:00 in New York, is
    the next day in UTC, and the closure is still found by its local date."""
    LocationFactory(name="Uptown", time_zone="America/New_York")
    riverside = LocationFactory(name="Riverside", time_zone="America/New_York")
    Closure.objects.create(location=riverside, first_day=MONDAY, last_day=MONDAY, reason="Flood")
    evening = datetime(2030, 3, 5, 2, tzinfo=UTC)  # Monday 4 March, 21:00 in New York
    yoga = FitnessClassFactory(
        location="Uptown", starts_at=evening, ends_at=evening + timedelta(hours=1)
    )
    BookingFactory(fitness_class=yoga)

    response = admin_client.post(
        admin_url(FitnessClass, "change", yoga.pk),
        _moved(admin_client, yoga, location=str(riverside.pk)),
    )

    assert response.status_code == 200
    assert form_errors(response) == ["Riverside is closed on 04 Mar (Flood)."]
    yoga.refresh_from_db()
    assert yoga.location.name == "Uptown"
