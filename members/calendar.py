"""A member's private calendar feed: their upcoming confirmed bookings as iCalendar (RFC 5545),
built with the `icalendar` library, and the secret token in the feed's URL.

Anyone holding the URL can read the feed, so the token is the only secret: resetting it
retires every copy of the old URL at once.
"""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event, vDuration
from icalendar.enums import STATUS

from bookings.models import Booking
from members.models import Member, new_calendar_token

PRODID = "-//gymbooking//Member calendar//EN"
# How often calendar apps are asked to fetch the feed again.
REFRESH_INTERVAL = timedelta(hours=1)
CONTENT_TYPE = "text/calendar; charset=utf-8"


def calendar_name(member: Member) -> str:
    return f"gymbooking: {member.name}"


def build_calendar(member: Member, bookings: Iterable[Booking], now: datetime) -> bytes:
    """The feed: one event per booking (its class, in UTC), with stable UIDs so that calendar
    apps update an event rather than duplicate it when the feed is fetched again. UTC is the
    class's instant whatever its location's clock: every calendar app shows it on the
    reader's own clock, with no time zone definitions to ship for each location."""
    calendar = Calendar.new(
        prodid=PRODID,
        name=calendar_name(member),
        description="Your upcoming classes at the gym.",
        uid=f"member-{member.pk}@gymbooking",
        calscale="GREGORIAN",
    )
    calendar.add("REFRESH-INTERVAL", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    # The same hint for Outlook, which reads its own property (a text value: "PT1H").
    calendar.add("X-PUBLISHED-TTL", vDuration(REFRESH_INTERVAL).to_ical().decode())
    stamp = now.astimezone(UTC)
    for booking in bookings:
        calendar.add_component(_event(booking, stamp))
    return calendar.to_ical()


def _event(booking: Booking, stamp: datetime) -> Event:
    fitness_class = booking.fitness_class
    details = [f"Instructor: {fitness_class.instructor}"] if fitness_class.instructor else []
    if fitness_class.description:
        details.append(fitness_class.description)
    return Event.new(
        uid=f"booking-{booking.pk}@gymbooking",
        stamp=stamp,
        start=fitness_class.starts_at.astimezone(UTC),
        end=fitness_class.ends_at.astimezone(UTC),
        summary=fitness_class.name,
        location=fitness_class.location.name,
        description="\n\n".join(details) or None,
        status=STATUS.CONFIRMED,
    )


def reset_calendar_token(member: Member) -> str:
    """Give the member a new feed secret; the old URL stops working at once."""
    member.calendar_token = new_calendar_token()
    Member.objects.filter(pk=member.pk).update(calendar_token=member.calendar_token)
    return member.calendar_token
