"""One account across the chain: a member books at Old Town (London) and Riverside (New York),
and every page, e-mail, notice and her calendar show each class with its own gym's name and
clock, even on the day New York changes its clock and London does not; her credits are the
chain's, whoever granted them."""

from datetime import UTC, date, datetime, time, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking
from members.models import CreditGrant, Member
from tests.factories import (
    BookingFactory,
    CreditGrantFactory,
    FitnessClassFactory,
    LocationFactory,
    staff_client,
)
from tests.web.test_admin import run_action
from tests.web.test_schedule import text_of

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
TO = "\N{EN DASH}"

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(settings):
    """Old Town in London and Riverside in New York, on an installation on London's clock,
    where booking opens far enough ahead to book New York's next spring-forward day."""
    settings.TIME_ZONE = "Europe/London"
    settings.GYM_BOOKING_OPENS_DAYS = 400
    return (
        LocationFactory(name="Old Town", time_zone="Europe/London"),
        LocationFactory(name="Riverside", time_zone="America/New_York"),
    )


def next_new_york_spring_forward() -> date:
    """The next second Sunday of March (New York's clocks go forward; London's a fortnight
    later) at least two days ahead."""
    soon = timezone.localdate() + timedelta(days=2)
    for year in (soon.year, soon.year + 1):
        march_first = date(year, 3, 1)
        day = march_first + timedelta(days=(6 - march_first.weekday()) % 7 + 7)
        if day >= soon:
            return day
    raise AssertionError("unreachable: next year's March is always ahead")


def utc_offset(zone: ZoneInfo, moment: datetime) -> timedelta:
    return moment.astimezone(zone).utcoffset()


def a_class(name: str, location, day: date, at: time, minutes: int, **fields):
    """A class at `at` on `location`'s clock, lasting `minutes` of real time (added in UTC:
    on a day the clocks change, local arithmetic would be off by the change)."""
    starts_at = datetime.combine(day, at, ZoneInfo(location.time_zone)).astimezone(UTC)
    return FitnessClassFactory(
        name=name,
        location=location,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        **fields,
    )


def mail_to(subject_start: str):
    (message,) = [m for m in mail.outbox if m.subject.startswith(subject_start)]
    return message


def test_on_new_york_s_spring_forward_day_each_class_keeps_its_own_gym_s_name_and_clock(
    chain, member, member_client, services, django_capture_on_commit_callbacks, mail_worker
):
    # given New York's spring-forward day: London is 5 hours ahead of New York before 02:00
    # there and 4 hours after; classes at both gyms, the first in New York before the change
    # (01:30 EST, ending 03:15 EDT: its 45 minutes span the skipped hour)
    old_town, riverside = chain
    day = next_new_york_spring_forward()
    owl = a_class("Night Owl Spin", riverside, day, time(1, 30), 45)
    yoga = a_class("Thames Yoga", old_town, day, time(10), 60)
    hiit = a_class("Evening HIIT", riverside, day, time(18), 45)
    assert utc_offset(LONDON, owl.starts_at) - utc_offset(NEW_YORK, owl.starts_at) == timedelta(
        hours=5
    )
    assert utc_offset(LONDON, hiit.starts_at) - utc_offset(NEW_YORK, hiit.starts_at) == timedelta(
        hours=4
    )
    CreditGrantFactory(member=member, amount=3)

    # when Ana books all three with her one account (and the workers run)
    with django_capture_on_commit_callbacks(execute=True):
        for fitness_class in (owl, yoga, hiit):
            response = member_client.post(reverse("bookings:book", args=[fitness_class.pk]))
            assert response.status_code == 302
    mail_worker()

    # then her bookings list each at its gym, on its gym's clock
    assert Booking.objects.filter(member=member, status="confirmed").count() == 3
    when = f"{day:%a} {day.day} {day:%b}"
    mine = text_of(member_client.get(reverse("bookings:mine")))
    assert f"{when}, 01:30 · Riverside" in mine
    assert f"{when}, 10:00 · Old Town" in mine
    assert f"{when}, 18:00 · Riverside" in mine
    # and each class page shows its own local times and the exact instant
    for fitness_class, shown in [(owl, f"01:30 {TO} 03:15"), (yoga, f"10:00 {TO} 11:00")]:
        page = member_client.get(reverse("classes:detail", args=[fitness_class.pk]))
        text = text_of(page)
        assert shown in text and fitness_class.location.name in text
        zone = ZoneInfo(fitness_class.location.time_zone)
        local_start = fitness_class.starts_at.astimezone(zone)
        assert f'datetime="{local_start.isoformat()}"' in page.content.decode()
    # and each gym's schedule of that day lists its own classes at their local times
    for location, names, times in [
        (riverside, ["Night Owl Spin", "Evening HIIT"], ["01:30", "18:00"]),
        (old_town, ["Thames Yoga"], ["10:00"]),
    ]:
        schedule = member_client.get(
            reverse("classes:schedule"), {"day": day.isoformat(), "location": location.name}
        )
        assert [row.fitness_class.name for row in schedule.context["rows"]] == names
        assert [row.state for row in schedule.context["rows"]] == ["booked"] * len(names)
        assert all(shown in text_of(schedule) for shown in times)

    # and each confirmation e-mail names the gym and its clock's times
    long_day = f"{day:%A} {day.day} {day:%B}"
    for subject, when_line, where in [
        (f"You're booked: Night Owl Spin, {when} 01:30", f"01:30{TO}03:15", "Riverside"),
        (f"You're booked: Thames Yoga, {when} 10:00", f"10:00{TO}11:00", "Old Town"),
        (f"You're booked: Evening HIIT, {when} 18:00", f"18:00{TO}18:45", "Riverside"),
    ]:
        body = mail_to(subject).body
        assert f"When:  {long_day}, {when_line}" in body
        assert f"Where: {where}" in body
    # and so do the in-app notices
    notices = text_of(member_client.get(reverse("notifications:list")))
    assert f"You're booked: Night Owl Spin, {when} 01:30" in notices
    assert f"You're booked: Thames Yoga, {when} 10:00" in notices

    # and her calendar has each as its UTC instant, with its gym as the LOCATION
    member.refresh_from_db()
    feed = member_client.get(reverse("members:calendar_feed", args=[member.calendar_token]))
    events = feed.content.decode().replace("\r\n ", "").split("BEGIN:VEVENT")[1:]
    found = {}
    for event in events:
        lines = dict(line.split(":", 1) for line in event.splitlines() if ":" in line)
        found[lines["SUMMARY"]] = (lines["DTSTART"], lines["DTEND"], lines["LOCATION"])
    utc = "%Y%m%dT%H%M%SZ"
    assert found == {
        c.name: (
            f"{c.starts_at.astimezone(UTC):{utc}}",
            f"{c.ends_at.astimezone(UTC):{utc}}",
            c.location.name,
        )
        for c in (owl, yoga, hiit)
    }
    # the two New York classes are 16:30 apart on its clock, 15:30 apart in UTC
    assert hiit.starts_at.astimezone(UTC) - owl.starts_at.astimezone(UTC) == timedelta(
        hours=15, minutes=30
    )


def test_reminders_and_a_promotion_tell_each_class_on_its_own_gym_s_clock(
    chain,
    member,
    member_client,
    other_member,
    other_client,
    services,
    django_capture_on_commit_callbacks,
    mail_worker,
):
    # given Ana booked this evening at Old Town and Riverside, and waiting for a full class at
    # Riverside that Ben holds the one spot of
    old_town, riverside = chain
    CreditGrantFactory(member=member, amount=3)
    CreditGrantFactory(member=other_member, amount=1)
    now = timezone.now()
    soon = [
        FitnessClassFactory(name=name, location=location, starts_at=now + timedelta(hours=hours))
        for name, location, hours in [("Old Town Spin", old_town, 5), ("River Yoga", riverside, 7)]
    ]
    for fitness_class in soon:
        member_client.post(reverse("bookings:book", args=[fitness_class.pk]))
    full = FitnessClassFactory(
        name="River Boxing", location=riverside, capacity=1, starts_at=now + timedelta(hours=9)
    )
    bens = BookingFactory(member=other_member, fitness_class=full)
    member_client.post(reverse("bookings:join_waitlist", args=[full.pk]))
    mail_worker()
    mail.outbox.clear()

    # when the reminders go out and Ben gives his spot up (and the workers run)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders", stdout=StringIO())
        other_client.post(reverse("bookings:cancel", args=[bens.pk]))
    mail_worker()

    # then her reminders and her promotion say each class's gym and its local time
    def local(fitness_class) -> str:
        zone = ZoneInfo(fitness_class.location.time_zone)
        return f"{fitness_class.starts_at.astimezone(zone):%H:%M}"

    for fitness_class in soon:
        message = mail_to(f"Reminder: {fitness_class.name}, ")
        assert message.to == ["ana@example.com"]
        assert f"{local(fitness_class)}{TO}" in message.body
        assert f"Where: {fitness_class.location.name}" in message.body
    promoted = [m for m in mail.outbox if "River Boxing" in m.subject and m.to == [member.email]]
    assert len(promoted) == 1
    assert local(full) in promoted[0].subject
    assert "Where: Riverside" in promoted[0].body
    assert Booking.objects.get(member=member, fitness_class=full).status == "confirmed"
    notices = text_of(member_client.get(reverse("notifications:list")))
    assert "River Boxing, " in notices and local(full) in notices
    # (London and New York read differently now, or the check above would prove nothing)
    assert utc_offset(LONDON, now) != utc_offset(NEW_YORK, now)


def test_a_credit_granted_at_old_town_s_desk_books_a_class_at_riverside(
    chain, member, member_client, django_user_model, services
):
    # given Old Town's front desk (working there only) grants Ana one credit
    old_town, riverside = chain
    desk = staff_client(Client(), django_user_model, "Front desk", "oldtown-desk")
    old_town.staff.add(django_user_model.objects.get(username="oldtown-desk"))
    run_action(desk, Member, "grant_credits", [member], amount=1, expiry_days=30, reason="Drop-in")
    assert CreditGrant.objects.filter(member=member, amount=1).exists()
    tomorrow = timezone.now() + timedelta(days=1)
    spin = FitnessClassFactory(name="River Spin", location=riverside, starts_at=tomorrow)
    yoga = FitnessClassFactory(name="Town Yoga", location=old_town, starts_at=tomorrow)

    # when she books at Riverside, then tries Old Town with nothing left
    member_client.post(reverse("bookings:book", args=[spin.pk]))
    member_client.post(reverse("bookings:book", args=[yoga.pk]))

    # then the Riverside class took the Old Town credit: one pool for the whole chain
    assert Booking.objects.get(member=member, fitness_class=spin).status == "confirmed"
    assert not Booking.objects.filter(member=member, fitness_class=yoga).exists()
    assert CreditGrant.objects.get(member=member).remaining == 0
