"""The staff report: its numbers agree with bookings and the event log on known data, on the
page and in the CSV; periods are days on the classes' locations' clocks; only staff with the
permission see it; bad input is a form error; the charts are accessible SVG; the query count
does not grow with data.

The known data (`gym`), all in July 2024 (British Summer Time), counted by hand:

    class   instructor  capacity  bookings                                     waitlist
    Spin A  Kim         10        4 attended, 2 no-show, 1 late-cancelled (7)  —
    Spin B  Lee         10        9 attended, 1 cancelled (10)                 3 joined, 2 promoted
    Yoga    Lee         8         3 attended, 1 confirmed, 2 cancelled (6)     —
    left out: a cancelled Spin class, a Spin class the day before the period, a Spin class
    still to come — each with bookings and waitlist events of its own.
"""

import csv
import io
import uuid
from datetime import datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from events.models import StoredEvent
from reports.formatting import decimal, percent
from tests.factories import (
    BookingFactory,
    FitnessClassFactory,
    LocationFactory,
    MemberFactory,
    work_at_every_location,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
REPORT_URL = reverse("reports:report")
CSV_URL = reverse("reports:csv")
JULY = {"start": "2024-07-01", "end": "2024-07-28"}
# Queries of the report page and of the export, whatever the data: session and user, the
# user's locations, then the report's three (classes, bookings, waitlist events). Pinned, and
# shown constant below.
REPORT_QUERIES = 6
SVG_NAMESPACE = "http://www.w3.org/2000/svg"


@pytest.fixture(autouse=True)
def gym_in_london(settings):
    settings.TIME_ZONE = "Europe/London"


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def a_class(
    name: str,
    starts_at: datetime,
    *,
    instructor: str = "Kim",
    capacity: int = 10,
    location="Studio 1",
):
    return FitnessClassFactory(
        name=name, instructor=instructor, capacity=capacity, starts_at=starts_at, location=location
    )


def bookings(fitness_class, **by_status: int) -> None:
    for status, count in by_status.items():
        BookingFactory.create_batch(count, fitness_class=fitness_class, status=status)


def log_event(event_type: str, fitness_class, member=None) -> StoredEvent:
    """An event-log row as the dispatcher writes it, with the class and member columns."""
    member = member or MemberFactory()
    return StoredEvent.objects.create(
        id=uuid.uuid4(),
        type=event_type,
        schema_version=1,
        payload={"class_id": str(fitness_class.pk), "member_id": str(member.pk)},
        occurred_at=fitness_class.starts_at - timedelta(days=1),
        actor_kind=StoredEvent.ActorKind.MEMBER,
        class_id=fitness_class.pk,
        member_id=member.pk,
    )


def waitlist(fitness_class, *, joined: int, promoted: int) -> None:
    members = MemberFactory.create_batch(joined)
    for member in members:
        log_event("MemberJoinedWaitlist", fitness_class, member)
    for member in members[:promoted]:
        log_event("MemberPromotedFromWaitlist", fitness_class, member)


@pytest.fixture
def gym():
    spin_a = a_class("Spin", london(2024, 7, 2, 7, 0), instructor="Kim")
    bookings(spin_a, attended=4, no_show=2, late_cancelled=1)
    log_event("BookingConfirmed", spin_a)  # other events are not waitlist demand

    spin_b = a_class("Spin", london(2024, 7, 9, 7, 0), instructor="Lee")
    bookings(spin_b, attended=9, cancelled=1)
    waitlist(spin_b, joined=3, promoted=2)
    log_event("MemberLeftWaitlist", spin_b)

    yoga = a_class("Yoga", london(2024, 7, 10, 18, 30), instructor="Lee", capacity=8)
    bookings(yoga, attended=3, confirmed=1, cancelled=2)

    cancelled = a_class("Spin", london(2024, 7, 16, 7, 0), instructor="Kim")
    cancelled.cancelled_at = london(2024, 7, 15, 12, 0)
    cancelled.save()
    bookings(cancelled, cancelled=5)
    waitlist(cancelled, joined=2, promoted=0)

    before = a_class("Spin", london(2024, 6, 30, 23, 59), instructor="Kim")
    bookings(before, attended=10)
    waitlist(before, joined=4, promoted=4)

    upcoming = a_class("Spin", timezone.now() + timedelta(days=1), instructor="Kim")
    bookings(upcoming, confirmed=10)
    waitlist(upcoming, joined=1, promoted=0)


def add_permission(user) -> None:
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="reports", codename="view_reports")
    )


@pytest.fixture
def manager(django_user_model):
    """Staff holding the report permission (not a superuser), at every location."""
    user = django_user_model.objects.create_user(username="manager", is_staff=True)
    add_permission(user)
    return work_at_every_location(user)


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def superuser_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser(username="boss"))
    return client


def table_row(label: str, *cells: object, header_cell: str = "th") -> str:
    tds = "".join(f'<td class="number">{cell}</td>' for cell in cells)
    return f'<tr><{header_cell} scope="row">{label}</{header_cell}>{tds}</tr>'


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


# Columns: classes held, capacity, spots taken, fill rate, waitlist joins, promoted,
# conversion, attended, no-shows, attendance rate, no-show rate, bookings made,
# late cancellations, late-cancellation rate.
HEADINGS = [
    "Classes held",
    "Capacity",
    "Spots taken",
    "Fill rate",
    "Waitlist joins",
    "Promoted",
    "Waitlist conversion",
    "Attended",
    "No-shows",
    "Attendance rate",
    "No-show rate",
    "Bookings made",
    "Late cancellations",
    "Late-cancellation rate",
]
# Spin: 15 of 20 spots; 2 of 3 promoted; 13 attended and 2 no-shows of 15; 1 late of 17.
SPIN = [2, 20, 15, "75.0%", 3, 2, "66.7%", 13, 2, "86.7%", "13.3%", 17, 1, "5.9%"]
SPIN_CSV = [2, 20, 15, "0.7500", 3, 2, "0.6667", 13, 2, "0.8667", "0.1333", 17, 1, "0.0588"]
# Yoga: 4 of 8 spots; no waitlist; 3 attended of 3; none late of 6.
YOGA = [1, 8, 4, "50.0%", 0, 0, "—", 3, 0, "100.0%", "0.0%", 6, 0, "0.0%"]
YOGA_CSV = [1, 8, 4, "0.5000", 0, 0, "", 3, 0, "1.0000", "0.0000", 6, 0, "0.0000"]
# Everything: 19 of 28 spots; 2 of 3 promoted; 16 attended of 18; 1 late of 23.
TOTAL = [3, 28, 19, "67.9%", 3, 2, "66.7%", 16, 2, "88.9%", "11.1%", 23, 1, "4.3%"]
TOTAL_CSV = [3, 28, 19, "0.6786", 3, 2, "0.6667", 16, 2, "0.8889", "0.1111", 23, 1, "0.0435"]
# By instructor. Kim: Spin A. Lee: Spin B and Yoga.
KIM = [1, 10, 6, "60.0%", 0, 0, "—", 4, 2, "66.7%", "33.3%", 7, 1, "14.3%"]
KIM_CSV = [1, 10, 6, "0.6000", 0, 0, "", 4, 2, "0.6667", "0.3333", 7, 1, "0.1429"]
LEE = [2, 18, 13, "72.2%", 3, 2, "66.7%", 12, 0, "100.0%", "0.0%", 16, 0, "0.0%"]
LEE_CSV = [2, 18, 13, "0.7222", 3, 2, "0.6667", 12, 0, "1.0000", "0.0000", 16, 0, "0.0000"]


def as_strings(values: list[object]) -> list[str]:
    return [str(value) for value in values]


# --- The numbers ------------------------------------------------------------------------------


def test_the_page_shows_the_hand_counted_numbers_per_class_name_and_in_total(manager_client, gym):
    response = manager_client.get(REPORT_URL, {**JULY, "group": "class"})

    assert response.status_code == 200
    assertContains(response, table_row("Spin", *SPIN), html=True)
    assertContains(response, table_row("Yoga", *YOGA), html=True)
    assertContains(response, table_row("Total", *TOTAL), html=True)
    assert [row.group for row in response.context["report"].rows] == ["Spin", "Yoga"]
    assertContains(response, "By class name, 1 Jul 2024 to 28 Jul 2024")


def test_the_csv_has_the_same_numbers_as_plain_decimals_and_the_same_columns(manager_client, gym):
    response = manager_client.get(CSV_URL, {**JULY, "group": "class"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="gymbooking-report-by-class-2024-07-01-to-2024-07-28.csv"'
    )
    assert csv_rows(response) == [
        ["Class", *HEADINGS],
        ["Spin", *as_strings(SPIN_CSV)],
        ["Yoga", *as_strings(YOGA_CSV)],
        ["Total", *as_strings(TOTAL_CSV)],
    ]


def test_grouping_by_instructor_splits_the_same_classes_by_who_taught_them(manager_client, gym):
    page = manager_client.get(REPORT_URL, {**JULY, "group": "instructor"})
    export = manager_client.get(CSV_URL, {**JULY, "group": "instructor"})

    assertContains(page, table_row("Kim", *KIM), html=True)
    assertContains(page, table_row("Lee", *LEE), html=True)
    assertContains(page, table_row("Total", *TOTAL), html=True)
    assertContains(page, '<th scope="col">Instructor</th>', html=True)
    assert csv_rows(export) == [
        ["Instructor", *HEADINGS],
        ["Kim", *as_strings(KIM_CSV)],
        ["Lee", *as_strings(LEE_CSV)],
        ["Total", *as_strings(TOTAL_CSV)],
    ]
    assert "by-instructor" in export["Content-Disposition"]


def test_the_page_links_to_the_csv_of_the_same_period_and_grouping(manager_client, gym):
    response = manager_client.get(REPORT_URL, {**JULY, "group": "instructor"})

    assertContains(
        response, f'href="{CSV_URL}?start=2024-07-01&amp;end=2024-07-28&amp;group=instructor"'
    )


def test_a_class_without_an_instructor_is_grouped_and_labelled_as_such(manager_client):
    nobody = a_class("Pilates", london(2024, 7, 3, 9, 0), instructor="", capacity=4)
    bookings(nobody, attended=1)

    response = manager_client.get(REPORT_URL, {**JULY, "group": "instructor"})

    assertContains(
        response,
        table_row(
            "(no instructor)", 1, 4, 1, "25.0%", 0, 0, "—", 1, 0, "100.0%", "0.0%", 1, 0, "0.0%"
        ),
        html=True,
    )


def test_a_period_without_classes_shows_dashes_for_every_rate(manager_client, gym):
    response = manager_client.get(REPORT_URL, {"start": "2023-01-01", "end": "2023-01-31"})
    export = manager_client.get(CSV_URL, {"start": "2023-01-01", "end": "2023-01-31"})

    assertContains(response, "No classes were held in this period.")
    assertContains(
        response,
        table_row("Total", 0, 0, 0, "—", 0, 0, "—", 0, 0, "—", "—", 0, 0, "—"),
        html=True,
    )
    assert csv_rows(export)[1:] == [
        ["Total", *as_strings([0, 0, 0, "", 0, 0, "", 0, 0, "", "", 0, 0, ""])]
    ]


def test_the_page_defines_every_rate(manager_client):
    response = manager_client.get(REPORT_URL)

    for definition in (
        "Spots taken ÷ the capacity of the classes held.",
        "Members promoted from those waitlists into a spot ÷ waitlist joins.",
        "Attended ÷ (attended + no-shows)",
        "No-shows ÷ (attended + no-shows).",
        "÷ every booking made for those classes",
        "A rate shows “—” when there is nothing to divide by",
    ):
        assertContains(response, definition)


# --- The period -------------------------------------------------------------------------------


def test_the_period_is_whole_days_in_the_gyms_time_zone(manager_client):
    # July 2024 is British Summer Time (UTC+1): the days run from 23:00 UTC to 23:00 UTC.
    utc = ZoneInfo("UTC")
    a_class("Evening before", datetime(2024, 6, 30, 22, 59, tzinfo=utc))
    a_class("First minute", datetime(2024, 6, 30, 23, 0, tzinfo=utc))
    a_class("Last minute", datetime(2024, 7, 31, 22, 59, tzinfo=utc))
    a_class("Morning after", datetime(2024, 7, 31, 23, 0, tzinfo=utc))

    response = manager_client.get(REPORT_URL, {"start": "2024-07-01", "end": "2024-07-31"})

    assert [row.group for row in response.context["report"].rows] == [
        "First minute",
        "Last minute",
    ]


def test_the_period_follows_the_clock_of_the_class_location(manager_client):
    tokyo = LocationFactory(name="Shibuya", time_zone="Asia/Tokyo")  # UTC+9: 1 July starts
    utc = ZoneInfo("UTC")  # at 15:00 UTC on 30 June there
    a_class("Tokyo morning", datetime(2024, 6, 30, 15, 0, tzinfo=utc), location=tokyo)
    a_class("Tokyo night before", datetime(2024, 6, 30, 14, 59, tzinfo=utc), location=tokyo)

    response = manager_client.get(REPORT_URL, {"start": "2024-07-01", "end": "2024-07-01"})

    assert [row.group for row in response.context["report"].rows] == ["Tokyo morning"]


def test_by_default_the_report_covers_the_last_28_days_by_class_name(manager_client):
    today = timezone.localdate()
    a_class("Recent", timezone.now() - timedelta(days=2))
    a_class("Too old", timezone.now() - timedelta(days=40))
    a_class("Still to come", timezone.now() + timedelta(hours=2))

    response = manager_client.get(REPORT_URL)

    report = response.context["report"]
    assert (report.period.first_day, report.period.last_day) == (today - timedelta(days=27), today)
    assert report.grouping == "class"
    assert [row.group for row in report.rows] == ["Recent"]
    assertContains(response, f'value="{(today - timedelta(days=27)).isoformat()}"')
    assertContains(response, f'value="{today.isoformat()}"')


# --- Bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ({"start": "2024-02-30", "end": "2024-03-01"}, "Enter a date as YYYY-MM-DD"),
        ({"start": "yesterday", "end": "2024-03-01"}, "Enter a date as YYYY-MM-DD"),
        ({"start": "", "end": "2024-03-01"}, "This field is required."),
        (
            {"start": "2024-03-02", "end": "2024-03-01"},
            "The end date must be on or after the start",
        ),
        ({"start": "2024-03-01", "end": "9999-12-31"}, "less than or equal to 2999-12-31"),
        ({"start": "0001-01-01", "end": "2024-03-01"}, "greater than or equal to 2000-01-01"),
        ({"group": "colour"}, "Select a valid choice."),
    ],
)
def test_bad_input_is_shown_as_a_form_error_not_a_failure(manager_client, query, error):
    page = manager_client.get(REPORT_URL, query)
    export = manager_client.get(CSV_URL, query)

    assert page.status_code == 200
    assertContains(page, "Please correct the error below.")
    assertContains(page, error)
    assert page.context["report"] is None
    assertNotContains(page, 'report-chart"', status_code=200)
    assert export.status_code == 400
    assert export["Content-Type"].startswith("text/html")
    assertContains(export, error, status_code=400)


def test_a_name_a_spreadsheet_would_run_as_a_formula_is_quoted_in_the_csv(manager_client):
    a_class("=HYPERLINK(1)", london(2024, 7, 3, 9, 0))

    response = manager_client.get(CSV_URL, JULY)

    assert csv_rows(response)[1][0] == "'=HYPERLINK(1)"


# --- Charts -----------------------------------------------------------------------------------


def test_the_charts_are_svg_images_with_a_title_a_description_and_text_labels(manager_client, gym):
    response = manager_client.get(REPORT_URL, {**JULY, "group": "class"})
    html = response.content.decode()

    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="report-chart"') == 2
    assert 'aria-labelledby="fill-rate-chart-title fill-rate-chart-desc"' in html
    assert '<title id="fill-rate-chart-title">Fill rate by class name</title>' in html
    assert '<desc id="fill-rate-chart-desc">Fill rate: Spin, 75.0%; Yoga, 50.0%.</desc>' in html
    assert (
        '<title id="attendance-chart-title">Attendance and no-shows by class name</title>' in html
    )
    assert "Spin, 86.7% attended, 13.3% no-show" in html
    assert ">Attended</text>" in html and ">No-show</text>" in html
    charts = html[html.index('class="report-charts"') : html.index('class="module report-legend"')]
    assert "<script" not in charts and "http://" not in charts.replace(SVG_NAMESPACE, "")


def test_a_group_without_recorded_outcomes_says_so_in_the_attendance_chart(manager_client):
    bookings(a_class("Boxing", london(2024, 7, 3, 9, 0)), confirmed=3)

    response = manager_client.get(REPORT_URL, JULY)

    assertContains(response, "Boxing, no outcomes recorded")
    assertContains(
        response,
        table_row("Boxing", 1, 10, 3, "30.0%", 0, 0, "—", 0, 0, "—", "—", 3, 0, "0.0%"),
        html=True,
    )


def test_group_names_are_escaped_in_the_table_and_the_charts(manager_client):
    a_class("<b>Bold</b> & Co", london(2024, 7, 3, 9, 0))

    response = manager_client.get(REPORT_URL, JULY)

    assertNotContains(response, "<b>Bold</b>")
    assertContains(response, "&lt;b&gt;Bold&lt;/b&gt; &amp; Co")


# --- Who may see it ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", [REPORT_URL, CSV_URL])
def test_anonymous_visitors_are_sent_to_the_admin_login(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:login')}?next={url}"


@pytest.mark.parametrize("url", [REPORT_URL, CSV_URL])
def test_members_who_are_not_staff_are_sent_to_the_admin_login(client, django_user_model, url):
    client.force_login(django_user_model.objects.create_user(username="member"))

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("url", [REPORT_URL, CSV_URL])
def test_staff_without_the_report_permission_are_refused(client, django_user_model, url):
    client.force_login(django_user_model.objects.create_user(username="desk", is_staff=True))

    assert client.get(url).status_code == 403


def test_staff_in_a_group_with_the_permission_see_the_report(client, django_user_model):
    managers = Group.objects.create(name="Report readers")
    managers.permissions.add(
        Permission.objects.get(content_type__app_label="reports", codename="view_reports")
    )
    user = django_user_model.objects.create_user(username="lead", is_staff=True)
    user.groups.add(managers)
    client.force_login(user)

    assert client.get(REPORT_URL).status_code == 200
    assert client.get(CSV_URL).status_code == 200


def test_superusers_see_the_report(superuser_client):
    assert superuser_client.get(REPORT_URL).status_code == 200


def test_the_report_only_answers_get(manager_client):
    assert manager_client.post(REPORT_URL, JULY).status_code == 405


def test_the_report_sits_in_the_admin_with_breadcrumbs(manager_client):
    response = manager_client.get(REPORT_URL)

    assertContains(response, '<div id="site-name">')
    assertContains(
        response,
        f'<ol class="breadcrumbs"><li><a href="{reverse("admin:index")}">Home</a></li>'
        '<li aria-current="page">Reports</li></ol>',
        html=True,
    )


def test_the_admin_index_links_to_the_report_for_those_who_may_see_it(
    client, manager, django_user_model
):
    client.force_login(manager)
    assertContains(client.get(reverse("admin:index")), f'href="{REPORT_URL}"')

    client.force_login(django_user_model.objects.create_user(username="desk", is_staff=True))
    assertNotContains(client.get(reverse("admin:index")), f'href="{REPORT_URL}"')


# --- Queries ----------------------------------------------------------------------------------


def more_data(copies: int) -> None:
    """`copies` more classes of several names and instructors, each with bookings of every
    status and waitlist events."""
    for n in range(copies):
        fitness_class = a_class(
            f"Class {n % 7}", london(2024, 7, 1 + n % 28, 6 + n % 12, 0), instructor=f"I{n % 5}"
        )
        bookings(fitness_class, attended=2, no_show=1, late_cancelled=1, cancelled=1, confirmed=1)
        waitlist(fitness_class, joined=2, promoted=1)


@pytest.mark.parametrize("group", ["class", "instructor"])
@pytest.mark.parametrize("url", [REPORT_URL, CSV_URL])
def test_the_report_runs_the_same_few_queries_however_much_data_there_is(
    superuser_client, gym, django_assert_num_queries, group, url
):
    with django_assert_num_queries(REPORT_QUERIES):
        small = superuser_client.get(url, {**JULY, "group": group})
    more_data(30)
    with django_assert_num_queries(REPORT_QUERIES):
        large = superuser_client.get(url, {**JULY, "group": group})

    assert small.status_code == large.status_code == 200
    assert len(large.content) > len(small.content)


# --- Rates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "shown", "exported"),
    [
        (Fraction(17, 20), "85.0%", "0.8500"),
        (Fraction(1, 8), "12.5%", "0.1250"),
        (Fraction(2, 3), "66.7%", "0.6667"),
        (Fraction(1, 16), "6.3%", "0.0625"),  # half up, not to even
        (Fraction(1), "100.0%", "1.0000"),
        (None, "—", ""),
    ],
)
def test_rates_are_rounded_half_up_as_a_percentage_and_as_a_decimal(rate, shown, exported):
    assert percent(rate) == shown
    assert decimal(rate) == exported
