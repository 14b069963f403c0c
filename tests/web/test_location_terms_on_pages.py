"""The pages preview the rules of the class's own location: the schedule's row states and
"booking opens on …" (on that location's clock), the class page's cancel terms and my
bookings' — and the location admin edits those rules, naming the chain's default of each
and refusing values out of range with a clear message."""

import html
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from locations.models import Location
from tests.factories import BookingFactory, CreditGrantFactory, FitnessClassFactory, LocationFactory
from tests.web.test_admin import admin_url, change_form_data

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
REFUNDED = "Your credit will be refunded."
FORFEITED = "Cancelling now is a late cancellation"


def text_of(response) -> str:
    without_tags = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(without_tags).split())


@pytest.fixture
def riverside(settings):
    """Old Town keeps the chain's rules (booking opens 14 days ahead, a 2-hour window that
    refuses); Riverside, on New York's clock, opens 3 days ahead and forfeits within 12."""
    settings.GYM_BOOKING_OPENS_DAYS = 14
    settings.GYM_CANCELLATION_WINDOW_HOURS = 2
    settings.GYM_LATE_CANCELLATION = "refuse"
    LocationFactory(name="Old Town", time_zone="Europe/London")
    return LocationFactory(
        name="Riverside",
        time_zone="America/New_York",
        booking_opens_days=3,
        cancellation_window_minutes=12 * 60,
        late_cancellation="forfeit",
    )


def test_the_schedule_and_class_page_say_when_booking_opens_at_that_location(
    riverside, services, member_client, member
):
    # given Spin in 5 days at both: open at Old Town (14 days), not yet at Riverside (3)
    CreditGrantFactory(member=member, amount=2)
    starts_at = timezone.now() + timedelta(days=5)
    old_town = FitnessClassFactory(name="Spin", location="Old Town", starts_at=starts_at)
    there = FitnessClassFactory(name="Spin", location=riverside, starts_at=starts_at)
    opens = (starts_at - timedelta(days=3)).astimezone(NEW_YORK)
    expected = f"Booking opens on {opens:%a} {opens.day} {opens:%b} at {opens:%H:%M}."

    # when she looks at each location's day and each class page
    day = timezone.localdate(starts_at, NEW_YORK).isoformat()
    schedule = member_client.get(reverse("classes:schedule"), {"location": "Riverside", "day": day})
    page = member_client.get(reverse("classes:detail", args=[there.pk]))
    old_page = member_client.get(reverse("classes:detail", args=[old_town.pk]))

    # then Riverside's say when booking opens there, on its clock; Old Town's offers booking
    assert [row.state for row in schedule.context["rows"]] == ["not_open"]
    assert expected in text_of(schedule)
    assert expected in text_of(page)
    assert "Booking opens on" not in text_of(old_page)
    assert f'action="{reverse("bookings:book", args=[old_town.pk])}"' in old_page.content.decode()


def test_the_cancel_terms_shown_are_the_locations(riverside, services, member_client, member):
    # given she is booked on classes starting in 6 hours at each location
    starts_at = timezone.now() + timedelta(hours=6)
    old_town = FitnessClassFactory(name="Spin", location="Old Town", starts_at=starts_at)
    there = FitnessClassFactory(
        name="Yoga", location=riverside, starts_at=starts_at + timedelta(hours=2)
    )
    BookingFactory(member=member, fitness_class=old_town)
    BookingFactory(member=member, fitness_class=there)

    # when she opens each class page and her bookings
    old_page = text_of(member_client.get(reverse("classes:detail", args=[old_town.pk])))
    page = text_of(member_client.get(reverse("classes:detail", args=[there.pk])))
    mine = text_of(member_client.get(reverse("bookings:mine")))

    # then Old Town refunds; Riverside is inside its 12-hour window, where cancelling forfeits
    assert REFUNDED in old_page and FORFEITED not in old_page
    assert FORFEITED in page and REFUNDED not in page
    assert REFUNDED in mine and FORFEITED in mine


def test_the_location_admin_names_each_rules_chain_default(riverside, manager, settings):
    settings.GYM_REMINDER_HOURS = 24

    response = manager.get(admin_url(Location, "change", riverside.pk))

    form = response.context["adminform"].form
    assert form.fields["cancellation_window_minutes"].help_text == (
        "Empty: the chain's default of 120 minutes."
    )
    assert form.fields["booking_opens_days"].help_text == (
        "Empty: the chain's default of 14 days. 0: members may book as soon as a class is listed."
    )
    assert form.fields["reminder_hours"].help_text == "Empty: the chain's default of 24 hours."
    assert form.fields["late_cancellation"].choices[0] == (
        "",
        "As the chain: refuse it: the booking stays",
    )
    assert "Booking rules" in response.content.decode()


def test_a_manager_sets_a_locations_rules(riverside, manager):
    url = admin_url(Location, "change", riverside.pk)
    data = change_form_data(manager.get(url))
    data.update(
        {"refund_expiry_days": "60", "booking_opens_days": "", "max_upcoming_bookings": "0"}
    )

    response = manager.post(url, data)

    assert response.status_code == 302
    riverside.refresh_from_db()
    assert (riverside.refund_expiry_days, riverside.booking_opens_days) == (60, None)
    assert riverside.max_upcoming_bookings == 0


def whole(unit: str, low: int, high: int) -> str:
    return f"Give a whole number of {unit} from {low} to {high}, or leave it empty."


@pytest.mark.parametrize(
    ("rule", "value", "message"),
    [
        ("refund_expiry_days", "0", whole("days", 1, 3650)),
        ("reminder_hours", "500", whole("hours", 1, 168)),
        ("no_show_limit", "101", whole("no-shows", 0, 100)),
        ("cancellation_window_minutes", "10081", whole("minutes", 0, 10080)),
        (
            "late_cancellation",
            "sometimes",
            "Select a valid choice. sometimes is not one of the available choices.",
        ),
    ],
)
def test_a_rule_out_of_range_is_refused_with_a_clear_message(
    riverside, manager, rule, value, message
):
    url = admin_url(Location, "change", riverside.pk)
    data = change_form_data(manager.get(url))
    before = Location.objects.filter(pk=riverside.pk).values().get()
    data[rule] = value

    response = manager.post(url, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors[rule] == [message]
    assert Location.objects.filter(pk=riverside.pk).values().get() == before
