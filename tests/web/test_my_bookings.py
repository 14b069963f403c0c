"""My bookings: upcoming bookings (with a cancel form, or why they cannot be cancelled),
waitlist entries with their current position, and past classes with their outcome — in a
constant number of queries however many bookings and entries the member has."""

import html
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.views import HISTORY_LIMIT
from tests.factories import (
    BookingFactory,
    CreditGrantFactory,
    FitnessClassFactory,
    WaitlistEntryFactory,
    full_class,
)

pytestmark = pytest.mark.django_db

MINE = reverse("bookings:mine")

# session, user, member; upcoming bookings with their classes; waitlist entries with their
# classes and positions; past and cancelled bookings with their classes; the header's unread
# count.
MY_BOOKINGS_QUERIES = 7


def text_of(response) -> str:
    """The page as a person reads it: tags stripped, entities decoded, spaces collapsed."""
    without_tags = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(without_tags).split())


def section(response, heading_id: str) -> str:
    """The readable text of one section of the page, found by its heading's id."""
    content = response.content.decode()
    match = re.search(rf'<section[^>]*aria-labelledby="{heading_id}".*?</section>', content, re.S)
    assert match, f"no section {heading_id}"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(0))).split())


def in_hours(hours: float):
    return timezone.now() + timedelta(hours=hours)


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(MINE)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={MINE}"


def test_a_member_without_bookings_sees_empty_sections(member_client):
    response = member_client.get(MINE)

    assert response.status_code == 200
    page = text_of(response)
    assert "No upcoming bookings." in page
    assert "You are not waiting for any class." in page
    assert "Nothing yet." in page


def test_upcoming_bookings_are_listed_soonest_first_with_what_cancelling_would_cost(
    member_client, member
):
    # given two upcoming bookings: one in 2 days, one in 1 hour (inside the 2-hour window)
    later = BookingFactory(
        member=member, fitness_class=FitnessClassFactory(name="Yoga", starts_at=in_hours(48))
    )
    soon = BookingFactory(
        member=member, fitness_class=FitnessClassFactory(name="Spin", starts_at=in_hours(1))
    )

    # when the member opens My bookings
    response = member_client.get(MINE)

    # then both are listed, soonest first; the later one can be cancelled with a refund, the
    # sooner one says why it cannot
    upcoming = section(response, "upcoming-heading")
    assert upcoming.index("Spin") < upcoming.index("Yoga")
    assert "Cancellation closes 2 hours before the start." in upcoming
    assert "Your credit will be refunded." in upcoming
    content = response.content.decode()
    assert reverse("bookings:cancel", args=[later.pk]) in content
    assert reverse("bookings:cancel", args=[soon.pk]) not in content
    assert f'name="next" value="{MINE}"' in content


def test_under_forfeit_a_late_booking_can_be_cancelled_with_the_cost_said(
    late_cancellation_forfeits, services, member_client, member
):
    booking = BookingFactory(
        member=member, fitness_class=FitnessClassFactory(starts_at=in_hours(1))
    )

    response = member_client.get(MINE)

    assert "Cancelling now is a late cancellation" in section(response, "upcoming-heading")
    assert reverse("bookings:cancel", args=[booking.pk]) in response.content.decode()


def test_cancelling_from_my_bookings_comes_back_here(member_client, member):
    # given an upcoming booking
    booking = BookingFactory(member=member, fitness_class=FitnessClassFactory(name="Spin"))

    # when the member cancels it with the form on this page
    response = member_client.post(
        reverse("bookings:cancel", args=[booking.pk]), {"next": MINE}, follow=True
    )

    # then the member is back here, the booking moved to the past and cancelled list
    assert response.redirect_chain == [(MINE, 302)]
    assert "No upcoming bookings." in text_of(response)
    assert "Spin" in section(response, "history-heading")
    assert "Cancelled" in section(response, "history-heading")


def test_waitlist_entries_show_their_current_position(member_client, member):
    # given the member waiting second for Boxing and first for Barre
    now = timezone.now()
    boxing = full_class(capacity=1, name="Boxing", starts_at=in_hours(24))
    WaitlistEntryFactory(fitness_class=boxing, created_at=now - timedelta(hours=2))
    WaitlistEntryFactory(member=member, fitness_class=boxing, created_at=now - timedelta(hours=1))
    WaitlistEntryFactory(fitness_class=boxing, created_at=now)
    barre = full_class(capacity=1, name="Barre", starts_at=in_hours(48))
    WaitlistEntryFactory(member=member, fitness_class=barre)

    # when the member opens My bookings
    response = member_client.get(MINE)

    # then each entry says where the member stands, with a form to leave
    waitlist = section(response, "waitlist-heading")
    assert re.search(
        r"Boxing .* Number 2 on the waitlist .* Barre .* Number 1 on the waitlist", waitlist
    )
    content = response.content.decode()
    assert reverse("bookings:leave_waitlist", args=[boxing.pk]) in content
    assert reverse("bookings:leave_waitlist", args=[barre.pk]) in content


def test_the_position_breaks_ties_in_joining_time_by_id(member_client, member):
    # given two entries that joined at the same moment: the member's has the larger id
    moment = timezone.now()
    boxing = full_class(capacity=1, name="Boxing")
    mine = WaitlistEntryFactory(member=member, fitness_class=boxing, created_at=moment)
    other = WaitlistEntryFactory(fitness_class=boxing, created_at=moment)
    ahead = 1 if str(other.pk) < str(mine.pk) else 0

    # when the member opens My bookings
    response = member_client.get(MINE)

    # then the position follows the domain's order (created_at, then id)
    assert f"Number {ahead + 1} on the waitlist" in section(response, "waitlist-heading")


def test_past_classes_show_their_outcome(member_client, member):
    # given bookings of past classes ending every way, and a class the gym cancelled; each
    # spent a credit, and the ledger has refunds for the cancelled ones that were refunded
    def past(name: str, days_ago: int):
        return FitnessClassFactory(name=name, starts_at=timezone.now() - timedelta(days=days_ago))

    def refund():
        return CreditGrantFactory(member=member, reason="Refund")

    BookingFactory(member=member, fitness_class=past("Attended Spin", 1), status="attended")
    BookingFactory(
        member=member,
        fitness_class=past("Cancelled Yoga", 2),
        status="cancelled",
        cancelled_at=timezone.now() - timedelta(days=3),
        credit_grant=refund(),
        refund_grant=refund(),
    )
    BookingFactory(
        member=member,
        fitness_class=past("Late Boxing", 3),
        status="late_cancelled",
        cancelled_at=timezone.now() - timedelta(days=3),
        credit_grant=refund(),
    )
    BookingFactory(member=member, fitness_class=past("Unmarked Barre", 4), status="confirmed")
    BookingFactory(member=member, fitness_class=past("Missed HIIT", 5), status="no_show")
    cancelled_class = FitnessClassFactory(
        name="Pilates",
        starts_at=in_hours(24),
        cancelled_at=timezone.now(),
        cancellation_reason="Instructor ill",
    )
    BookingFactory(
        member=member,
        fitness_class=cancelled_class,
        status="cancelled",
        cancelled_at=timezone.now(),
        cancellation_reason="Instructor ill",
        credit_grant=refund(),
        refund_grant=refund(),
    )

    # when the member opens My bookings
    response = member_client.get(MINE)

    # then each says how it ended, the latest class first
    rows = re.findall(
        r'<th scope="row"[^>]*><a [^>]*>(.*?)</a></th>.*?<span class="outcome [^"]*">(.*?)</span>',
        response.content.decode(),
        re.S,
    )
    outcomes = [(html.unescape(name), html.unescape(outcome)) for name, outcome in rows]
    assert outcomes == [
        ("Pilates", "Class cancelled: Instructor ill (credit refunded)"),
        ("Attended Spin", "Attended"),
        ("Cancelled Yoga", "Cancelled (credit refunded)"),
        ("Late Boxing", "Late-cancelled (credit not refunded)"),
        ("Unmarked Barre", "Booked"),
        ("Missed HIIT", "No-show"),
    ]
    assert "No upcoming bookings." in text_of(response)


def test_the_history_shows_the_most_recent_bookings_only(member_client, member):
    # given more past bookings than the page shows
    for days_ago in range(1, HISTORY_LIMIT + 3):
        BookingFactory(
            member=member,
            fitness_class=FitnessClassFactory(
                name=f"Class {days_ago}", starts_at=timezone.now() - timedelta(days=days_ago)
            ),
            status="attended",
        )

    # when the member opens My bookings
    response = member_client.get(MINE)

    # then the latest are shown, and the page says there are more
    assert len(response.context["history"]) == HISTORY_LIMIT
    history = section(response, "history-heading")
    assert "Class 1 " in history
    assert f"Class {HISTORY_LIMIT + 1} " not in history
    assert f"Only your {HISTORY_LIMIT} most recent bookings are shown." in history


def test_only_the_members_own_bookings_and_entries_are_listed(member_client, member, other_member):
    # given Ben's booking, waitlist entry and past booking
    BookingFactory(member=other_member, fitness_class=FitnessClassFactory(name="Bens Spin"))
    WaitlistEntryFactory(member=other_member, fitness_class=full_class(name="Bens Boxing"))
    BookingFactory(
        member=other_member,
        fitness_class=FitnessClassFactory(
            name="Bens Yoga", starts_at=timezone.now() - timedelta(days=1)
        ),
    )

    # when Ana opens her bookings
    page = text_of(member_client.get(MINE))

    # then none of Ben's appear
    assert "Bens" not in page


@pytest.mark.parametrize("size", [2, 40], ids=["2 of each", "40 of each"])
def test_my_bookings_runs_the_same_queries_however_many_bookings_and_entries(
    member_client, member, size, django_assert_max_num_queries
):
    # given `size` upcoming bookings, `size` waitlist entries (each behind another member) and
    # `size` past bookings
    now = timezone.now()
    for index in range(size):
        BookingFactory(
            member=member,
            fitness_class=FitnessClassFactory(starts_at=now + timedelta(days=1, hours=index)),
        )
        waited = full_class(capacity=1, starts_at=now + timedelta(days=2, hours=index))
        WaitlistEntryFactory(fitness_class=waited, created_at=now - timedelta(hours=1))
        WaitlistEntryFactory(member=member, fitness_class=waited)
        BookingFactory(
            member=member,
            fitness_class=FitnessClassFactory(starts_at=now - timedelta(days=1, hours=index)),
            status="attended",
        )

    # when the member opens My bookings
    with django_assert_max_num_queries(MY_BOOKINGS_QUERIES):
        response = member_client.get(MINE)

    # then everything is listed
    assert len(response.context["upcoming"]) == size
    assert [entry.position for entry in response.context["waiting"]] == [2] * size
    assert len(response.context["history"]) == size
