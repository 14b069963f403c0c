"""The class page: the class's details, spots left and waiting count, and the one action that
applies to the member — with what a cancellation would cost under the gym's policy said before
the member confirms it."""

import html
import re
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from domain import exceptions
from tests.factories import (
    BookingFactory,
    CreditGrantFactory,
    FitnessClassFactory,
    WaitlistEntryFactory,
    full_class,
    limited_to,
)

pytestmark = pytest.mark.django_db

# session; her login with her member; the class with its counts; all she is in it and what
# the rules ask of her (her booking, waitlist position, upcoming bookings, the spots she
# holds, her spendable credits shown with "Book": `classes.member_reads`), after her live
# membership (whether it pays for the class instead of a credit); the header's unread count.
CLASS_PAGE_QUERIES = 6
# Waiting, or about to: the past classes like it, and their waitlists' history (the odds).
ODDS_QUERIES = 2

ACTIONS = {
    "/book/": "book",
    "/cancel/": "cancel",
    "/waitlist/join/": "join_waitlist",
    "/waitlist/leave/": "leave_waitlist",
}


def class_url(fitness_class) -> str:
    return reverse("classes:detail", args=[fitness_class.pk])


def text_of(response) -> str:
    """The page as a person reads it: tags stripped, entities decoded, spaces collapsed."""
    without_tags = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(without_tags).split())


def actions_on(response) -> list[str]:
    """The member actions the page offers, by the POST forms it carries (CSRF included)."""
    content = response.content.decode()
    found = []
    for form in re.findall(
        r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', content, re.S
    ):
        action, body = form
        name = next((name for suffix, name in ACTIONS.items() if action.endswith(suffix)), None)
        if name is None:
            continue  # the header's sign-out form
        assert 'name="csrfmiddlewaretoken"' in body, f"{name} form without a CSRF token"
        found.append(name)
    return found


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    fitness_class = FitnessClassFactory()

    response = client.get(class_url(fitness_class))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_unknown_class_is_not_found(member_client):
    response = member_client.get(reverse("classes:detail", args=[uuid.uuid4()]))

    assert response.status_code == 404


def test_a_malformed_class_id_is_not_found(member_client):
    response = member_client.get("/classes/not-a-class/")

    assert response.status_code == 404


def test_the_page_shows_the_description_details_spots_left_and_waiting_count(member_client):
    # given a class with a description, 3 of 10 spots taken
    fitness_class = FitnessClassFactory(
        name="Spin",
        description="High-energy cycling.\n\nBring water.",
        instructor="Kim",
        location="Studio 1",
        capacity=10,
    )
    BookingFactory.create_batch(3, fitness_class=fitness_class)

    # when the member opens it
    response = member_client.get(class_url(fitness_class))

    # then everything about it is there
    assert response.status_code == 200
    page = text_of(response)
    assert "High-energy cycling." in page
    assert "Bring water." in page
    assert "Instructor Kim" in page
    assert "Location Studio 1" in page
    assert "Spots left 7 of 10" in page
    assert "Waiting 0" in page
    starts = timezone.localtime(fitness_class.starts_at)
    assert f'<time datetime="{starts.isoformat()}">' in response.content.decode()


def test_an_open_class_offers_booking_with_the_members_credits(member_client, member):
    # given the member with 3 spendable credits (and 2 expired) and an open class
    CreditGrantFactory(member=member, amount=3)
    CreditGrantFactory(
        member=member,
        amount=2,
        granted_at=timezone.now() - timedelta(days=40),
        expires_at=timezone.now() - timedelta(days=1),
    )
    fitness_class = FitnessClassFactory()

    # when the member opens the class
    response = member_client.get(class_url(fitness_class))

    # then booking is the one action, saying what it costs
    assert actions_on(response) == ["book"]
    assert "Book — uses 1 credit; you have 3" in text_of(response)


def test_booking_counts_only_the_credits_that_pay_for_the_class(member_client, member):
    # given 2 open credits, 3 for Yoga (any case) and 4 for Riverside only, and a Yoga class
    # at Studio 1
    CreditGrantFactory(member=member, amount=2)
    CreditGrantFactory(member=member, amount=3, scope=limited_to(class_names=("yoga",)))
    CreditGrantFactory(member=member, amount=4, scope=limited_to(locations=("Riverside",)))
    fitness_class = FitnessClassFactory(name="Yoga", location="Studio 1")

    # when the member opens the class
    response = member_client.get(class_url(fitness_class))

    # then booking counts the open and the Yoga credits, not Riverside's
    assert actions_on(response) == ["book"]
    assert "Book — uses 1 credit; you have 5" in text_of(response)


def test_a_member_without_credits_is_told_so_before_she_acts_and_pointed_to_the_shop(
    member_client,
):
    # given an open class and a member without credits
    fitness_class = FitnessClassFactory()

    # when the member opens the class
    response = member_client.get(class_url(fitness_class))

    # then no booking is offered: the page says why, with a way to the shop and to credits
    assert actions_on(response) == []
    page = text_of(response)
    assert "You can't book this class now" in page
    assert exceptions.NoCreditsException.default_message in page
    assert f'<a href="{reverse("sales:shop")}">Buy a class pack or a membership</a>' in (
        response.content.decode()
    )
    assert f'href="{reverse("members:credits")}"' in response.content.decode()


def test_a_full_class_offers_the_waitlist_with_the_position_the_member_would_get(member_client):
    # given a full class with 2 members waiting
    fitness_class = full_class(capacity=2)
    WaitlistEntryFactory.create_batch(2, fitness_class=fitness_class)

    # when the member opens it
    response = member_client.get(class_url(fitness_class))

    # then joining the waitlist is the one action, at position 3
    assert actions_on(response) == ["join_waitlist"]
    page = text_of(response)
    assert "You will be number 3 on the waitlist" in page
    assert "Spots left 0 of 2" in page
    assert "Waiting 2" in page
    # and with no history of classes like it, its odds are not guessed
    assert "Too few past classes like this one had a number 3 on the waitlist" in page


def test_a_waiting_member_is_offered_to_leave_the_waitlist(member_client, member):
    # given a full class where the member waits second
    fitness_class = full_class(capacity=1)
    WaitlistEntryFactory(
        fitness_class=fitness_class, created_at=timezone.now() - timedelta(hours=1)
    )
    WaitlistEntryFactory(member=member, fitness_class=fitness_class)

    # when the member opens it
    response = member_client.get(class_url(fitness_class))

    # then leaving is the one action, and the position is shown
    assert actions_on(response) == ["leave_waitlist"]
    page = text_of(response)
    assert "You are number 2 on the waitlist" in page
    assert "On the waitlist at position 2" in page


def test_a_waiting_member_may_book_a_spot_that_is_free(member_client, member):
    # given a class with a free spot that nobody eligible took, the member waiting for it
    CreditGrantFactory(member=member, amount=1)
    fitness_class = FitnessClassFactory(capacity=2)
    BookingFactory(fitness_class=fitness_class)
    WaitlistEntryFactory(member=member, fitness_class=fitness_class)

    # when the member opens it
    response = member_client.get(class_url(fitness_class))

    # then booking is offered (it takes the member off the waitlist)
    assert actions_on(response) == ["book"]
    assert "You are number 1 on the waitlist, and a spot is free" in text_of(response)


def test_a_booked_member_is_told_the_credit_will_be_refunded_outside_the_window(
    member_client, member
):
    # given the member booked on a class in 3 hours (the window is 2 hours)
    fitness_class = FitnessClassFactory(starts_at=timezone.now() + timedelta(hours=3))
    booking = BookingFactory(member=member, fitness_class=fitness_class)

    # when the member opens it
    response = member_client.get(class_url(fitness_class))

    # then cancelling is the one action, and it says the credit comes back
    assert actions_on(response) == ["cancel"]
    assert reverse("bookings:cancel", args=[booking.pk]) in response.content.decode()
    page = text_of(response)
    assert "Your credit will be refunded." in page
    assert "Booked" in page


def test_inside_the_window_with_the_refuse_policy_no_cancel_button_is_shown(
    services, member_client, member
):
    # given the refuse policy and the member booked on a class in 1 hour
    assert services.policy.late_cancellation == "refuse"
    fitness_class = FitnessClassFactory(starts_at=timezone.now() + timedelta(hours=1))
    BookingFactory(member=member, fitness_class=fitness_class)

    # when the member opens it
    response = member_client.get(class_url(fitness_class))

    # then no action is offered, and the page says why
    assert actions_on(response) == []
    assert "Cancellation closes 2 hours before the start." in text_of(response)


def test_inside_the_window_with_the_forfeit_policy_the_cost_is_said_before_cancelling(
    late_cancellation_forfeits, services, member_client, member
):
    # given the forfeit policy and the member booked on a class in 1 hour
    assert services.policy.late_cancellation == "forfeit"
    fitness_class = FitnessClassFactory(starts_at=timezone.now() + timedelta(hours=1))
    BookingFactory(member=member, fitness_class=fitness_class)

    # when the member opens it
    response = member_client.get(class_url(fitness_class))

    # then cancelling is offered, saying the credit is lost
    assert actions_on(response) == ["cancel"]
    assert (
        "Cancelling now is a late cancellation: the spot is freed but your credit is not "
        "refunded." in text_of(response)
    )


def test_the_window_follows_the_setting(
    four_hour_cancellation_window, services, member_client, member
):
    # given a 4-hour window and the member booked on a class in 3 hours
    assert services.policy.cancellation_window == timedelta(hours=4)
    fitness_class = FitnessClassFactory(starts_at=timezone.now() + timedelta(hours=3))
    BookingFactory(member=member, fitness_class=fitness_class)

    # when the member opens the class
    response = member_client.get(class_url(fitness_class))

    # then cancelling is closed, 4 hours before the start
    assert actions_on(response) == []
    assert "Cancellation closes 4 hours before the start." in text_of(response)


def test_a_cancelled_class_shows_its_reason_and_no_action(member_client, member):
    # given a class the gym cancelled, with a reason, and credits to book with
    CreditGrantFactory(member=member, amount=1)
    fitness_class = FitnessClassFactory()
    fitness_class.cancelled_at = timezone.now()
    fitness_class.cancellation_reason = "Instructor ill"
    fitness_class.save()

    # when the member opens it
    response = member_client.get(class_url(fitness_class))

    # then the reason is shown and nothing can be done
    assert actions_on(response) == []
    page = text_of(response)
    assert "This class is cancelled" in page
    assert "Instructor ill" in page


def test_a_member_checked_in_before_the_start_is_shown_as_checked_in_with_no_action(
    member_client, member
):
    # given the front desk marked the member attended half an hour before a full class
    fitness_class = full_class(capacity=1, starts_at=timezone.now() + timedelta(minutes=30))
    BookingFactory(member=member, fitness_class=fitness_class, status="attended")
    fitness_class.capacity = 2
    fitness_class.save()

    # when the member opens it
    response = member_client.get(class_url(fitness_class))

    # then the member still holds the spot: no book, waitlist or cancel action
    assert actions_on(response) == []
    assert "Checked in" in text_of(response)


@pytest.mark.parametrize("booked", [False, True], ids=["not booked", "booked"])
def test_a_class_that_has_started_offers_no_action(member_client, member, booked):
    # given a class that started 5 minutes ago
    CreditGrantFactory(member=member, amount=1)
    fitness_class = FitnessClassFactory(starts_at=timezone.now() - timedelta(minutes=5))
    if booked:
        BookingFactory(member=member, fitness_class=fitness_class)

    # when the member opens it
    response = member_client.get(class_url(fitness_class))

    # then it is past, and nothing can be done
    assert actions_on(response) == []
    page = text_of(response)
    assert "This class has started" in page
    assert "Past" in page


@pytest.mark.parametrize("size", [2, 40], ids=["2 each", "40 each"])
@pytest.mark.parametrize("state", ["open", "booked", "waiting"])
def test_the_class_page_runs_the_same_queries_however_many_are_booked_and_waiting(
    member_client, member, size, state, django_assert_max_num_queries
):
    # given a class with `size` confirmed bookings and `size` waiting, and the member open to
    # book it, booked on it, or waiting for it (behind everyone else)
    CreditGrantFactory.create_batch(size, member=member)
    fitness_class = FitnessClassFactory(capacity=2 * size)
    BookingFactory.create_batch(size, fitness_class=fitness_class)
    WaitlistEntryFactory.create_batch(
        size, fitness_class=fitness_class, created_at=timezone.now() - timedelta(hours=1)
    )
    if state == "booked":
        BookingFactory(member=member, fitness_class=fitness_class)
    elif state == "waiting":
        WaitlistEntryFactory(member=member, fitness_class=fitness_class)

    # when the member opens the class
    with django_assert_max_num_queries(CLASS_PAGE_QUERIES + ODDS_QUERIES * (state == "waiting")):
        response = member_client.get(class_url(fitness_class))

    # then the page shows the counts and the member's state
    page = text_of(response)
    assert f"Waiting {size + (state == 'waiting')}" in page
    if state == "open":
        assert f"you have {size}" in page
    if state == "waiting":
        assert f"You are number {size + 1} on the waitlist" in page
