"""The front desk's check-in pages, through the test client: a class's roster with each booking's
mark, marking attended or no-show one at a time and in bulk, corrections, refusals shown as
messages, who may use the pages, and query counts that do not grow with the roster."""

import html
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from bookings.checkin import CLASSES_PER_PAGE
from bookings.models import Booking
from tests.factories import (
    BookingFactory,
    FitnessClassFactory,
    MemberFactory,
    work_at_every_location,
)

pytestmark = pytest.mark.django_db

# Queries of the roster page, whatever its length: session, user, the user's own and group
# permissions, the class, the roster (members joined in).
ROSTER_QUERIES = 6
# Queries of today's classes, however many: session, user, permissions (2), how many are
# over (to open at the first that is not), a page of the classes (with their counts).
TODAY_QUERIES = 6


@pytest.fixture
def desk_user(django_user_model):
    """A member of staff in the "Front desk" group (created by the staff-groups migration), at
    every location (test_checkin_locations.py: at some)."""
    user = django_user_model.objects.create_user(username="desk", is_staff=True)
    user.groups.add(Group.objects.get(name="Front desk"))
    return work_at_every_location(user)


@pytest.fixture
def desk(client, desk_user):
    client.force_login(desk_user)
    return client


@pytest.fixture
def starting_soon():
    """Spin, starting in 30 minutes: check-in opened half an hour ago."""
    return FitnessClassFactory(name="Spin", starts_at=timezone.now() + timedelta(minutes=30))


def book(fitness_class, *names: str, status: str = "confirmed") -> list[Booking]:
    return [
        BookingFactory(fitness_class=fitness_class, member=MemberFactory(name=name), status=status)
        for name in names
    ]


def checkin_url(fitness_class) -> str:
    return reverse("bookings:checkin", args=[fitness_class.pk])


def mark(client, fitness_class, bookings, outcome: str, **kwargs):
    return client.post(
        reverse("bookings:checkin_mark", args=[fitness_class.pk]),
        {"booking": [str(b.pk) for b in bookings], "outcome": outcome},
        **kwargs,
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def statuses(*bookings: Booking) -> list[str]:
    return [Booking.objects.get(pk=b.pk).status for b in bookings]


# --- The roster ----------------------------------------------------------------------------------


def test_the_roster_lists_booked_members_with_their_current_mark(desk, starting_soon):
    book(starting_soon, "Cara")
    book(starting_soon, "Ana", status="attended")
    book(starting_soon, "Ben", status="no_show")
    book(starting_soon, "Dan", status="cancelled")

    response = desk.get(checkin_url(starting_soon))

    assert response.status_code == 200
    rows = [(row.booking.member.name, row.mark_label) for row in response.context["rows"]]
    assert rows == [("Ana", "Attended"), ("Ben", "No-show"), ("Cara", "Not marked")]
    assert (response.context["attended"], response.context["no_shows"]) == (1, 1)
    assert response.context["unmarked"] == 1
    html = response.content.decode()
    assert "Mark all unmarked attended" in html
    assert 'form="bulk-marks"' in html, "the checkboxes post with the bulk form, without JS"


def test_the_roster_says_when_check_in_opens_before_it_does(desk):
    later = FitnessClassFactory(starts_at=timezone.now() + timedelta(hours=2))

    response = desk.get(checkin_url(later))

    opens = timezone.localtime(later.starts_at - timedelta(hours=1))
    assert f'Check-in opens at <time datetime="{opens:%Y-%m-%dT%H:%M:%S}' in (
        response.content.decode()
    )


def test_the_roster_of_an_unknown_class_is_not_found(desk):
    missing = reverse("bookings:checkin", args=["00000000-0000-0000-0000-000000000000"])

    assert desk.get(missing).status_code == 404


# --- Marking one booking -------------------------------------------------------------------------


def test_marking_a_member_attended_records_it_and_returns_to_their_row(
    desk, services, starting_soon
):
    (ana,) = book(starting_soon, "Ana")

    response = mark(desk, starting_soon, [ana], "attended")

    assert statuses(ana) == ["attended"]
    assert response.status_code == 302
    assert response.url == f"{checkin_url(starting_soon)}#booking-{ana.pk}"
    assert messages_of(response) == ["Ana: attended."]


@pytest.fixture
def under_way():
    """Spin, started 10 minutes ago: whoever has not come is a no-show."""
    return FitnessClassFactory(name="Spin", starts_at=timezone.now() - timedelta(minutes=10))


def test_marking_a_member_no_show_records_it(desk, services, under_way):
    (ben,) = book(under_way, "Ben")

    response = mark(desk, under_way, [ben], "no_show")

    assert statuses(ben) == ["no_show"]
    assert messages_of(response) == ["Ben: no-show."]


def test_nobody_is_a_no_show_before_the_class_starts(desk, services, starting_soon):
    (ben,) = book(starting_soon, "Ben")

    response = mark(desk, starting_soon, [ben], "no_show")

    assert statuses(ben) == ["confirmed"]
    assert messages_of(response) == ["Nobody is a no-show before the class has started."]


def test_a_mark_can_be_corrected(desk, services, starting_soon):
    (ana,) = book(starting_soon, "Ana", status="no_show")

    response = mark(desk, starting_soon, [ana], "attended", follow=True)

    assert statuses(ana) == ["attended"]
    rows = [(row.booking.member.name, row.mark_label) for row in response.context["rows"]]
    assert rows == [("Ana", "Attended")]


def test_marking_before_check_in_opens_is_refused_with_the_domains_message(desk, services):
    in_two_hours = FitnessClassFactory(starts_at=timezone.now() + timedelta(hours=2))
    (ana,) = book(in_two_hours, "Ana")

    response = mark(desk, in_two_hours, [ana], "attended")

    assert statuses(ana) == ["confirmed"]
    assert response.status_code == 302
    assert messages_of(response) == [
        "Attendance can be recorded from an hour before the class starts."
    ]


def test_a_cancelled_booking_cannot_be_marked(desk, services, starting_soon):
    (ana,) = book(starting_soon, "Ana", status="cancelled")

    response = mark(desk, starting_soon, [ana], "attended")

    assert statuses(ana) == ["cancelled"]
    assert messages_of(response) == ["A cancelled booking has no attendance to record."]


def test_a_booking_of_another_class_is_not_found(desk, services, starting_soon):
    (elsewhere,) = book(FitnessClassFactory(), "Ana")

    response = mark(desk, starting_soon, [elsewhere], "attended")

    assert response.status_code == 404
    assert statuses(elsewhere) == ["confirmed"]


@pytest.mark.parametrize(
    "data",
    [{"booking": "not-a-booking", "outcome": "attended"}, {"outcome": "maybe"}],
    ids=["bad booking", "bad outcome"],
)
def test_a_malformed_mark_is_a_bad_request(desk, starting_soon, data):
    response = desk.post(reverse("bookings:checkin_mark", args=[starting_soon.pk]), data)

    assert response.status_code == 400


# --- Marking in bulk -----------------------------------------------------------------------------


def test_the_ticked_members_are_marked_together(desk, services, under_way):
    ana, ben, cara = book(under_way, "Ana", "Ben", "Cara")

    response = mark(desk, under_way, [ana, cara], "no_show")

    assert statuses(ana, ben, cara) == ["no_show", "confirmed", "no_show"]
    assert response.url == checkin_url(under_way)
    assert messages_of(response) == ["Marked 2 members as no-shows."]


def test_marking_the_ticked_members_attended(desk, services, starting_soon):
    ana, ben = book(starting_soon, "Ana", "Ben")

    response = mark(desk, starting_soon, [ana, ben], "attended")

    assert statuses(ana, ben) == ["attended", "attended"]
    assert messages_of(response) == ["Marked 2 members attended."]


def test_marking_with_nobody_ticked_asks_to_tick_someone(desk, services, starting_soon):
    (ana,) = book(starting_soon, "Ana")

    response = mark(desk, starting_soon, [], "attended")

    assert statuses(ana) == ["confirmed"]
    assert messages_of(response) == ["Tick the members to mark first."]


def test_marking_all_unmarked_attended_leaves_the_marked_ones_alone(desk, services, starting_soon):
    ana, ben = book(starting_soon, "Ana", "Ben")
    (cara,) = book(starting_soon, "Cara", status="no_show")

    response = desk.post(reverse("bookings:checkin_mark_unmarked", args=[starting_soon.pk]))

    assert statuses(ana, ben, cara) == ["attended", "attended", "no_show"]
    assert response.url == checkin_url(starting_soon)
    assert messages_of(response) == ["Marked 2 members attended."]


def test_marking_all_unmarked_when_everyone_is_marked_says_so(desk, services, starting_soon):
    book(starting_soon, "Ana", status="attended")

    response = desk.post(reverse("bookings:checkin_mark_unmarked", args=[starting_soon.pk]))

    assert messages_of(response) == ["Nobody is left to mark."]


def test_marking_all_unmarked_before_check_in_opens_is_refused(desk, services):
    in_two_hours = FitnessClassFactory(starts_at=timezone.now() + timedelta(hours=2))
    ana, ben = book(in_two_hours, "Ana", "Ben")

    response = desk.post(reverse("bookings:checkin_mark_unmarked", args=[in_two_hours.pk]))

    assert statuses(ana, ben) == ["confirmed", "confirmed"]
    assert messages_of(response) == [
        "Attendance can be recorded from an hour before the class starts."
    ]


# --- Today's classes -----------------------------------------------------------------------------


def local_midnight_today() -> datetime:
    zone = ZoneInfo(settings.TIME_ZONE)
    return datetime.combine(timezone.localdate(timezone.now(), zone), time.min, zone)


def test_todays_classes_are_listed_with_their_counts_and_links(desk):
    midnight = local_midnight_today()
    early = FitnessClassFactory(name="Early spin", starts_at=midnight + timedelta(hours=7))
    late = FitnessClassFactory(name="Late yoga", starts_at=midnight + timedelta(hours=22))
    FitnessClassFactory(name="Yesterday", starts_at=midnight - timedelta(hours=1))
    FitnessClassFactory(name="Tomorrow", starts_at=midnight + timedelta(days=1, minutes=1))
    book(early, "Ana", "Ben")
    book(early, "Cara", status="attended")
    book(early, "Dan", status="no_show")
    book(early, "Eve", status="cancelled")

    response = desk.get(reverse("bookings:checkin_today"))

    listed = [(c.name, c.booked, c.attended, c.no_shows) for c in response.context["classes"]]
    assert listed == [("Early spin", 4, 1, 1), ("Late yoga", 0, 0, 0)]
    html = response.content.decode()
    assert f'href="{checkin_url(early)}"' in html
    assert f'href="{checkin_url(late)}"' in html


def test_a_row_of_today_shows_its_times_words_counts_and_action(desk):
    midnight = local_midnight_today()
    spin = FitnessClassFactory(
        name="Spin <b>& core</b>",
        instructor="",
        location="Studio 1",
        starts_at=midnight + timedelta(hours=7),
        ends_at=midnight + timedelta(hours=8),
    )
    FitnessClassFactory(name="Yoga", starts_at=midnight + timedelta(hours=9), cancelled_at=midnight)
    book(spin, "Ana", "Ben")

    html = desk.get(reverse("bookings:checkin_today")).content.decode()

    starts = timezone.localtime(spin.starts_at)
    assert f'<time datetime="{starts.isoformat()}">07:00</time>' in html
    assert '<th scope="row" data-label="Class">Spin &lt;b&gt;&amp; core&lt;/b&gt;</th>' in html
    assert '<td data-label="Instructor">—</td>' in html
    assert '<td data-label="Location">Studio 1</td>' in html
    assert '<td data-label="Booked">2</td>' in html
    assert (
        f'<a class="button" href="{checkin_url(spin)}">Check in<span class="visually-hidden">'
        " Spin &lt;b&gt;&amp; core&lt;/b&gt;, 07:00</span></a>"
    ) in html
    assert html.count('<span class="badge badge-cancelled">Cancelled</span>') == 1, "Yoga's"


def a_busy_day(count: int) -> list:
    """`count` one-hour classes today, one every ten minutes from 06:00, named by order."""
    midnight = local_midnight_today()
    return [
        FitnessClassFactory(
            name=f"Class {n:02}", starts_at=midnight + timedelta(hours=6, minutes=10 * n)
        )
        for n in range(count)
    ]


def names_of(response) -> list[str]:
    return [fitness_class.name for fitness_class in response.context["classes"]]


def later_link(response, text: str) -> str:
    found = re.search(rf'href="([^"]+)"[^>]*>{text}</a>', response.content.decode())
    assert found, f"no link {text!r}"
    return reverse("bookings:checkin_today") + html.unescape(found.group(1))


def test_a_busy_day_is_listed_a_page_of_classes_at_a_time(desk):
    # given two pages and a bit of classes today
    last = CLASSES_PER_PAGE * 2 + 5
    a_busy_day(last)

    # when the desk opens the first page and follows "Later classes" twice
    first = desk.get(reverse("bookings:checkin_today"), {"page": "1"})
    second = desk.get(later_link(first, "Later classes"))
    third = desk.get(later_link(second, "Later classes"))

    # then each page lists the next classes in order, the last with no later page
    assert names_of(first) == [f"Class {n:02}" for n in range(CLASSES_PER_PAGE)]
    assert names_of(second) == [f"Class {n:02}" for n in range(CLASSES_PER_PAGE, last - 5)]
    assert names_of(third) == [f"Class {n:02}" for n in range(last - 5, last)]
    assert "Later classes" not in third.content.decode()
    assert names_of(desk.get(later_link(third, "Earlier classes"))) == names_of(second)


def signed_in_at(moment: datetime, desk, desk_user, monkeypatch) -> None:
    """The clock reads `moment`, and the desk signed in then: a session started at the real
    time would have timed out by a moment that many hours later."""
    monkeypatch.setattr(timezone, "now", lambda: moment)
    desk.force_login(desk_user)


def test_without_a_page_the_list_opens_at_the_first_class_not_over(desk, desk_user, monkeypatch):
    # given 45 classes today, and it is 11:05: the first 25 (06:00 to 10:00) are over
    classes = a_busy_day(45)
    eleven = local_midnight_today() + timedelta(hours=11, minutes=5)
    signed_in_at(eleven, desk, desk_user, monkeypatch)

    # when the desk opens today's classes
    response = desk.get(reverse("bookings:checkin_today"))

    # then the page holding the first class not over (10:10, the 26th) is shown
    assert classes[25].name in names_of(response)
    first = 25 // CLASSES_PER_PAGE * CLASSES_PER_PAGE
    assert names_of(response) == [f"Class {n:02}" for n in range(first, first + CLASSES_PER_PAGE)]
    assert "Earlier classes" in response.content.decode()


def test_when_every_class_today_is_over_the_list_opens_at_the_last_page(
    desk, desk_user, monkeypatch
):
    # given two pages of classes today, all over by 23:30
    a_busy_day(CLASSES_PER_PAGE * 2)
    late = local_midnight_today() + timedelta(hours=23, minutes=30)
    signed_in_at(late, desk, desk_user, monkeypatch)

    # when the desk opens today's classes
    response = desk.get(reverse("bookings:checkin_today"))

    # then the last page is shown, not an empty one past it
    assert names_of(response) == [
        f"Class {n:02}" for n in range(CLASSES_PER_PAGE, 2 * CLASSES_PER_PAGE)
    ]


@pytest.mark.parametrize("page_number", ["0", "x", "99999999999"])
def test_a_malformed_page_of_todays_classes_shows_the_first(desk, page_number):
    a_busy_day(3)

    response = desk.get(reverse("bookings:checkin_today"), {"page": page_number})

    assert response.status_code == 200
    assert names_of(response) == ["Class 00", "Class 01", "Class 02"]


# --- Who may check members in --------------------------------------------------------------------


@pytest.fixture
def post_endpoints(starting_soon):
    return [
        reverse("bookings:checkin_mark", args=[starting_soon.pk]),
        reverse("bookings:checkin_mark_unmarked", args=[starting_soon.pk]),
    ]


@pytest.fixture
def pages(starting_soon):
    return [checkin_url(starting_soon), reverse("bookings:checkin_today")]


def test_signed_out_visitors_are_sent_to_the_admin_sign_in(client, pages, post_endpoints):
    for url in pages + post_endpoints:
        method = client.get if url in pages else client.post
        response = method(url)

        assert response.status_code == 302
        assert response.url.startswith(f"{reverse('admin:login')}?next=")


def test_staff_without_the_check_in_permission_are_forbidden(
    client, django_user_model, starting_soon, pages, post_endpoints
):
    (ana,) = book(starting_soon, "Ana")
    client.force_login(django_user_model.objects.create_user(username="other", is_staff=True))

    for url in pages:
        assert client.get(url).status_code == 403
    for url in post_endpoints:
        assert client.post(url, {"booking": str(ana.pk), "outcome": "attended"}).status_code == 403
    assert statuses(ana) == ["confirmed"]


def test_members_are_forbidden(member_client, pages):
    for url in pages:
        assert member_client.get(url).status_code == 403


def test_get_on_the_marking_endpoints_is_not_allowed(desk, post_endpoints):
    for url in post_endpoints:
        assert desk.get(url).status_code == 405


def test_a_manager_can_check_members_in_too(client, django_user_model, services, starting_soon):
    manager = django_user_model.objects.create_user(username="boss", is_staff=True)
    manager.groups.add(Group.objects.get(name="Manager"))
    manager.staffed_locations.add(starting_soon.location)  # the manager of that location
    client.force_login(manager)
    (ana,) = book(starting_soon, "Ana")

    assert client.get(checkin_url(starting_soon)).status_code == 200
    mark(client, starting_soon, [ana], "attended")

    assert statuses(ana) == ["attended"]


# --- Query counts --------------------------------------------------------------------------------


@pytest.mark.parametrize("members", [3, 40])
def test_the_roster_runs_the_same_queries_for_3_and_40_members(
    desk, django_assert_max_num_queries, starting_soon, members
):
    for n in range(members):
        book(starting_soon, f"Member {n:02}", status=["confirmed", "attended", "no_show"][n % 3])

    with django_assert_max_num_queries(ROSTER_QUERIES):
        response = desk.get(checkin_url(starting_soon))

    assert len(response.context["rows"]) == members


@pytest.mark.parametrize("classes", [2, 50])
def test_todays_classes_run_the_same_queries_for_2_and_50_classes(
    desk, django_assert_max_num_queries, classes
):
    midnight = local_midnight_today()
    for n in range(classes):
        fitness_class = FitnessClassFactory(starts_at=midnight + timedelta(hours=6, minutes=n))
        book(fitness_class, f"A{n}", f"B{n}")

    with django_assert_max_num_queries(TODAY_QUERIES):
        opened = desk.get(reverse("bookings:checkin_today"))
    with django_assert_max_num_queries(TODAY_QUERIES):
        first = desk.get(reverse("bookings:checkin_today"), {"page": "1"})

    assert 0 < len(opened.context["classes"]) <= CLASSES_PER_PAGE
    assert len(first.context["classes"]) == min(classes, CLASSES_PER_PAGE)
