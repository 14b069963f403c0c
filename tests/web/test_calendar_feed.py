"""The private calendar feed: an iCalendar (RFC 5545) of the member's upcoming confirmed
bookings at a URL whose token is the only secret, and the page that gives the URL and resets
the token (after which the old URL is not found)."""

from datetime import UTC, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from domain.entities import BookingStatus
from members.calendar import PRODID
from members.models import Member
from tests.factories import BookingFactory, FitnessClassFactory, MemberFactory

pytestmark = pytest.mark.django_db

CALENDAR_PAGE = reverse("members:calendar")
RESET = reverse("members:reset_calendar_token")

# The member by token; their upcoming confirmed bookings with the classes.
FEED_QUERIES = 2


def feed_url(member: Member) -> str:
    return reverse("members:calendar_feed", args=[member.calendar_token])


def parse(response) -> Calendar:
    return Calendar.from_ical(response.content)


def test_every_member_gets_a_distinct_url_safe_secret():
    ana, ben = MemberFactory(), MemberFactory()

    assert ana.calendar_token != ben.calendar_token
    assert len(ana.calendar_token) >= 32
    assert set(ana.calendar_token) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    )


def test_the_feed_lists_exactly_the_members_upcoming_confirmed_bookings(client, member):
    # given
    now = timezone.now()
    spin = FitnessClassFactory(
        name="Spin",
        instructor="Kim Okoro",
        location="Spin Studio",
        starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=1, minutes=45),
    )
    yoga = FitnessClassFactory(
        name="Yoga", instructor="Lena", location="Studio 2", starts_at=now + timedelta(days=2)
    )
    in_progress = FitnessClassFactory(
        name="HIIT",
        starts_at=now - timedelta(minutes=10),
        ends_at=now + timedelta(minutes=35),
    )
    booked = [
        BookingFactory(member=member, fitness_class=spin),
        BookingFactory(member=member, fitness_class=yoga),
        BookingFactory(member=member, fitness_class=in_progress),
    ]
    # not listed: past, cancelled or late-cancelled bookings, a cancelled class, other members
    BookingFactory(
        member=member,
        fitness_class=FitnessClassFactory(name="Past", starts_at=now - timedelta(days=1)),
    )
    BookingFactory(
        member=member,
        fitness_class=FitnessClassFactory(name="Cancelled booking"),
        status=BookingStatus.CANCELLED.value,
    )
    BookingFactory(
        member=member,
        fitness_class=FitnessClassFactory(name="Late cancelled"),
        status=BookingStatus.LATE_CANCELLED.value,
    )
    BookingFactory(member=member, fitness_class=FitnessClassFactory(name="Gone", cancelled_at=now))
    BookingFactory(fitness_class=spin)

    # when
    response = client.get(feed_url(member))

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = parse(response)
    assert {str(event["UID"]) for event in calendar.events} == {
        f"booking-{booking.pk}@gymbooking" for booking in booked
    }
    assert [str(event["SUMMARY"]) for event in calendar.events] == ["HIIT", "Spin", "Yoga"]


def test_each_event_carries_the_class_in_utc_with_its_place_and_instructor(client, member):
    # given
    starts_at = timezone.now().replace(microsecond=0) + timedelta(days=3)
    spin = FitnessClassFactory(
        name="Spin",
        description="Climbs and sprints.",
        instructor="Kim Okoro",
        location="Spin Studio",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=45),
    )
    booking = BookingFactory(member=member, fitness_class=spin)

    # when
    response = client.get(feed_url(member))

    # then the calendar names itself
    calendar = parse(response)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == PRODID
    assert str(calendar["X-WR-CALNAME"]) == "gymbooking: Ana"
    # and the one event describes the class
    [event] = calendar.events
    assert str(event["UID"]) == f"booking-{booking.pk}@gymbooking"
    assert event.start == starts_at.astimezone(UTC)
    assert event.end == starts_at.astimezone(UTC) + timedelta(minutes=45)
    text = response.content.decode()
    utc_start = starts_at.astimezone(UTC)
    assert f"DTSTART:{utc_start:%Y%m%dT%H%M%S}Z\r\n" in text, "in UTC, no TZID"
    assert f"DTEND:{utc_start + timedelta(minutes=45):%Y%m%dT%H%M%S}Z\r\n" in text
    assert str(event["SUMMARY"]) == "Spin"
    assert str(event["LOCATION"]) == "Spin Studio"
    assert str(event["DESCRIPTION"]) == "Instructor: Kim Okoro\n\nClimbs and sprints."
    assert "DTSTAMP" in event
    assert str(event["STATUS"]) == "CONFIRMED"


def test_text_outside_ascii_survives_the_round_trip(client, member):
    BookingFactory(
        member=member,
        fitness_class=FitnessClassFactory(name="Café yoga — débutants", location="Salle 2"),
    )

    response = client.get(feed_url(member))

    [event] = parse(response).events
    assert str(event["SUMMARY"]) == "Café yoga — débutants"


def test_a_member_with_no_bookings_gets_a_valid_empty_calendar(client, member):
    calendar = parse(client.get(feed_url(member)))

    assert calendar.events == []
    assert str(calendar["PRODID"]) == PRODID


def test_an_unknown_token_is_not_found(client, member):
    response = client.get(reverse("members:calendar_feed", args=["not-the-token"]))

    assert response.status_code == 404


def test_a_token_with_a_nul_byte_is_not_found_rather_than_an_error(client, member):
    response = client.get("/calendar/%00.ics")

    assert response.status_code == 404


@pytest.mark.parametrize("size", [5, 200])
def test_the_feed_runs_the_same_queries_for_5_and_200_bookings(
    client, member, django_assert_num_queries, size
):
    now = timezone.now()
    for number in range(size):
        BookingFactory(
            member=member,
            fitness_class=FitnessClassFactory(starts_at=now + timedelta(hours=number + 1)),
        )

    with django_assert_num_queries(FEED_QUERIES):
        response = client.get(feed_url(member))

    assert len(parse(response).events) == size


# --- The page with the subscription URL ------------------------------------------------------


def test_the_calendar_page_gives_the_subscription_url_as_webcal_and_https(member_client, member):
    response = member_client.get(CALENDAR_PAGE)

    assert response.status_code == 200
    content = response.content.decode()
    path = feed_url(member)
    assert f'href="webcal://testserver{path}"' in content
    assert f'href="http://testserver{path}"' in content
    assert f'value="http://testserver{path}"' in content


def test_over_https_the_page_gives_an_https_url(member_client, member):
    response = member_client.get(CALENDAR_PAGE, secure=True)

    assert f'href="https://testserver{feed_url(member)}"' in response.content.decode()


def test_the_calendar_page_needs_a_signed_in_member(client):
    response = client.get(CALENDAR_PAGE)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_resetting_the_token_retires_the_old_url(member_client, member):
    # given
    old_url = feed_url(member)
    assert member_client.get(old_url).status_code == 200

    # when
    response = member_client.post(RESET, follow=True)

    # then
    member.refresh_from_db()
    assert response.redirect_chain == [(CALENDAR_PAGE, 302)]
    assert "Your calendar has a new address" in response.content.decode()
    assert feed_url(member) != old_url
    assert feed_url(member) in response.content.decode()
    assert member_client.get(old_url).status_code == 404
    assert member_client.get(feed_url(member)).status_code == 200


def test_resetting_with_a_get_is_refused_and_changes_nothing(member_client, member):
    token = member.calendar_token

    response = member_client.get(RESET)

    assert response.status_code == 405
    member.refresh_from_db()
    assert member.calendar_token == token


def test_resetting_needs_a_signed_in_member(client, member):
    token = member.calendar_token

    response = client.post(RESET)

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.calendar_token == token


def test_resetting_without_a_csrf_token_is_forbidden(member, member_client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member.user)
    token = member.calendar_token

    response = strict.post(RESET)

    assert response.status_code == 403
    member.refresh_from_db()
    assert member.calendar_token == token
