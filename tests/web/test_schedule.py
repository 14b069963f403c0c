"""The schedule, the member's home page: a week of classes grouped by day in the gym's time
zone, with the member's own state on each row, week navigation and filters — in a constant
number of queries however many classes, bookings and waitlist entries the week holds."""

import html
import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    BookingFactory,
    CreditGrantFactory,
    FitnessClassFactory,
    WaitlistEntryFactory,
    full_class,
)

pytestmark = pytest.mark.django_db

SCHEDULE = reverse("classes:schedule")

# session, user, member; the week's classes with their counts; the member's bookings in them;
# the member's waitlist positions in them; what the rules ask of her (upcoming bookings, the
# spots she holds, her credits); the filters' choices; the header's unread count.
SCHEDULE_QUERIES = 11

TO = "\N{EN DASH}"  # between a class's start and end times


def text_of(response) -> str:
    """The page as a person reads it: tags stripped, entities decoded, spaces collapsed."""
    without_tags = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(without_tags).split())


def a_future_monday() -> date:
    """The Monday of a week two weeks from now, in the gym's calendar."""
    day = timezone.localdate() + timedelta(days=14)
    return day - timedelta(days=day.weekday())


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """`day` at `hour:minute` in the gym's time zone."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def week_of(day: date) -> str:
    return f"{SCHEDULE}?week={day.isoformat()}"


def row_of(response, name: str) -> str:
    """The text of the schedule row whose class is `name`."""
    content = response.content.decode()
    for row in re.findall(r"<tr class=\"class-row.*?</tr>", content, re.S):
        if f">{name}</a>" in row:
            return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split())
    raise AssertionError(f"no row for {name}")


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    # when someone not signed in opens the schedule
    response = client.get(SCHEDULE)

    # then they are redirected to log in, and come back here afterwards
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={SCHEDULE}"


def test_the_schedule_is_the_members_home_page_and_renders_an_empty_week(member_client):
    # given no classes at all
    # when the member opens the home page
    response = member_client.get("/")

    # then the week is shown, empty
    assert response.status_code == 200
    assert "No classes this week." in text_of(response)


def test_classes_are_grouped_by_day_in_the_gyms_time_zone(member_client, settings):
    # given a summer week in London (UTC+1): a class at 23:30 UTC on Monday is 00:30 on
    # Tuesday for the gym, and one at 23:30 UTC on Sunday is already the next week
    settings.TIME_ZONE = "Europe/London"
    monday = date(2030, 7, 1)
    FitnessClassFactory(name="Late Spin", starts_at=datetime(2030, 7, 1, 23, 30, tzinfo=UTC))
    FitnessClassFactory(name="Sunday Yoga", starts_at=datetime(2030, 7, 7, 22, 0, tzinfo=UTC))
    FitnessClassFactory(name="Next Week", starts_at=datetime(2030, 7, 7, 23, 30, tzinfo=UTC))

    # when the member opens that week
    response = member_client.get(week_of(monday))

    # then each class is under its local day, at its local time; the next week's is not shown
    days = {
        day.date: [row.fitness_class.name for row in day.rows] for day in response.context["days"]
    }
    assert list(days) == [monday + timedelta(days=offset) for offset in range(7)]
    assert days[date(2030, 7, 1)] == []
    assert days[date(2030, 7, 2)] == ["Late Spin"]
    assert days[date(2030, 7, 7)] == ["Sunday Yoga"]
    page = text_of(response)
    assert "Tuesday 2 July" in page
    assert f"00:30 {TO} 01:30" in page
    assert f"23:00 {TO} 00:00" in page
    assert "Next Week" not in page


def test_a_day_lists_its_classes_in_order_of_start_with_their_details(member_client, member):
    # given two classes on the same day, created out of order, and a member with credit
    CreditGrantFactory(member=member, amount=5)
    monday = a_future_monday()
    FitnessClassFactory(
        name="Boxing", instructor="Lee", location="Ring", starts_at=at(monday, 19), capacity=8
    )
    spin = FitnessClassFactory(
        name="Spin", instructor="Kim", location="Studio 1", starts_at=at(monday, 7), capacity=10
    )
    BookingFactory.create_batch(3, fitness_class=spin)

    # when the member opens that week
    response = member_client.get(week_of(monday))

    # then the rows are in order of start, each with time, name, instructor, location, spots
    rows = [row.fitness_class.name for row in response.context["days"][0].rows]
    assert rows == ["Spin", "Boxing"]
    assert row_of(response, "Spin") == f"07:00 {TO} 08:00 Spin Kim Studio 1 7 of 10 Open"
    assert row_of(response, "Boxing") == f"19:00 {TO} 20:00 Boxing Lee Ring 8 of 8 Open"


def test_the_default_week_is_this_week(member_client):
    # given a class today (whatever the time) and one a week later
    today = timezone.localdate()
    FitnessClassFactory(name="Today's Pilates", starts_at=at(today, 12))
    FitnessClassFactory(name="Next Week's Pilates", starts_at=at(today + timedelta(days=7), 12))

    # when the member opens the schedule without choosing a week
    response = member_client.get(SCHEDULE)

    # then this week is shown, today marked
    page = text_of(response)
    assert "Today's Pilates" in page
    assert "Next Week's Pilates" not in page
    assert "(today)" in page
    assert "This week" not in page, "no link back to the week already shown"


def test_previous_and_next_week_links_page_through_the_weeks(member_client):
    # given a class in a week and another in the week after
    monday = a_future_monday()
    FitnessClassFactory(name="Spin", starts_at=at(monday, 18))
    FitnessClassFactory(name="Yoga", starts_at=at(monday + timedelta(days=8), 18))

    # when the member follows "Next week" from the first week
    first = member_client.get(SCHEDULE, {"week": monday.isoformat(), "location": ""})
    next_link = re.search(r'href="([^"]+)" rel="next"', first.content.decode()).group(1)
    second = member_client.get(SCHEDULE + html.unescape(next_link))

    # then the next week is shown, and its "Previous week" leads back
    next_monday = monday + timedelta(days=7)
    assert f"week={next_monday.isoformat()}" in html.unescape(next_link)
    assert "Yoga" in text_of(second)
    assert "Spin" not in text_of(second)
    assert f"week={monday.isoformat()}" in html.unescape(
        re.search(r'href="([^"]+)" rel="prev"', second.content.decode()).group(1)
    )
    assert "This week" in text_of(second)


def test_any_day_of_a_week_shows_that_whole_week_from_monday(member_client):
    # given a class on a Monday
    monday = a_future_monday()
    FitnessClassFactory(name="Spin", starts_at=at(monday, 18))

    # when the member asks for the Thursday of that week
    response = member_client.get(week_of(monday + timedelta(days=3)))

    # then the week from that Monday is shown
    assert response.context["week_start"] == monday
    assert "Spin" in text_of(response)


@pytest.mark.parametrize("week", ["yesterday", "2030-02-30", "0001-01-01", "9999-12-31"])
def test_a_malformed_or_out_of_range_week_shows_this_week(member_client, week):
    # when the member asks for a week that cannot be shown
    response = member_client.get(SCHEDULE, {"week": week})

    # then this week is shown instead of an error
    assert response.status_code == 200
    today = timezone.localdate()
    assert response.context["week_start"] == today - timedelta(days=today.weekday())


def test_filters_offer_the_weeks_distinct_names_instructors_and_locations(member_client):
    # given a week of classes, some sharing a name, instructor or location
    monday = a_future_monday()
    FitnessClassFactory(name="Spin", instructor="Kim", location="Studio 1", starts_at=at(monday, 7))
    FitnessClassFactory(name="Spin", instructor="Lee", location="Studio 2", starts_at=at(monday, 9))
    FitnessClassFactory(
        name="Yoga", instructor="Kim", location="Studio 2", starts_at=at(monday, 11)
    )

    # when the member opens the week
    response = member_client.get(week_of(monday))

    # then each filter is a labelled select of the distinct values, in a GET form
    content = response.content.decode()
    assert '<form method="get"' in content
    for field, label in [("name", "Class"), ("instructor", "Instructor"), ("location", "Location")]:
        assert f'<label for="filter-{field}">{label}</label>' in content
    choices = response.context["choices"]
    assert choices.names == ["Spin", "Yoga"]
    assert choices.instructors == ["Kim", "Lee"]
    assert choices.locations == ["Studio 1", "Studio 2"]


@pytest.mark.parametrize(
    ("filters", "shown"),
    [
        ({"name": "Spin"}, ["Spin 7", "Spin 9"]),
        ({"instructor": "Kim"}, ["Spin 7", "Yoga 11"]),
        ({"location": "Studio 2"}, ["Spin 9", "Yoga 11"]),
        ({"name": "Spin", "instructor": "Kim", "location": "Studio 1"}, ["Spin 7"]),
        ({"name": "Boxing"}, []),
    ],
)
def test_filters_narrow_the_week_to_the_matching_classes(member_client, filters, shown):
    # given a week of classes
    monday = a_future_monday()
    for name, instructor, location, hour in [
        ("Spin", "Kim", "Studio 1", 7),
        ("Spin", "Lee", "Studio 2", 9),
        ("Yoga", "Kim", "Studio 2", 11),
    ]:
        FitnessClassFactory(
            name=name, instructor=instructor, location=location, starts_at=at(monday, hour)
        )

    # when the member filters the week
    response = member_client.get(SCHEDULE, {"week": monday.isoformat(), **filters})

    # then only the matching classes are listed, the choice stays selected, the week is kept
    rows = [
        f"{row.fitness_class.name} {timezone.localtime(row.fitness_class.starts_at).hour}"
        for day in response.context["days"]
        for row in day.rows
    ]
    assert rows == shown
    assert set(response.context["choices"].names) >= {"Spin", "Yoga"}, "all the week's stay"
    content = response.content.decode()
    for value in filters.values():
        assert f'<option value="{value}" selected>' in content
    assert f'name="week" value="{monday.isoformat()}"' in content
    if not shown:
        assert "No classes match these filters this week." in text_of(response)


def test_week_links_keep_the_filters(member_client):
    # when the member pages from a filtered week
    monday = a_future_monday()
    response = member_client.get(
        SCHEDULE, {"week": monday.isoformat(), "name": "", "instructor": "Kim"}
    )

    # then the previous and next links keep the filter (and leave out the empty ones)
    content = html.unescape(response.content.decode())
    previous_monday = (monday - timedelta(days=7)).isoformat()
    next_monday = (monday + timedelta(days=7)).isoformat()
    assert f'href="?instructor=Kim&week={previous_monday}" rel="prev"' in content
    assert f'href="?instructor=Kim&week={next_monday}" rel="next"' in content


def test_each_row_shows_the_members_own_state(member_client, member):
    # given one class in each state the member can see, and a member with credit
    CreditGrantFactory(member=member, amount=5)
    monday = a_future_monday()
    booked = FitnessClassFactory(name="Booked Spin", starts_at=at(monday, 7))
    BookingFactory(member=member, fitness_class=booked)
    waiting = full_class(capacity=1, name="Waiting Yoga", starts_at=at(monday, 8))
    WaitlistEntryFactory(fitness_class=waiting, created_at=timezone.now() - timedelta(hours=2))
    WaitlistEntryFactory(member=member, fitness_class=waiting)
    full = full_class(capacity=2, name="Full Boxing", starts_at=at(monday, 9))
    WaitlistEntryFactory.create_batch(3, fitness_class=full)
    full_class(capacity=1, name="Full HIIT", starts_at=at(monday, 12))
    FitnessClassFactory(name="Open Pilates", starts_at=at(monday, 10), capacity=5)
    cancelled = FitnessClassFactory(name="Cancelled Barre", starts_at=at(monday, 11))
    cancelled.cancelled_at = timezone.now()
    cancelled.cancellation_reason = "Instructor ill"
    cancelled.save()

    # when the member opens that week
    response = member_client.get(week_of(monday))

    # then each row says where the member stands
    assert row_of(response, "Booked Spin").endswith("9 of 10 Booked")
    assert row_of(response, "Waiting Yoga").endswith("0 of 1 On the waitlist at position 2")
    assert row_of(response, "Full Boxing").endswith("0 of 2 Full with 3 waiting")
    assert row_of(response, "Full HIIT").endswith("0 of 1 Full")
    assert row_of(response, "Open Pilates").endswith("5 of 5 Open")
    assert row_of(response, "Cancelled Barre").endswith("— Cancelled")


def test_classes_that_have_started_are_shown_as_past(member_client, member):
    # given a class that started 5 minutes ago, on which the member is booked, and one later
    started = timezone.now() - timedelta(minutes=5)
    past = FitnessClassFactory(name="Early Spin", starts_at=started)
    BookingFactory(member=member, fitness_class=past)
    FitnessClassFactory(name="Later Spin", starts_at=started + timedelta(minutes=10))

    # when the member opens the week holding it
    response = member_client.get(week_of(timezone.localdate(started)))

    # then the started class is past, the later one still open
    assert row_of(response, "Early Spin").endswith("Past")
    # (she is still in Early Spin then, so the rules would refuse it)
    assert row_of(response, "Later Spin").endswith("Open Clashes with a booking")


def test_rows_link_to_the_class_page(member_client):
    monday = a_future_monday()
    spin = FitnessClassFactory(name="Spin", starts_at=at(monday, 7))

    response = member_client.get(week_of(monday))

    assert f'href="{reverse("classes:detail", args=[spin.pk])}"' in response.content.decode()


def test_times_are_machine_readable(member_client):
    # given a class
    monday = a_future_monday()
    spin = FitnessClassFactory(name="Spin", starts_at=at(monday, 7))

    # when the week is shown
    content = member_client.get(week_of(monday)).content.decode()

    # then its start carries a <time datetime> with the offset, and the day its date
    local = timezone.localtime(spin.starts_at)
    assert f'<time datetime="{local.isoformat()}">07:00</time>' in content
    assert f'<time datetime="{monday.isoformat()}">' in content


@pytest.mark.parametrize("size", [5, 200], ids=["5 classes", "200 classes"])
def test_the_schedule_runs_the_same_queries_for_5_and_200_classes(
    member_client, member, size, django_assert_max_num_queries
):
    # given a week of `size` classes: the member booked on a fifth of them, waiting on a fifth
    # (behind someone else), the rest with other members' bookings and waitlist entries
    monday = a_future_monday()
    for index in range(size):
        fitness_class = FitnessClassFactory(
            name=f"Class {index % 7}",
            instructor=f"Instructor {index % 3}",
            capacity=2,
            starts_at=at(monday + timedelta(days=index % 7), 6 + index % 15, index % 60),
        )
        BookingFactory(fitness_class=fitness_class)
        if index % 5 == 0:
            BookingFactory(member=member, fitness_class=fitness_class)
        elif index % 5 == 1:
            BookingFactory(fitness_class=fitness_class)
            WaitlistEntryFactory(fitness_class=fitness_class)
            WaitlistEntryFactory(member=member, fitness_class=fitness_class)

    # when the member opens the week
    with django_assert_max_num_queries(SCHEDULE_QUERIES):
        response = member_client.get(week_of(monday))

    # then every class is listed with the member's state
    assert response.context["class_count"] == size
    states = [row.state for day in response.context["days"] for row in day.rows]
    assert states.count("booked") == len(range(0, size, 5))
    assert states.count("waiting") == len(range(1, size, 5))
    assert {row.position for day in response.context["days"] for row in day.rows} == {None, 2}


@pytest.mark.parametrize("field", ["name", "instructor", "location"])
def test_a_filter_with_a_nul_byte_is_ignored_rather_than_an_error(member_client, field):
    FitnessClassFactory(name="Spin", starts_at=timezone.now() + timedelta(hours=2))

    response = member_client.get(SCHEDULE, {field: "Spin\x00"})

    assert response.status_code == 200
    assert "Spin" in response.content.decode()


def test_staff_without_a_member_profile_are_sent_to_the_admin(admin_client):
    response = admin_client.get(SCHEDULE)

    assert response.status_code == 302
    assert response.url == reverse("admin:index")


def test_a_login_without_a_member_profile_is_told_so_not_sent_to_not_found(
    client, django_user_model
):
    client.force_login(django_user_model.objects.create_user(username="no-profile"))

    response = client.get(SCHEDULE)

    assert response.status_code == 403
    assert "Your login has no member account" in response.content.decode()
