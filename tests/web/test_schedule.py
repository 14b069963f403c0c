"""The schedule, the member's home page: a day's classes in the gym's time zone, a page of
them at a time, with the member's own state on each row, day and week navigation and filters
— in a constant number of queries however many classes, bookings and waitlist entries the
day holds."""

import html
import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from classes.views import CLASSES_PER_PAGE
from tests.factories import (
    BookingFactory,
    CreditGrantFactory,
    FitnessClassFactory,
    WaitlistEntryFactory,
    full_class,
    limited_to,
)

pytestmark = pytest.mark.django_db

SCHEDULE = reverse("classes:schedule")

# session; her login with her member; the page's classes with their counts; all she is in
# them and what the rules ask of her (her bookings, waitlist positions, upcoming bookings,
# the spots she holds, her credits: `classes.member_reads`), after her live membership
# (whether it pays for a class instead of a credit); the filters' choices; the location's
# opening hours and closures that day; the header's unread count.
SCHEDULE_QUERIES = 8

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


def day_of(day: date) -> str:
    return f"{SCHEDULE}?day={day.isoformat()}"


def names_of(response) -> list[str]:
    return [row.fitness_class.name for row in response.context["rows"]]


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


def test_the_schedule_is_the_members_home_page_and_renders_an_empty_day(member_client):
    # given no classes at all
    # when the member opens the home page
    response = member_client.get("/")

    # then today is shown, empty
    assert response.status_code == 200
    assert "No classes this day." in text_of(response)


def test_each_day_shows_its_classes_in_the_gyms_time_zone(member_client, settings):
    # given a summer week in London (UTC+1): a class at 23:30 UTC on Monday is 00:30 on
    # Tuesday for the gym, and one at 22:00 UTC on Sunday is 23:00 on Sunday
    settings.TIME_ZONE = "Europe/London"
    FitnessClassFactory(name="Late Spin", starts_at=datetime(2030, 7, 1, 23, 30, tzinfo=UTC))
    FitnessClassFactory(name="Sunday Yoga", starts_at=datetime(2030, 7, 7, 22, 0, tzinfo=UTC))

    # when the member opens Monday, Tuesday and Sunday
    monday, tuesday, sunday = (member_client.get(day_of(date(2030, 7, day))) for day in (1, 2, 7))

    # then each class is under its local day, at its local time
    assert names_of(monday) == []
    assert names_of(tuesday) == ["Late Spin"]
    assert names_of(sunday) == ["Sunday Yoga"]
    assert "Tuesday 2 July 2030" in text_of(tuesday)
    assert f"00:30 {TO} 01:30" in text_of(tuesday)
    assert f"23:00 {TO} 00:00" in text_of(sunday)


def test_a_day_lists_its_classes_in_order_of_start_with_their_details(member_client, member):
    # given two classes on the same day, created out of order, and a member with credit
    CreditGrantFactory(member=member, amount=5)
    monday = a_future_monday()
    FitnessClassFactory(
        name="Boxing", instructor="Lee", location="Studio 1", starts_at=at(monday, 19), capacity=8
    )
    spin = FitnessClassFactory(
        name="Spin", instructor="Kim", location="Studio 1", starts_at=at(monday, 7), capacity=10
    )
    BookingFactory.create_batch(3, fitness_class=spin)

    # when the member opens that week
    response = member_client.get(day_of(monday))

    # then the rows are in order of start, each with time, name, instructor, location, spots
    assert names_of(response) == ["Spin", "Boxing"]
    assert row_of(response, "Spin") == f"07:00 {TO} 08:00 Spin Kim Studio 1 7 of 10 Open"
    assert row_of(response, "Boxing") == f"19:00 {TO} 20:00 Boxing Lee Studio 1 8 of 8 Open"


def link(response, rel_or_text: str) -> str:
    """The address of the page's link with `rel` (prev, next) or with this text."""
    content = response.content.decode()
    found = re.search(rf'href="([^"]+)" rel="{rel_or_text}"', content) or re.search(
        rf'href="([^"]+)"[^>]*>{rel_or_text}</a>', content
    )
    assert found, f"no link {rel_or_text!r}"
    return SCHEDULE + html.unescape(found.group(1))


def test_the_default_day_is_today(member_client):
    # given a class today (whatever the time) and one tomorrow
    today = timezone.localdate()
    FitnessClassFactory(name="Today's Pilates", starts_at=at(today, 12))
    FitnessClassFactory(name="Tomorrow's Pilates", starts_at=at(today + timedelta(days=1), 12))

    # when the member opens the schedule without choosing a day
    response = member_client.get(SCHEDULE)

    # then today is shown, and said to be today
    page = text_of(response)
    assert "Today's Pilates" in page
    assert "Tomorrow's Pilates" not in page
    assert "(today)" in page
    assert "Today" not in page.replace("(today)", "").replace("Today's", ""), (
        "no link back to the day already shown"
    )


def test_previous_and_next_day_links_page_through_the_days(member_client):
    # given a class on a day and another on the day after
    monday = a_future_monday()
    FitnessClassFactory(name="Spin", starts_at=at(monday, 18))
    FitnessClassFactory(name="Yoga", starts_at=at(monday + timedelta(days=1), 18))

    # when the member follows "Next day" from the first day
    first = member_client.get(SCHEDULE, {"day": monday.isoformat(), "location": ""})
    second = member_client.get(link(first, "next"))

    # then the next day is shown, and its "Previous day" leads back
    assert names_of(second) == ["Yoga"]
    assert second.context["day"] == monday + timedelta(days=1)
    assert member_client.get(link(second, "prev")).context["day"] == monday
    assert member_client.get(link(second, "Today")).context["day"] == timezone.localdate()


def test_the_day_strip_links_every_day_of_the_week_and_marks_the_one_shown(member_client):
    # given a class on a Thursday
    thursday = a_future_monday() + timedelta(days=3)
    FitnessClassFactory(name="Spin", starts_at=at(thursday, 18))

    # when the member opens that Thursday
    response = member_client.get(day_of(thursday))

    # then the strip links Monday to Sunday of its week, Thursday current, and the weeks around
    strip = re.search(r'<nav class="day-strip".*?</nav>', response.content.decode(), re.S)[0]
    monday = thursday - timedelta(days=3)
    days = [(monday + timedelta(days=offset)).isoformat() for offset in range(7)]
    assert re.findall(r"day=(\d{4}-\d\d-\d\d)", strip) == [
        (thursday - timedelta(days=7)).isoformat(),
        *days,
        (thursday + timedelta(days=7)).isoformat(),
    ]
    assert re.findall(r'day=([\d-]+)" aria-current="page"', strip) == [thursday.isoformat()]
    assert names_of(response) == ["Spin"]


def test_the_older_week_address_still_opens_that_day(member_client):
    monday = a_future_monday()
    FitnessClassFactory(name="Spin", starts_at=at(monday, 18))

    response = member_client.get(SCHEDULE, {"week": monday.isoformat()})

    assert response.context["day"] == monday
    assert names_of(response) == ["Spin"]


@pytest.mark.parametrize("day", ["yesterday", "2030-02-30", "0001-01-01", "9999-12-31"])
def test_a_malformed_or_out_of_range_day_shows_today(member_client, day):
    # when the member asks for a day that cannot be shown
    response = member_client.get(SCHEDULE, {"day": day})

    # then today is shown instead of an error
    assert response.status_code == 200
    assert response.context["day"] == timezone.localdate()


def a_busy_day(count: int) -> date:
    """A future day with `count` classes, one a minute from 06:00, named by their order."""
    day = a_future_monday()
    for index in range(count):
        starts_at = at(day, 6) + timedelta(minutes=index)
        FitnessClassFactory(name=f"Class {index:02}", starts_at=starts_at)
    return day


def test_a_busy_day_is_shown_a_page_of_classes_at_a_time(member_client):
    # given a day of 45 classes
    day = a_busy_day(CLASSES_PER_PAGE * 2 + 5)

    # when the member opens it and follows "Later classes" twice
    first = member_client.get(day_of(day))
    second = member_client.get(link(first, "Later classes"))
    third = member_client.get(link(second, "Later classes"))

    # then each page shows the next classes in order, the last with no later page
    assert names_of(first) == [f"Class {n:02}" for n in range(CLASSES_PER_PAGE)]
    assert names_of(second) == [f"Class {n:02}" for n in range(CLASSES_PER_PAGE, 40)]
    assert names_of(third) == [f"Class {n:02}" for n in range(40, 45)]
    assert "Later classes" not in text_of(third)
    assert "Earlier classes" not in text_of(first)
    assert names_of(member_client.get(link(third, "Earlier classes"))) == names_of(second)


@pytest.mark.parametrize("page_number", ["0", "-1", "two", "99999999999"])
def test_a_malformed_page_shows_the_first(member_client, page_number):
    day = a_busy_day(3)

    response = member_client.get(SCHEDULE, {"day": day.isoformat(), "page": page_number})

    assert response.status_code == 200
    assert names_of(response) == ["Class 00", "Class 01", "Class 02"]


def test_a_page_past_the_last_says_there_are_no_more_and_leads_back(member_client):
    day = a_busy_day(3)

    response = member_client.get(SCHEDULE, {"day": day.isoformat(), "page": "5"})

    assert "No more classes this day." in text_of(response)
    assert "page=4" in link(response, "Earlier classes")


def test_filters_offer_the_locations_days_distinct_names_and_instructors_and_every_location(
    member_client,
):
    # given a day of classes at two locations, some sharing a name or instructor, and one the
    # next day
    monday = a_future_monday()
    FitnessClassFactory(name="Spin", instructor="Kim", location="Studio 1", starts_at=at(monday, 7))
    FitnessClassFactory(name="Spin", instructor="Lee", location="Studio 1", starts_at=at(monday, 9))
    FitnessClassFactory(
        name="Yoga", instructor="Kim", location="Studio 1", starts_at=at(monday, 11)
    )
    FitnessClassFactory(
        name="Pilates", instructor="Ola", location="Studio 2", starts_at=at(monday, 8)
    )
    FitnessClassFactory(name="Boxing", starts_at=at(monday + timedelta(days=1), 11))

    # when the member opens the day (at the first location by name)
    response = member_client.get(day_of(monday))

    # then each filter is a labelled select: that location's day's distinct values, and the
    # locations to choose from
    content = response.content.decode()
    assert '<form method="get"' in content
    for field, label in [("name", "Class"), ("instructor", "Instructor"), ("location", "Location")]:
        assert f'<label for="filter-{field}">{label}</label>' in content
    choices = response.context["choices"]
    assert choices.names == ["Spin", "Yoga"]
    assert choices.instructors == ["Kim", "Lee"]
    assert choices.locations == ["Studio 1", "Studio 2"]
    assert '<option value="Studio 1" selected>' in content


def test_a_filters_options_name_each_value_as_text_and_mark_the_chosen_one(member_client):
    monday = a_future_monday()
    FitnessClassFactory(name='Spin "<b>"', instructor="Kim", starts_at=at(monday, 7))
    FitnessClassFactory(name="Yoga", instructor="Lee", starts_at=at(monday, 9))

    content = member_client.get(f"{day_of(monday)}&instructor=Lee").content.decode()

    assert (
        '<option value="Spin &quot;&lt;b&gt;&quot;">Spin &quot;&lt;b&gt;&quot;</option>' in content
    )
    assert '<option value="Yoga">Yoga</option>' in content
    assert '<option value="Kim">Kim</option>' in content
    assert '<option value="Lee" selected>Lee</option>' in content


@pytest.mark.parametrize(
    ("filters", "shown"),
    [
        ({"name": "Spin"}, ["Spin 7", "Spin 9"]),
        ({"instructor": "Kim"}, ["Spin 7", "Yoga 11"]),
        ({"location": "Studio 2"}, ["Yoga 8"]),
        ({"name": "Spin", "instructor": "Kim", "location": "Studio 1"}, ["Spin 7"]),
        ({"name": "Boxing"}, []),
    ],
)
def test_filters_narrow_the_day_to_the_matching_classes(member_client, filters, shown):
    # given a day of classes at two locations
    monday = a_future_monday()
    for name, instructor, location, hour in [
        ("Spin", "Kim", "Studio 1", 7),
        ("Spin", "Lee", "Studio 1", 9),
        ("Yoga", "Kim", "Studio 1", 11),
        ("Yoga", "Lee", "Studio 2", 8),
    ]:
        FitnessClassFactory(
            name=name, instructor=instructor, location=location, starts_at=at(monday, hour)
        )

    # when the member filters the day
    response = member_client.get(SCHEDULE, {"day": monday.isoformat(), **filters})

    # then only the matching classes are listed, the choice stays selected, the day is kept
    rows = [
        f"{row.fitness_class.name} {timezone.localtime(row.fitness_class.starts_at).hour}"
        for row in response.context["rows"]
    ]
    assert rows == shown
    assert "Yoga" in response.context["choices"].names, "all the location's day's stay"
    content = response.content.decode()
    for value in filters.values():
        assert f'<option value="{value}" selected>' in content
    assert f'name="day" value="{monday.isoformat()}"' in content
    if not shown:
        assert "No classes match these filters this day." in text_of(response)


def test_day_and_page_links_keep_the_filters(member_client):
    # when the member pages from a filtered day with more classes than a page
    monday = a_busy_day(CLASSES_PER_PAGE + 1)
    response = member_client.get(
        SCHEDULE, {"day": monday.isoformat(), "name": "", "instructor": ""}
    )
    filtered = member_client.get(
        SCHEDULE, {"day": monday.isoformat(), "name": "", "instructor": "Kim"}
    )

    # then the previous, next and later links keep the filter and the location shown (and
    # leave out the empty ones)
    content = html.unescape(filtered.content.decode())
    previous_day = (monday - timedelta(days=1)).isoformat()
    next_day = (monday + timedelta(days=1)).isoformat()
    assert f'href="?instructor=Kim&location=Studio+1&day={previous_day}" rel="prev"' in content
    assert f'href="?instructor=Kim&location=Studio+1&day={next_day}" rel="next"' in content
    assert f"?location=Studio+1&day={monday.isoformat()}&page=2" in link(response, "Later classes")


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

    # when the member opens that day
    response = member_client.get(day_of(monday))

    # then each row says where the member stands
    assert row_of(response, "Booked Spin").endswith("9 of 10 Booked")
    assert row_of(response, "Waiting Yoga").endswith("0 of 1 On the waitlist at position 2")
    assert row_of(response, "Full Boxing").endswith("0 of 2 Full with 3 waiting")
    assert row_of(response, "Full HIIT").endswith("0 of 1 Full")
    assert row_of(response, "Open Pilates").endswith("5 of 5 Open")
    assert row_of(response, "Cancelled Barre").endswith("— Cancelled")


def test_each_row_counts_only_the_credits_that_pay_for_its_class(member_client, member):
    # given a member whose only credits pay for Yoga, and a Yoga and a Spin class that day
    CreditGrantFactory(member=member, amount=2, scope=limited_to(class_names=("Yoga",)))
    monday = a_future_monday()
    FitnessClassFactory(name="Yoga", starts_at=at(monday, 7), capacity=5)
    FitnessClassFactory(name="Spin", starts_at=at(monday, 8), capacity=5)

    # when the member opens that day
    response = member_client.get(day_of(monday))

    # then the Yoga row is open to her and the Spin row says she has no credit for it
    assert row_of(response, "Yoga").endswith("5 of 5 Open")
    assert row_of(response, "Spin").endswith("5 of 5 Open No credit")


def test_classes_that_have_started_are_shown_as_past(member_client, member):
    # given a class that started 5 minutes ago, on which the member is booked, and one later
    started = timezone.now() - timedelta(minutes=5)
    past = FitnessClassFactory(name="Early Spin", starts_at=started)
    BookingFactory(member=member, fitness_class=past)
    FitnessClassFactory(name="Later Spin", starts_at=started + timedelta(minutes=10))

    # when the member opens the day holding it
    response = member_client.get(day_of(timezone.localdate(started)))

    # then the started class is past, the later one still open
    assert row_of(response, "Early Spin").endswith("Past")
    # (she is still in Early Spin then, so the rules would refuse it)
    assert row_of(response, "Later Spin").endswith("Open Clashes with a booking")


def test_rows_link_to_the_class_page(member_client):
    monday = a_future_monday()
    spin = FitnessClassFactory(name="Spin", starts_at=at(monday, 7))

    response = member_client.get(day_of(monday))

    assert f'href="{reverse("classes:detail", args=[spin.pk])}"' in response.content.decode()


def test_a_rows_names_are_shown_as_text_not_markup(member_client):
    # given a class whose name, instructor and location look like markup
    monday = a_future_monday()
    FitnessClassFactory(
        name="<b>Spin</b> & co",
        instructor='<img src=x onerror="alert(1)">',
        location="Studio 'A'",
        starts_at=at(monday, 7),
    )

    # when the day is shown
    content = member_client.get(day_of(monday)).content.decode()

    # then each is escaped in its cell
    assert ">&lt;b&gt;Spin&lt;/b&gt; &amp; co</a></th>" in content
    assert ">&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</td>" in content
    assert ">Studio &#x27;A&#x27;</td>" in content
    assert "<b>Spin" not in content and "<img" not in content


def test_times_are_machine_readable(member_client):
    # given a class
    monday = a_future_monday()
    spin = FitnessClassFactory(name="Spin", starts_at=at(monday, 7))

    # when the week is shown
    content = member_client.get(day_of(monday)).content.decode()

    # then its start carries a <time datetime> with the offset, and the day its date
    local = timezone.localtime(spin.starts_at)
    assert f'<time datetime="{local.isoformat()}">07:00</time>' in content
    assert f'<time datetime="{monday.isoformat()}">' in content


@pytest.mark.parametrize("size", [5, 200], ids=["5 classes", "200 classes"])
def test_the_schedule_runs_the_same_queries_for_5_and_200_classes_a_day(
    member_client, member, size, django_assert_max_num_queries
):
    # given a day of `size` classes: the member booked on a fifth of them, waiting on a fifth
    # (behind someone else), the rest with other members' bookings and waitlist entries
    monday = a_future_monday()
    for index in range(size):
        fitness_class = FitnessClassFactory(
            name=f"Class {index % 7}",
            instructor=f"Instructor {index % 3}",
            capacity=2,
            starts_at=at(monday, 6 + index % 15, index % 60),
        )
        BookingFactory(fitness_class=fitness_class)
        if index % 5 == 0:
            BookingFactory(member=member, fitness_class=fitness_class)
        elif index % 5 == 1:
            BookingFactory(fitness_class=fitness_class)
            WaitlistEntryFactory(fitness_class=fitness_class)
            WaitlistEntryFactory(member=member, fitness_class=fitness_class)

    # when the member opens the day
    with django_assert_max_num_queries(SCHEDULE_QUERIES):
        response = member_client.get(day_of(monday))

    # then a page of its classes is listed with the member's state
    rows = response.context["rows"]
    assert len(rows) == min(size, CLASSES_PER_PAGE)
    mine = {b.fitness_class_id for b in BookingFactory._meta.model.objects.filter(member=member)}
    assert [row.state == "booked" for row in rows] == [row.fitness_class.pk in mine for row in rows]
    assert {row.state for row in rows} >= {"booked", "waiting"}
    assert {row.position for row in rows} == {None, 2}


@pytest.mark.parametrize("field", ["name", "instructor", "location"])
def test_a_filter_with_a_nul_byte_is_ignored_rather_than_an_error(member_client, field):
    spin = FitnessClassFactory(name="Spin", starts_at=timezone.now() + timedelta(hours=2))
    day = timezone.localdate(spin.starts_at)  # its own day, whatever the hour the test runs

    response = member_client.get(SCHEDULE, {field: "Spin\x00", "day": day.isoformat()})

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
