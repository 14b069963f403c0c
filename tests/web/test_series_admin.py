"""The class series admin through the test client: adding a series (checked by the domain),
generating its sessions with the action, and changing it in two steps: the upcoming sessions
nobody has booked follow at once, booked ones only after staff confirm on a page that lists
them. Sessions stay ordinary classes, with their series shown and filterable."""

from datetime import time, timedelta

import pytest
from django import forms
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking
from classes.models import ClassSeries, FitnessClass
from tests.factories import (
    BookingFactory,
    ClassSeriesFactory,
    FitnessClassFactory,
    LocationFactory,
    RoomFactory,
    work_at_every_location,
)
from web.admin_actions import APPLY, FORM_PREFIX
from web.formatting import staff_time as local_time

pytestmark = pytest.mark.django_db

EVERY_DAY = [0, 1, 2, 3, 4, 5, 6]
CLASS_CHANGELIST_QUERIES = 9  # as pinned in test_admin.py: the series filter adds none


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def url(view: str, *args) -> str:
    return reverse(f"admin:classes_classseries_{view}", args=args)


def booked_sessions_url(series) -> str:
    return url("booked_sessions", series.pk)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def make_series(**fields) -> ClassSeries:
    """Spin every day at 18:00 for 45 minutes with Kim, 12 places, from tomorrow."""
    defaults = {
        "name": "Spin",
        "instructor": "Kim",
        "location": "Studio 1",
        "weekdays": EVERY_DAY,
        "start_time": time(18, 0),
        "duration_minutes": 45,
        "capacity": 12,
        "first_date": timezone.localdate() + timedelta(days=1),
    }
    return ClassSeriesFactory(**{**defaults, **fields})


def with_sessions(services, days: int = 3, **fields) -> tuple[ClassSeries, list[FitnessClass]]:
    """A series with its sessions generated for the next `days` days (from tomorrow)."""
    series = make_series(last_date=timezone.localdate() + timedelta(days=days), **fields)
    services.generate_classes.execute(1, series_id=str(series.pk))
    return series, list(series.sessions.order_by("starts_at"))


def run_action(client, action: str, objects, **values):
    """Choose `action` on the series list, then answer its form with `values`."""
    changelist = url("changelist")
    choose = {"action": action, "_selected_action": [str(obj.pk) for obj in objects], "index": 0}
    asked = client.post(changelist, choose)
    assert asked.status_code == 200, "the action asks for its values first"
    answer: dict[str, list[str]] = {}
    for name, value in asked.context["carried"]:
        answer.setdefault(name, []).append(value)
    answer[APPLY] = ["yes"]
    for name, value in values.items():
        answer[f"{FORM_PREFIX}-{name}"] = [str(value)]
    return asked, client.post(changelist, answer, follow=True)


def series_form(**changes) -> dict[str, object]:
    data = {
        "name": "Spin",
        "description": "",
        "instructor": "Kim",
        "location": str(LocationFactory(name="Studio 1").pk),
        "weekdays": ["0", "2"],
        "start_time": "18:00",
        "duration_minutes": "45",
        "capacity": "12",
        "first_date": "2030-03-04",
        "last_date": "",
    }
    return {**data, **changes}


def change_series(client, series, **changes):
    """Post the series' change form as a browser would, with `changes` typed in. The
    response is not followed: its messages are read from the next page."""
    page = client.get(url("change", series.pk))
    form = page.context["adminform"].form
    data: dict[str, object] = {"_save": "Save"}
    for field in form:
        value = field.value()
        if field.name == "weekdays":
            data["weekdays"] = [str(day) for day in value]
        elif value is not None:
            data[field.html_name] = value
    for inline in page.context["inline_admin_formsets"]:
        for field in inline.formset.management_form:
            data[field.html_name] = field.value()
    data.update(changes)
    return client.post(url("change", series.pk), data)


# --- Pages ----------------------------------------------------------------------------------


def test_the_series_list_add_and_change_pages_render(admin_client, services):
    series, sessions = with_sessions(services)

    listed = admin_client.get(url("changelist"))
    assert listed.status_code == 200
    assert "3 sessions" in listed.content.decode()
    assert admin_client.get(url("add")).status_code == 200
    page = admin_client.get(url("change", series.pk))
    assert page.status_code == 200
    assert local_time(sessions[0].starts_at) in page.content.decode()


def test_a_series_is_added_with_the_form(admin_client):
    response = admin_client.post(url("add"), series_form(weekdays=["2", "0"]))

    assert response.status_code == 302
    spin = ClassSeries.objects.get()
    assert sorted(spin.weekdays) == [0, 2]
    assert (spin.start_time, spin.duration_minutes, spin.capacity) == (time(18), 45, 12)
    assert not spin.sessions.exists(), "sessions come from generating"


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"last_date": "2030-03-01"}, "The last date cannot be before the first date."),
        ({"weekdays": []}, "This field is required."),
        (
            {"duration_minutes": "1500"},
            "A session lasts longer than 0 minutes and at most 24 hours.",
        ),
    ],
)
def test_a_series_the_domain_refuses_is_not_added_and_says_why(admin_client, changes, error):
    response = admin_client.post(url("add"), series_form(**changes))

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert [m for messages in form.errors.values() for m in messages].count(error) == 1
    assert not ClassSeries.objects.exists()


# --- Generating ---------------------------------------------------------------------------------


def test_generating_asks_for_the_weeks_then_creates_the_sessions(admin_client, services):
    # given
    spin = make_series()

    # when
    asked, done = run_action(admin_client, "generate_sessions", [spin], weeks=1)

    # then
    assert asked.context["form"]["weeks"].value() == 4, "four weeks unless told otherwise"
    sessions = spin.sessions.order_by("starts_at")
    assert sessions.count() == 6, "tomorrow to the end of the week that starts today"
    assert {local_time(s.starts_at)[-5:] for s in sessions} == {"18:00"}
    [message] = messages_of(done)
    assert message.startswith("Created 6 sessions for 1 series from ")


def test_generating_again_creates_nothing(admin_client, services):
    spin = make_series()
    run_action(admin_client, "generate_sessions", [spin], weeks=1)

    _, again = run_action(admin_client, "generate_sessions", [spin], weeks=1)

    assert spin.sessions.count() == 6
    [message] = messages_of(again)
    assert message.startswith("Created 0 sessions for 1 series")
    assert message.endswith("(6 already there).")


def test_generating_too_far_ahead_is_refused_with_the_domains_message(admin_client, services):
    spin = make_series(weekdays=[0, 2])

    _, done = run_action(admin_client, "generate_sessions", [spin], weeks=53)

    assert messages_of(done) == [
        "Spin (Mon, Wed 18:00): Sessions are generated from 1 to 52 weeks ahead."
    ]
    assert not FitnessClass.objects.exists()


# --- Changing a series: two steps ---------------------------------------------------------------


def test_a_change_without_booked_sessions_applies_at_once(admin_client, services):
    # given
    spin, _ = with_sessions(services)

    # when
    response = change_series(admin_client, spin, instructor="Marco")

    # then
    assert response.status_code == 302
    assert response.url == url("changelist")
    assert set(spin.sessions.values_list("instructor", flat=True)) == {"Marco"}
    assert "3 upcoming sessions nobody had booked now follow the series." in messages_of(response)


def test_a_series_is_put_in_a_room_of_its_location_and_refused_one_elsewhere(
    admin_client, services
):
    # given a series at Studio 1, a room there and one at Riverside
    spin = make_series()
    back_room = RoomFactory(location=spin.location, name="Back room")
    loft = RoomFactory(location=LocationFactory(name="Riverside"), name="Loft")

    # when staff choose the Riverside room, then the studio's
    refused = change_series(admin_client, spin, room=loft.pk)
    accepted = change_series(admin_client, spin, room=back_room.pk)

    # then the first is refused on the room field, the second is stored
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["room"] == [
        "That room is at Riverside, not at Studio 1: choose one of Studio 1's rooms, or no room."
    ]
    assert accepted.status_code == 302
    spin.refresh_from_db()
    assert spin.room == back_room


def test_a_series_added_with_no_capacity_takes_its_rooms(admin_client):
    room = RoomFactory(name="Back room", capacity=16)

    response = admin_client.post(
        url("add"), series_form(location=str(room.location.pk), room=str(room.pk), capacity="")
    )

    assert response.status_code == 302
    assert ClassSeries.objects.get().capacity == 16


def test_a_change_leaves_booked_sessions_alone_and_asks_about_them(admin_client, services):
    # given: the second session has a booking
    spin, sessions = with_sessions(services)
    BookingFactory(fitness_class=sessions[1])

    # when
    response = change_series(admin_client, spin, instructor="Marco", capacity="14")

    # then: the others changed, the booked one did not, and staff are asked about it
    assert response.status_code == 302
    assert response.url == booked_sessions_url(spin)
    changed = [(s.instructor, s.capacity) for s in spin.sessions.order_by("starts_at")]
    assert changed == [("Marco", 14), ("Kim", 12), ("Marco", 14)]
    assert "1 booked session was left as before." in messages_of(response)
    page = admin_client.get(response.url)
    assert page.status_code == 200
    [row] = page.context["rows"]
    assert (row["class_id"], row["when"], row["confirmed"]) == (
        str(sessions[1].pk),
        local_time(sessions[1].starts_at),
        1,
    )
    assert row["changes"] == (("instructor", "Kim", "Marco"), ("capacity", 12, 14))
    html = page.content.decode()
    assert "Instructor: Kim &rarr;\nMarco" in html
    assert "Leave them as they are" in html


def test_confirming_gives_the_booked_sessions_the_series_details(admin_client, services):
    # given
    spin, sessions = with_sessions(services)
    BookingFactory(fitness_class=sessions[1])
    step_one = change_series(
        admin_client, spin, instructor="Marco", capacity="14", start_time="19:00"
    )
    admin_client.get(step_one.url)

    # when
    response = admin_client.post(booked_sessions_url(spin), {"session": [str(sessions[1].pk)]})

    # then: details and capacity, but not the time
    assert response.status_code == 302
    assert response.url == url("change", spin.pk)
    booked = FitnessClass.objects.get(pk=sessions[1].pk)
    assert (booked.instructor, booked.capacity) == ("Marco", 14)
    assert booked.starts_at == sessions[1].starts_at
    assert messages_of(response) == ["Gave 1 booked session the series' details."]


def test_a_capacity_below_a_sessions_bookings_is_refused_for_that_session(admin_client, services):
    # given: two members on the second session
    spin, sessions = with_sessions(services)
    BookingFactory.create_batch(2, fitness_class=sessions[1])
    admin_client.get(change_series(admin_client, spin, capacity="1", instructor="Marco").url)

    # when
    response = admin_client.post(booked_sessions_url(spin), {"session": [str(sessions[1].pk)]})

    # then
    booked = FitnessClass.objects.get(pk=sessions[1].pk)
    assert (booked.capacity, booked.instructor) == (12, "Marco")
    assert messages_of(response) == [
        f"Spin, {local_time(sessions[1].starts_at)}: "
        "The capacity cannot go below 2: 2 members are booked.",
        "Gave 1 booked session the series' details.",
    ]
    assert Booking.objects.filter(fitness_class=booked, status="confirmed").count() == 2


def test_confirming_without_choosing_a_session_changes_nothing(admin_client, services):
    spin, sessions = with_sessions(services)
    BookingFactory(fitness_class=sessions[1])
    admin_client.get(change_series(admin_client, spin, instructor="Marco").url)

    response = admin_client.post(booked_sessions_url(spin), {})

    assert FitnessClass.objects.get(pk=sessions[1].pk).instructor == "Kim"
    assert messages_of(response) == ["No session was chosen: nothing changed."]


def test_the_confirmation_page_with_nothing_to_confirm_goes_back_to_the_series(
    admin_client, services
):
    spin, _ = with_sessions(services)

    response = admin_client.get(booked_sessions_url(spin))

    assert response.status_code == 302
    assert response.url == url("change", spin.pk)
    assert messages_of(response) == ["Every upcoming booked session has the series' details."]


def test_a_change_the_domain_refuses_is_shown_on_the_form_and_nothing_changes(
    admin_client, services
):
    spin, _ = with_sessions(services)

    response = change_series(admin_client, spin, instructor="Marco", weekdays=[])

    assert response.status_code == 200
    assert set(spin.sessions.values_list("instructor", flat=True)) == {"Kim"}


def test_a_series_with_sessions_cannot_be_deleted(admin_client, services):
    spin, _ = with_sessions(services)

    assert admin_client.get(url("delete", spin.pk)).status_code == 403
    assert admin_client.get(url("delete", make_series(name="Yoga").pk)).status_code == 200


# --- Sessions in the class admin ----------------------------------------------------------------


def test_a_sessions_page_shows_its_series(admin_client, services):
    spin, sessions = with_sessions(services)

    page = admin_client.get(reverse("admin:classes_fitnessclass_change", args=[sessions[0].pk]))

    assert page.status_code == 200
    assert url("change", spin.pk) in page.content.decode()


def test_a_session_is_edited_on_its_own_like_any_class(admin_client, services):
    spin, sessions = with_sessions(services)
    class_url = reverse("admin:classes_fitnessclass_change", args=[sessions[0].pk])
    page = admin_client.get(class_url)
    data = {"_save": "Save"}
    for field in page.context["adminform"].form:
        widget, value = field.field.widget, field.value()
        if isinstance(widget, forms.MultiWidget):
            for suffix, part in zip(widget.widgets_names, widget.decompress(value), strict=True):
                data[f"{field.html_name}{suffix}"] = str(part)
        elif value is not None:
            data[field.html_name] = value
    for inline in page.context["inline_admin_formsets"]:
        for field in inline.formset.management_form:
            data[field.html_name] = field.value()
    data["instructor"] = "Sam"

    response = admin_client.post(class_url, data)

    assert response.status_code == 302
    edited = FitnessClass.objects.get(pk=sessions[0].pk)
    assert (edited.instructor, edited.series) == ("Sam", spin)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, {"Spin", "Yoga", "Drop-in"}),
        ({"series": "any"}, {"Spin", "Yoga"}),
        ({"series": "none"}, {"Drop-in"}),
        ({"series": "spin"}, {"Spin"}),
        ({"series": "not-a-series"}, set()),
    ],
)
def test_the_class_list_filters_by_series(admin_client, services, query, expected):
    spin, _ = with_sessions(services, days=1)
    with_sessions(services, days=1, name="Yoga")
    FitnessClassFactory(name="Drop-in")
    if query.get("series") == "spin":
        query = {"series": str(spin.pk)}

    response = admin_client.get(reverse("admin:classes_fitnessclass_changelist"), query)

    assert response.status_code == 200
    assert {c.name for c in response.context["cl"].result_list} == expected


def test_the_series_filter_adds_no_query_to_the_class_list(
    admin_client, services, django_assert_max_num_queries
):
    with_sessions(services)
    with_sessions(services, name="Yoga")
    admin_client.get(reverse("admin:classes_fitnessclass_changelist"))

    with django_assert_max_num_queries(CLASS_CHANGELIST_QUERIES):
        response = admin_client.get(reverse("admin:classes_fitnessclass_changelist"))

    assert len(response.context["cl"].result_list) == 6


def test_a_series_page_reads_the_same_queries_for_2_and_6_upcoming_sessions(
    admin_client, services, django_assert_max_num_queries
):
    # given a series with 2 upcoming sessions, and the queries of its page
    spin, _ = with_sessions(services, days=2)
    page = url("change", spin.pk)
    admin_client.get(page)  # what the first request caches
    with django_assert_max_num_queries(99) as few:
        admin_client.get(page)

    # when it has 6
    spin.last_date = timezone.localdate() + timedelta(days=6)
    spin.save()
    services.generate_classes.execute(1, series_id=str(spin.pk))

    # then its page (each session shown with its location) reads no more
    with django_assert_max_num_queries(len(few)):
        response = admin_client.get(page)
    assert response.content.decode().count("Studio 1") >= 6


# --- Permissions --------------------------------------------------------------------------------


@pytest.fixture
def viewer_client(client, django_user_model):
    """Staff who may look at series and classes (at every location) but not change them."""
    user = work_at_every_location(
        django_user_model.objects.create_user(username="viewer", is_staff=True)
    )
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="classes",
            codename__in=["view_classseries", "view_fitnessclass"],
        )
    )
    client.force_login(user)
    return client


def test_staff_who_may_not_change_series_neither_generate_nor_confirm(viewer_client, services):
    spin, sessions = with_sessions(services)
    BookingFactory(fitness_class=sessions[1])

    listed = viewer_client.get(url("changelist"))
    confirm = viewer_client.post(booked_sessions_url(spin), {"session": [str(sessions[1].pk)]})

    assert listed.status_code == 200
    assert "generate_sessions" not in listed.content.decode()
    assert confirm.status_code == 403
