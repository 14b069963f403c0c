"""Every time of a class is on its own location's clock: a member of a London installation
booking a class in New York sees its New York time on the pages, in the e-mail and (as the
same instant) in her calendar; and a location's day is midnight to midnight on its clock."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    CreditGrantFactory,
    FitnessClassFactory,
    LocationFactory,
    work_at_every_location,
)

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
SCHEDULE = reverse("classes:schedule")

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_gyms(settings):
    """An installation on London's clock with a gym in London and one in New York."""
    settings.TIME_ZONE = "Europe/London"
    return (
        LocationFactory(name="Thames", time_zone="Europe/London"),
        LocationFactory(name="Hudson", time_zone="America/New_York"),
    )


def text_of(response) -> str:
    return " ".join(response.content.decode().split())


def test_a_class_in_new_york_is_shown_booked_mailed_and_fed_on_new_yorks_clock(
    two_gyms, member_client, member, mail_worker, services
):
    # given a class at 18:00 in New York three days ahead (23:00 in London), and credit
    CreditGrantFactory(member=member, amount=3)
    day = timezone.localdate(timezone.now(), NEW_YORK) + timedelta(days=3)
    starts_at = datetime.combine(day, time(18), NEW_YORK)
    spin = FitnessClassFactory(
        name="Spin", location="Hudson", starts_at=starts_at, ends_at=starts_at + timedelta(hours=1)
    )
    london = f"{starts_at.astimezone(LONDON):%H:%M}"

    # when she books it
    member_client.post(reverse("bookings:book", args=[spin.pk]))
    mail_worker()

    # then the class page, her bookings and the e-mail say 18:00, not London's time
    page = text_of(member_client.get(reverse("classes:detail", args=[spin.pk])))
    assert "18:00" in page and london not in page
    assert f'datetime="{starts_at.isoformat()}"' in page
    mine = text_of(member_client.get(reverse("bookings:mine")))
    assert f"{day:%a} {day.day} {day:%b}, 18:00" in mine
    (message,) = mail.outbox
    assert message.subject == f"You're booked: Spin, {day:%a} {day.day} {day:%b} 18:00"
    assert "18:00\N{EN DASH}19:00" in message.body
    # and her calendar has the same instant, in UTC
    member.refresh_from_db()
    feed = member_client.get(reverse("members:calendar_feed", args=[member.calendar_token]))
    assert f"DTSTART:{starts_at.astimezone(UTC):%Y%m%dT%H%M%S}Z" in feed.content.decode()


def test_each_location_s_day_runs_midnight_to_midnight_on_its_own_clock(two_gyms, member_client):
    # given New York's spring-forward day (23 hours long; London keeps its clock), with classes
    # just inside and just outside it there, and one in London
    day = date(2027, 3, 14)
    for name, starts in [
        ("Before", datetime(2027, 3, 13, 23, 30, tzinfo=NEW_YORK)),
        ("First", datetime(2027, 3, 14, 0, 15, tzinfo=NEW_YORK)),
        ("Last", datetime(2027, 3, 14, 23, 45, tzinfo=NEW_YORK)),
        ("After", datetime(2027, 3, 15, 0, 15, tzinfo=NEW_YORK)),
    ]:
        FitnessClassFactory(name=name, location="Hudson", starts_at=starts)
    FitnessClassFactory(
        name="Thames Spin", location="Thames", starts_at=datetime(2027, 3, 14, 9, tzinfo=LONDON)
    )

    # when the member opens that day at each location, and without naming one
    hudson = member_client.get(SCHEDULE, {"day": day.isoformat(), "location": "Hudson"})
    thames = member_client.get(SCHEDULE, {"day": day.isoformat(), "location": "Thames"})
    default = member_client.get(SCHEDULE, {"day": day.isoformat()})

    # then each shows its own day's classes at their local times; the first by name by default
    assert [row.fitness_class.name for row in hudson.context["rows"]] == ["First", "Last"]
    assert "00:15" in text_of(hudson) and "23:45" in text_of(hudson)
    assert [row.fitness_class.name for row in thames.context["rows"]] == ["Thames Spin"]
    assert default.context["location"].name == "Hudson"
    assert hudson.context["choices"].locations == ["Hudson", "Thames"]


@pytest.fixture
def desk(client, django_user_model):
    user = django_user_model.objects.create_user(username="desk", is_staff=True)
    user.groups.add(Group.objects.get(name="Front desk"))
    client.force_login(work_at_every_location(user))
    return client


def test_check_in_today_is_the_chosen_location_s_day(two_gyms, desk):
    # given a class late tonight in New York (already tomorrow in London), and one in London
    now = timezone.now()
    tonight = datetime.combine(timezone.localdate(now, NEW_YORK), time(23, 30), NEW_YORK)
    FitnessClassFactory(name="Night Spin", location="Hudson", starts_at=tonight)
    noon = datetime.combine(timezone.localdate(now, LONDON), time(12), LONDON)
    FitnessClassFactory(name="London Yoga", location="Thames", starts_at=noon)

    # when the desk opens today's classes at New York, then at London
    hudson = desk.get(reverse("bookings:checkin_today"), {"location": "Hudson"})
    thames = desk.get(reverse("bookings:checkin_today"), {"location": "Thames"})

    # then each lists its own today, on its own clock
    assert [c.name for c in hudson.context["classes"]] == ["Night Spin"]
    assert "23:30" in text_of(hudson)
    assert hudson.context["today"] == timezone.localdate(now, NEW_YORK)
    assert [c.name for c in thames.context["classes"]] == ["London Yoga"]
