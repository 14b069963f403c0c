"""Every staff edit and deletion of a class goes through the rules, in admin, through the test
client: capacities within the domain's limits (class and series forms), a session never moved
onto another of its series, a booked class neither moved nor deleted (the message points to
cancelling), and every change recorded in the event log with the staff user who made it — as a
superuser, a manager and the front desk. Bad input: a clear message and nothing changed."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from application.security import BY_NAME as SECURITY_LOG
from bookings.models import Booking, WaitlistEntry
from classes.models import ClassSeries, FitnessClass, SeriesOccurrence
from events.models import StoredEvent
from tests.factories import (
    BookingFactory,
    FitnessClassFactory,
    LocationFactory,
    WaitlistEntryFactory,
    full_class,
    work_at_every_location,
)
from tests.web.test_admin import admin_url, change_form_data, messages_of
from tests.web.test_series_admin import change_series, make_series, series_form, with_sessions
from tests.web.test_series_admin import run_action as run_series_action

pytestmark = pytest.mark.django_db

CAPACITY_RULE = "The capacity must be a whole number from 1 to 1000."


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff(django_user_model):
    """`staff(group)`: a staff user of that group ("Manager", "Front desk"), at every
    location."""

    def make(group: str, username: str | None = None):
        user = django_user_model.objects.create_user(
            username=username or group.lower().replace(" ", "-"), is_staff=True
        )
        user.groups.add(Group.objects.get(name=group))
        return work_at_every_location(user)

    return make


@pytest.fixture
def manager(client, staff):
    user = staff("Manager", "boss")
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def front_desk(client, staff):
    user = staff("Front desk", "desk")
    client.force_login(user)
    client.user = user
    return client


def class_form(**changes) -> dict[str, str]:
    data = {
        "name": "Yoga",
        "description": "",
        "instructor": "Lena",
        "location": str(LocationFactory(name="Studio 2").pk),
        "starts_at_0": "2030-03-04",
        "starts_at_1": "18:30:00",
        "ends_at_0": "2030-03-04",
        "ends_at_1": "19:30:00",
        "capacity": "12",
    }
    return {**data, **changes}


def edit_class(client, fitness_class, **typed):
    """Post the class's change page as a browser would, with `typed` values."""
    page = client.get(admin_url(FitnessClass, "change", fitness_class.pk))
    data = change_form_data(page)
    for name, value in typed.items():
        if name in ("starts_at", "ends_at"):
            local = timezone.localtime(value)
            data[f"{name}_0"] = local.strftime("%Y-%m-%d")
            data[f"{name}_1"] = local.strftime("%H:%M:%S")
        else:
            data[name] = value
    return client.post(admin_url(FitnessClass, "change", fitness_class.pk), data)


def form_errors(response) -> dict[str, list[str]]:
    form = response.context["adminform"].form
    return {name or "__all__": list(errors) for name, errors in form.errors.items()}


def logged(event_type: str) -> list[StoredEvent]:
    return list(StoredEvent.objects.filter(type=event_type).order_by("occurred_at"))


def as_it_was(fitness_class: FitnessClass) -> tuple:
    fitness_class.refresh_from_db()
    return (
        fitness_class.name,
        fitness_class.instructor,
        fitness_class.location,
        fitness_class.starts_at,
        fitness_class.ends_at,
        fitness_class.capacity,
    )


# --- Capacity limits ------------------------------------------------------------------------------


def test_adding_a_class_above_the_capacity_limit_is_refused_on_the_capacity_field(admin_client):
    response = admin_client.post(admin_url(FitnessClass, "add"), class_form(capacity="1001"))

    assert response.status_code == 200
    assert form_errors(response) == {"capacity": [CAPACITY_RULE]}
    assert not FitnessClass.objects.exists()
    assert not StoredEvent.objects.exclude(type__in=SECURITY_LOG).exists()


def test_raising_a_classs_capacity_above_the_limit_is_refused_and_nothing_changes(admin_client):
    spin = FitnessClassFactory(capacity=10)
    before = as_it_was(spin)

    response = edit_class(admin_client, spin, capacity="5000", instructor="Marco")

    assert response.status_code == 200
    assert form_errors(response) == {"capacity": [CAPACITY_RULE]}
    assert as_it_was(spin) == before
    assert not StoredEvent.objects.exclude(type__in=SECURITY_LOG).exists()


@pytest.mark.parametrize("capacity", ["0", "1001"])
def test_adding_a_series_outside_the_capacity_limits_is_refused_on_the_capacity_field(
    admin_client, capacity
):
    response = admin_client.post(admin_url(ClassSeries, "add"), series_form(capacity=capacity))

    assert response.status_code == 200
    assert form_errors(response) == {"capacity": [CAPACITY_RULE]}
    assert not ClassSeries.objects.exists()


def test_raising_a_series_capacity_above_the_limit_is_refused_and_nothing_changes(
    admin_client, services
):
    series, _ = with_sessions(services)

    response = change_series(admin_client, series, capacity="5000")

    assert response.status_code == 200
    assert form_errors(response) == {"capacity": [CAPACITY_RULE]}
    series.refresh_from_db()
    assert series.capacity == 12
    assert {session.capacity for session in series.sessions.all()} == {12}


def test_a_class_at_the_limit_is_accepted(admin_client):
    response = admin_client.post(admin_url(FitnessClass, "add"), class_form(capacity="1000"))

    assert response.status_code == 302
    assert FitnessClass.objects.get().capacity == 1000


# --- Adding a class -------------------------------------------------------------------------------


def test_a_class_added_in_admin_is_scheduled_with_an_event_naming_the_staff_user(manager):
    response = manager.post(admin_url(FitnessClass, "add"), class_form())

    assert response.status_code == 302
    yoga = FitnessClass.objects.get()
    [scheduled] = logged("ClassScheduled")
    assert scheduled.class_id == yoga.pk
    assert scheduled.payload["series_id"] is None
    assert (scheduled.actor_kind, scheduled.actor_user, scheduled.actor_label) == (
        "staff",
        manager.user,
        "boss",
    )


# --- Moving, relocating, renaming, resizing -------------------------------------------------------


def test_moving_a_class_nobody_booked_records_who_moved_it(manager):
    spin = FitnessClassFactory()
    later = (spin.starts_at + timedelta(days=1)).replace(microsecond=0)

    response = edit_class(manager, spin, starts_at=later, ends_at=later + timedelta(hours=1))

    assert response.status_code == 302
    spin.refresh_from_db()
    assert spin.starts_at == later
    [moved] = logged("ClassRescheduled")
    assert moved.class_id == spin.pk
    assert (moved.actor_kind, moved.actor_user) == ("staff", manager.user)
    assert moved.occurred_at <= timezone.now()


def test_relocating_renaming_and_resizing_a_booked_class_are_each_recorded_with_the_actor(
    manager,
):
    spin = full_class(capacity=1, name="Spin")

    response = edit_class(
        manager,
        spin,
        name="Spin 45",
        instructor="Marco",
        location=LocationFactory(name="Studio 3").pk,
        capacity="3",
    )

    assert response.status_code == 302
    spin.refresh_from_db()
    assert (spin.name, spin.instructor, spin.location.name, spin.capacity) == (
        "Spin 45",
        "Marco",
        "Studio 3",
        3,
    )
    [details] = logged("ClassDetailsChanged")
    assert details.payload["changed"] == "name, instructor, location"
    [resized] = logged("ClassCapacityChanged")
    for event in (details, resized):
        assert (event.class_id, event.actor_kind, event.actor_user) == (
            spin.pk,
            "staff",
            manager.user,
        )


def test_saving_a_class_unchanged_records_nothing(admin_client):
    spin = FitnessClassFactory()

    response = edit_class(admin_client, spin)

    assert response.status_code == 302
    assert not StoredEvent.objects.exclude(type__in=SECURITY_LOG).exists()


def test_a_booked_class_that_is_moved_after_the_page_was_opened_is_refused(admin_client):
    # given staff open an empty class's page (its times can be edited)
    spin = FitnessClassFactory()
    page = admin_client.get(admin_url(FitnessClass, "change", spin.pk))
    data = change_form_data(page)
    # and a member books it before they save
    BookingFactory(fitness_class=spin)
    later = timezone.localtime(spin.starts_at + timedelta(days=1))
    data["starts_at_0"] = data["ends_at_0"] = later.strftime("%Y-%m-%d")
    before = as_it_was(spin)

    # when they save the new time
    response = admin_client.post(admin_url(FitnessClass, "change", spin.pk), data)

    # then the time is kept: read-only now, so the posted one is ignored; nothing changes
    assert response.status_code == 302
    assert as_it_was(spin) == before
    assert not logged("ClassRescheduled")


def test_a_move_the_rules_refuse_is_shown_on_the_form_and_nothing_is_saved(admin_client):
    spin = FitnessClassFactory()
    before = as_it_was(spin)
    earlier = timezone.now() - timedelta(days=1)

    response = edit_class(
        admin_client, spin, starts_at=earlier, ends_at=earlier + timedelta(hours=1), name="Late"
    )

    assert response.status_code == 200
    assert form_errors(response) == {"starts_at": ["A class cannot be moved into the past."]}
    assert as_it_was(spin) == before
    assert not StoredEvent.objects.exclude(type__in=SECURITY_LOG).exists()


def test_a_class_members_wait_for_keeps_its_time_even_when_nobody_holds_a_spot(admin_client):
    spin = FitnessClassFactory()
    WaitlistEntryFactory(fitness_class=spin)

    page = admin_client.get(admin_url(FitnessClass, "change", spin.pk))

    assert {"starts_at", "ends_at"} <= set(page.context["adminform"].readonly_fields)


def test_the_front_desk_cannot_change_a_class(front_desk):
    spin = FitnessClassFactory()
    before = as_it_was(spin)

    response = edit_class(front_desk, spin, instructor="Marco")

    assert response.status_code == 403
    assert as_it_was(spin) == before
    assert not StoredEvent.objects.exclude(type__in=SECURITY_LOG).exists()


# --- A session of a series ------------------------------------------------------------------------


def test_moving_a_session_onto_another_session_of_its_series_is_refused_with_a_message(
    admin_client, services
):
    # given a series' sessions on three days
    _, [first, second, _] = with_sessions(services)
    before = as_it_was(first)

    # when staff move the first onto the second
    response = edit_class(admin_client, first, starts_at=second.starts_at, ends_at=second.ends_at)

    # then a clear message, not a server error; nothing changed
    assert response.status_code == 200
    assert form_errors(response) == {
        "starts_at": [
            "Another session of this series starts at that time: choose another time, or "
            "change that session instead."
        ]
    }
    assert as_it_was(first) == before
    assert not logged("ClassRescheduled")


def test_a_session_staff_moved_to_another_day_is_not_generated_again(admin_client, services):
    # given tomorrow's session moved by staff to a week later
    series, [first, *_] = with_sessions(services)
    week_later = first.starts_at + timedelta(days=7, hours=1)
    edit_class(admin_client, first, starts_at=week_later, ends_at=week_later + timedelta(hours=1))

    # when the series is generated again (the admin action, as the command does)
    services.generate_classes.execute(1, series_id=str(series.pk))

    # then its old day has no new session
    first_day = timezone.localdate(first.starts_at)
    on_first_day = [
        s for s in series.sessions.all() if timezone.localdate(s.starts_at) == first_day
    ]
    assert on_first_day == []
    assert SeriesOccurrence.objects.get(series=series, date=first_day).fitness_class_id == first.pk


def test_generating_a_bad_series_with_a_good_one_reports_it_and_generates_the_other(manager):
    # given a series saved with a capacity above the limit (before the form checked it)
    broken = make_series(name="Broken", capacity=5000)
    spin = make_series(name="Spin")

    # when a manager generates both
    _, done = run_series_action(manager, "generate_sessions", [broken, spin], weeks=1)

    # then the broken one is named with the reason; Spin got its sessions, logged as hers
    errors = [m for m in messages_of(done) if m.startswith("Broken")]
    assert errors and CAPACITY_RULE in errors[0]
    assert not broken.sessions.exists()
    assert spin.sessions.exists()
    scheduled = logged("ClassScheduled")
    assert {event.class_id for event in scheduled} == set(
        spin.sessions.values_list("pk", flat=True)
    )
    assert {(event.actor_kind, event.actor_user_id) for event in scheduled} == {
        ("staff", manager.user.pk)
    }


# --- Deleting -------------------------------------------------------------------------------------


def test_deleting_a_class_added_by_mistake_deletes_it_with_an_event_naming_the_staff_user(
    manager,
):
    spin = FitnessClassFactory()

    asked = manager.get(admin_url(FitnessClass, "delete", spin.pk))
    response = manager.post(admin_url(FitnessClass, "delete", spin.pk), {"post": "yes"})

    assert asked.status_code == 200
    assert response.status_code == 302
    assert not FitnessClass.objects.filter(pk=spin.pk).exists()
    [deleted] = logged("ClassDeleted")
    assert deleted.class_id == spin.pk
    assert deleted.payload["name"] == "Spin"
    assert (deleted.actor_kind, deleted.actor_user) == ("staff", manager.user)


@pytest.mark.parametrize("who", ["booked", "waiting"])
def test_deleting_a_class_members_are_on_is_refused_pointing_to_cancelling(manager, who):
    spin = full_class(capacity=1) if who == "booked" else FitnessClassFactory()
    if who == "waiting":
        WaitlistEntryFactory(fitness_class=spin)
    url = admin_url(FitnessClass, "delete", spin.pk)

    asked = manager.get(url)
    posted = manager.post(url, {"post": "yes"})

    for response in (asked, posted):
        assert response.status_code == 302
        assert response.url == admin_url(FitnessClass, "change", spin.pk)
        assert any("Cancel this class" in message for message in messages_of(response))
    assert FitnessClass.objects.filter(pk=spin.pk).exists()
    assert Booking.objects.filter(fitness_class=spin).count() == (1 if who == "booked" else 0)
    assert WaitlistEntry.objects.filter(fitness_class=spin).count() == (who == "waiting")
    assert not logged("ClassDeleted")


def test_a_session_staff_deleted_is_not_generated_again(admin_client, services):
    series, [first, *others] = with_sessions(services)

    admin_client.post(admin_url(FitnessClass, "delete", first.pk), {"post": "yes"})
    services.generate_classes.execute(1, series_id=str(series.pk))

    assert not FitnessClass.objects.filter(pk=first.pk).exists()
    assert list(series.sessions.order_by("starts_at")) == others
    occurrence = SeriesOccurrence.objects.get(
        series=series, date=timezone.localdate(first.starts_at)
    )
    assert occurrence.fitness_class is None


def test_the_front_desk_cannot_delete_a_class(front_desk):
    spin = FitnessClassFactory()

    response = front_desk.post(admin_url(FitnessClass, "delete", spin.pk), {"post": "yes"})

    assert response.status_code == 403
    assert FitnessClass.objects.filter(pk=spin.pk).exists()
