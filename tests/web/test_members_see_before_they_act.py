"""Members see, before they act, what the rules would answer: for every reason a booking or a
waitlist join would be refused, the class page says it in the rules' own words and offers no
button, and the POST refuses with the same words. Waiting members see what their place
depends on."""

import html
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking, WaitlistEntry
from tests.factories import (
    BookingFactory,
    CreditGrantFactory,
    FitnessClassFactory,
    WaitlistEntryFactory,
    full_class,
    limited_to,
)

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    without_tags = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(without_tags).split())


def forms_on(response) -> list[str]:
    """The member actions (book, cancel, the waitlist) the page offers a form for."""
    actions = re.findall(r'<form method="post" action="([^"]+)"', response.content.decode())
    return [action for action in actions if action.startswith("/classes/")]


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def limits(settings):
    """Booking opens 14 days ahead; at most one upcoming booking (before `services`)."""
    settings.GYM_BOOKING_OPENS_DAYS = 14
    settings.GYM_MAX_UPCOMING_BOOKINGS = 1


def _situation(member, reason: str):
    """A class that `member` could book (or, full, wait for) but for `reason`."""
    now = timezone.now()
    tomorrow = now + timedelta(days=1)
    if reason == "credits for other classes":
        CreditGrantFactory(member=member, amount=3, scope=limited_to(class_names=("Yoga",)))
    elif reason != "no credit":
        CreditGrantFactory(member=member, amount=3)
    if reason == "booking not open":
        return FitnessClassFactory(starts_at=now + timedelta(days=20)), "book"
    if reason == "upcoming limit":
        BookingFactory(member=member, fitness_class=FitnessClassFactory(starts_at=tomorrow))
        return FitnessClassFactory(starts_at=now + timedelta(days=2)), "book"
    if reason == "paused":
        member.bookings_paused_until = now + timedelta(days=3)
        member.save()
        return FitnessClassFactory(starts_at=tomorrow), "book"
    if reason == "overlapping":  # she is in a class that started 10 minutes ago
        started = FitnessClassFactory(starts_at=now - timedelta(minutes=10))
        BookingFactory(member=member, fitness_class=started)
        return FitnessClassFactory(starts_at=now + timedelta(minutes=20)), "book"
    if reason == "waitlist: booking not open":
        return full_class(starts_at=now + timedelta(days=20)), "join"
    if reason == "waitlist: paused":
        member.bookings_paused_until = now + timedelta(days=3)
        member.save()
        return full_class(starts_at=tomorrow), "join"
    if reason == "waitlist: past the cut-off":
        return full_class(starts_at=now + timedelta(minutes=90)), "join"
    return FitnessClassFactory(name="Spin", starts_at=tomorrow), "book"  # no credit for it


@pytest.mark.parametrize(
    ("reason", "words"),
    [
        ("no credit", "You have no credits left."),
        ("credits for other classes", "Your credits are for other classes or locations"),
        ("booking not open", "Booking opens on "),
        ("upcoming limit", "You already have 1 upcoming booking, the most the gym allows"),
        ("paused", "Booking is paused on your account after repeated no-shows."),
        ("overlapping", "You are already booked on another class at that time."),
        ("waitlist: booking not open", "Booking opens on "),
        ("waitlist: paused", "Booking is paused on your account after repeated no-shows."),
        (
            "waitlist: past the cut-off",
            "Nobody is promoted from the waitlist within 2 hours of the start",
        ),
    ],
)
def test_the_page_says_why_before_she_acts_and_the_rules_refuse_in_the_same_words(
    limits, services, member_client, member, reason, words
):
    # given a class she cannot book (or wait for) for `reason`
    fitness_class, action = _situation(member, reason)
    before = (Booking.objects.count(), WaitlistEntry.objects.count())

    # when she opens the class page
    page = member_client.get(reverse("classes:detail", args=[fitness_class.pk]))

    # and the POST (a stale page, a crafted request) is refused
    url = "bookings:book" if action == "book" else "bookings:join_waitlist"
    response = member_client.post(reverse(url, args=[fitness_class.pk]), follow=True)
    [message] = messages_of(response)
    assert message.startswith(words)
    assert (Booking.objects.count(), WaitlistEntry.objects.count()) == before

    # then the page had said so in the same words, and offered no button for it
    assert message in text_of(page)
    assert forms_on(page) == []


def test_booking_not_yet_open_shows_when_it_opens_in_the_gyms_zone(limits, services, member_client):
    # given a class starting in 20 days at 18:00 in the gym's zone
    day = timezone.localdate() + timedelta(days=20)
    starts_at = timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time()))
    fitness_class = FitnessClassFactory(starts_at=starts_at + timedelta(hours=18))
    opens = timezone.localtime(fitness_class.starts_at - timedelta(days=14))

    # when she opens the schedule and the class page
    schedule = member_client.get(reverse("classes:schedule"), {"week": day.isoformat()})
    page = member_client.get(reverse("classes:detail", args=[fitness_class.pk]))

    # then both say when booking opens, with date and time
    expected = f"Booking opens on {opens:%a} {opens.day} {opens:%b} at {opens:%H:%M}."
    assert expected in text_of(schedule)
    assert expected in text_of(page)
    assert "Open" not in text_of(schedule).split(expected)[0].split("Spin")[-1]


def test_a_waiting_member_without_credit_is_told_her_place_needs_a_credit(
    services, member_client, member
):
    # given she is number 1 on a full class's waitlist, with no credit
    fitness_class = full_class()
    WaitlistEntryFactory(member=member, fitness_class=fitness_class)

    # when she opens the class page and the schedule
    page = member_client.get(reverse("classes:detail", args=[fitness_class.pk]))
    week = timezone.localdate(fitness_class.starts_at).isoformat()
    schedule = member_client.get(reverse("classes:schedule"), {"week": week})

    # then both say what her place depends on
    assert "You are number 1 on the waitlist; you need a credit to be promoted." in text_of(page)
    assert "On the waitlist at position 1 You need a credit to be promoted" in text_of(schedule)


def test_joining_a_waitlist_without_credit_says_what_a_promotion_would_need(
    services, member_client
):
    fitness_class = full_class()

    page = member_client.get(reverse("classes:detail", args=[fitness_class.pk]))

    assert "You will be number 1 on the waitlist." in text_of(page)
    assert "You need a credit to be promoted." in text_of(page)
    assert forms_on(page) == [reverse("bookings:join_waitlist", args=[fitness_class.pk])]


def test_a_waiting_member_who_cannot_book_the_free_spot_is_told_why_and_may_still_leave(
    services, member_client, member
):
    # given a spot is free on a class she waits for, and she has no credit
    fitness_class = FitnessClassFactory(capacity=2)
    BookingFactory(fitness_class=fitness_class)
    WaitlistEntryFactory(member=member, fitness_class=fitness_class)

    # when she opens the class page
    page = member_client.get(reverse("classes:detail", args=[fitness_class.pk]))

    # then it says why she cannot book it, and offers leaving the waitlist only
    assert "You have no credits left." in text_of(page)
    assert forms_on(page) == [reverse("bookings:leave_waitlist", args=[fitness_class.pk])]
