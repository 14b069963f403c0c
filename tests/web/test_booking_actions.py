"""Booking, cancelling and the waitlist through the member's forms: each action is a POST with
CSRF that runs its use case and redirects with a message (Post/Redirect/Get). Every business
refusal shows the domain's own words and changes nothing; tampered requests (another member's
booking, a GET, a missing CSRF token) get 404/405/403 and change nothing."""

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking, WaitlistEntry
from domain import exceptions
from members.models import CreditGrant
from tests.factories import (
    BookingFactory,
    CreditGrantFactory,
    FitnessClassFactory,
    WaitlistEntryFactory,
    full_class,
)

pytestmark = pytest.mark.django_db


def described(fitness_class) -> str:
    """How messages name a class: “Spin, Tue 1 Dec 18:00”, in the gym's time zone."""
    local = timezone.localtime(fitness_class.starts_at)
    return f"{fitness_class.name}, {local:%a} {local.day} {local:%b %H:%M}"


def messages_of(response) -> list[str]:
    """The messages the page after the redirect showed."""
    return [str(message) for message in response.context["messages"]]


def levels_of(response) -> list[str]:
    """The level of each message (success, error, …) the page after the redirect showed."""
    return [message.level_tag for message in response.context["messages"]]


def class_url(fitness_class) -> str:
    return reverse("classes:detail", args=[fitness_class.pk])


def book_url(fitness_class) -> str:
    return reverse("bookings:book", args=[fitness_class.pk])


def cancel_url(booking) -> str:
    return reverse("bookings:cancel", args=[booking.pk])


def join_url(fitness_class) -> str:
    return reverse("bookings:join_waitlist", args=[fitness_class.pk])


def leave_url(fitness_class) -> str:
    return reverse("bookings:leave_waitlist", args=[fitness_class.pk])


def state_of_the_gym() -> tuple:
    """Everything an action could change: bookings, waitlist entries and credits."""
    return (
        sorted(Booking.objects.values_list("id", "status", "member_id", "fitness_class_id")),
        sorted(WaitlistEntry.objects.values_list("id", "member_id", "fitness_class_id")),
        sorted(CreditGrant.objects.values_list("id", "remaining")),
    )


def spendable(member) -> int:
    return sum(
        grant.remaining for grant in member.credit_grants.all() if grant.expires_at > timezone.now()
    )


# --- Booking ---------------------------------------------------------------------------------


def test_booking_spends_a_credit_and_redirects_to_the_class_page_with_a_message(
    member_client, member
):
    # given the member with 1 credit and Spin tomorrow, 3 of 10 booked
    CreditGrantFactory(member=member, amount=1)
    spin = FitnessClassFactory(name="Spin", capacity=10)
    BookingFactory.create_batch(3, fitness_class=spin)

    # when the member books it
    response = member_client.post(book_url(spin))

    # then the member is booked, the credit spent, and sent back to the class page
    assert response.status_code == 302
    assert response["Location"] == class_url(spin)
    assert Booking.objects.get(member=member, fitness_class=spin).status == "confirmed"
    assert spendable(member) == 0
    # and the class page says so, and now offers cancelling with 6 spots left
    page = member_client.get(response["Location"])
    assert messages_of(page) == [f"You're booked on {described(spin)}."]
    assert "6 of 10" in page.content.decode()


def test_a_double_submitted_booking_books_once(member_client, member):
    # given the member with 2 credits and an open class
    CreditGrantFactory(member=member, amount=2)
    spin = FitnessClassFactory()

    # when the booking form is submitted twice
    first = member_client.post(book_url(spin), follow=True)
    second = member_client.post(book_url(spin), follow=True)

    # then there is one booking, one credit spent, and the second shows the first's outcome
    assert Booking.objects.filter(member=member, fitness_class=spin).count() == 1
    assert spendable(member) == 1
    assert messages_of(first) == [f"You're booked on {described(spin)}."]
    assert messages_of(second) == [f"You're booked on {described(spin)}."]
    assert levels_of(second) == ["success"]


@pytest.mark.parametrize(
    ("situation", "message"),
    [
        ("no credits", exceptions.NoCreditsException.default_message),
        ("only an expired credit", exceptions.NoCreditsException.default_message),
        ("class full", "This class is full — join the waitlist?"),
        ("started 5 minutes ago", exceptions.ClassAlreadyStartedException.default_message),
        ("class cancelled", exceptions.ClassCancelledException.default_message),
        ("overlapping booking", exceptions.OverlappingBookingException.default_message),
    ],
)
def test_a_refused_booking_shows_the_domains_message_and_changes_nothing(
    member_client, member, situation, message
):
    # given a situation in which the member cannot book Spin
    now = timezone.now()
    starts_at = now + timedelta(days=1)
    if situation != "no credits":
        expired = situation == "only an expired credit"
        CreditGrantFactory(
            member=member,
            amount=1,
            granted_at=now - timedelta(days=31 if expired else 1),
            expires_at=now - timedelta(days=1) if expired else now + timedelta(days=29),
        )
    if situation == "class full":
        spin = full_class(capacity=2, name="Spin", starts_at=starts_at)
    elif situation == "started 5 minutes ago":
        spin = FitnessClassFactory(name="Spin", starts_at=now - timedelta(minutes=5))
    else:
        spin = FitnessClassFactory(name="Spin", starts_at=starts_at)
    if situation == "class cancelled":
        spin.cancelled_at = now
        spin.cancellation_reason = "Instructor ill"
        spin.save()
    if situation == "overlapping booking":
        yoga = FitnessClassFactory(name="Yoga", starts_at=starts_at + timedelta(minutes=30))
        BookingFactory(member=member, fitness_class=yoga)
    before = state_of_the_gym()

    # when the member tries to book
    response = member_client.post(book_url(spin), follow=True)

    # then the domain's message is shown on the class page, and nothing changed
    assert response.redirect_chain == [(class_url(spin), 302)]
    assert messages_of(response) == [message]
    assert state_of_the_gym() == before


def test_booking_an_unknown_class_is_not_found(member_client, member):
    CreditGrantFactory(member=member, amount=1)

    response = member_client.post(reverse("bookings:book", args=[uuid.uuid4()]))

    assert response.status_code == 404
    assert not Booking.objects.exists()


def test_booking_while_waiting_for_a_free_spot_takes_the_member_off_the_waitlist(
    member_client, member
):
    # given the member waiting for a class that has a free spot again
    CreditGrantFactory(member=member, amount=1)
    spin = FitnessClassFactory(capacity=2)
    BookingFactory(fitness_class=spin)
    WaitlistEntryFactory(member=member, fitness_class=spin)

    # when the member books it
    member_client.post(book_url(spin))

    # then the member is booked and no longer waiting
    assert Booking.objects.filter(member=member, fitness_class=spin, status="confirmed").exists()
    assert not WaitlistEntry.objects.filter(member=member).exists()


# --- Cancelling ------------------------------------------------------------------------------


def test_cancelling_outside_the_window_refunds_the_credit(member_client, member):
    # given the member booked on Spin starting in 3 hours (the window is 2 hours)
    spin = FitnessClassFactory(name="Spin", starts_at=timezone.now() + timedelta(hours=3))
    booking = BookingFactory(member=member, fitness_class=spin)

    # when the member cancels
    response = member_client.post(cancel_url(booking), follow=True)

    # then the booking is cancelled, a credit refunded, and the class page says so
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    assert spendable(member) == 1
    assert response.redirect_chain == [(class_url(spin), 302)]
    assert messages_of(response) == [
        f"Your booking for {described(spin)} is cancelled and your credit has been refunded."
    ]


def test_booking_inside_the_window_without_confirming_shows_the_warning_and_changes_nothing(
    member_client, member
):
    # given the member with a credit and Spin starting in 26 minutes (window 2 hours)
    CreditGrantFactory(member=member, amount=1)
    spin = FitnessClassFactory(starts_at=timezone.now() + timedelta(minutes=26, seconds=30))
    page = member_client.get(class_url(spin)).content.decode()
    assert "once you book, you cannot cancel" in page
    assert 'name="late_confirmed"' in page
    before = state_of_the_gym()

    # when the form is posted without ticking "I understand"
    response = member_client.post(book_url(spin), follow=True)

    # then the warning is shown and nothing changed
    assert messages_of(response) == [
        "This class starts in 26 minutes, and bookings can't be cancelled within 2 hours of the "
        "start: once you book, you cannot cancel."
    ]
    assert state_of_the_gym() == before

    # and ticking it books
    booked = member_client.post(book_url(spin), {"late_confirmed": "1"}, follow=True)
    assert messages_of(booked) == [f"You're booked on {described(spin)}."]
    assert Booking.objects.filter(member=member, fitness_class=spin, status="confirmed").exists()


def test_booking_before_the_window_asks_no_confirmation(member_client, member):
    CreditGrantFactory(member=member, amount=1)
    spin = FitnessClassFactory(starts_at=timezone.now() + timedelta(hours=3))

    assert 'name="late_confirmed"' not in member_client.get(class_url(spin)).content.decode()
    response = member_client.post(book_url(spin), follow=True)

    assert messages_of(response) == [f"You're booked on {described(spin)}."]


def test_cancelling_inside_the_window_is_refused_and_changes_nothing(member_client, member):
    # given the member booked on Spin starting in 1 hour, under the default refuse policy
    spin = FitnessClassFactory(starts_at=timezone.now() + timedelta(hours=1))
    booking = BookingFactory(member=member, fitness_class=spin)
    before = state_of_the_gym()

    # when the member tries to cancel
    response = member_client.post(cancel_url(booking), follow=True)

    # then the domain's refusal is shown, and nothing changed
    [message] = messages_of(response)
    assert message.startswith("You can't cancel within 2 hours of class start; this class starts")
    assert state_of_the_gym() == before


def test_cancelling_inside_the_window_under_forfeit_frees_the_spot_without_a_refund(
    late_cancellation_forfeits, services, member_client, member
):
    # given the forfeit policy and the member booked on Spin starting in 1 hour
    spin = FitnessClassFactory(name="Spin", starts_at=timezone.now() + timedelta(hours=1))
    booking = BookingFactory(member=member, fitness_class=spin)

    # when the member cancels
    response = member_client.post(cancel_url(booking), follow=True)

    # then it is a late cancellation: the spot is freed, no credit comes back
    booking.refresh_from_db()
    assert booking.status == "late_cancelled"
    assert spendable(member) == 0
    assert messages_of(response) == [
        f"Your booking for {described(spin)} is cancelled. It was a late cancellation, so your "
        "credit is not refunded."
    ]


def test_cancelling_a_class_that_started_5_minutes_ago_is_refused(member_client, member):
    spin = FitnessClassFactory(starts_at=timezone.now() - timedelta(minutes=5))
    booking = BookingFactory(member=member, fitness_class=spin)
    before = state_of_the_gym()

    response = member_client.post(cancel_url(booking), follow=True)

    assert messages_of(response) == [exceptions.ClassAlreadyStartedException.default_message]
    assert state_of_the_gym() == before


def test_a_double_submitted_cancellation_refunds_once(member_client, member):
    # given the member booked on a class tomorrow
    booking = BookingFactory(member=member)

    # when the cancel form is submitted twice
    member_client.post(cancel_url(booking), follow=True)
    second = member_client.post(cancel_url(booking), follow=True)

    # then one credit came back, and the second shows the first's outcome, not an error
    assert spendable(member) == 1
    assert messages_of(second) == [
        f"Your booking for {described(booking.fitness_class)} is cancelled and your credit has "
        "been refunded."
    ]
    assert levels_of(second) == ["success"]


def test_cancelling_promotes_the_first_waiting_member(
    member_client, member, other_member, django_capture_on_commit_callbacks
):
    # given a full class: the member booked, Ben (1 credit) waiting
    spin = full_class(capacity=1)
    Booking.objects.filter(fitness_class=spin).delete()
    booking = BookingFactory(member=member, fitness_class=spin)
    CreditGrantFactory(member=other_member, amount=1)
    WaitlistEntryFactory(member=other_member, fitness_class=spin)

    # when the member cancels (and the after-commit handlers run)
    with django_capture_on_commit_callbacks(execute=True):
        member_client.post(cancel_url(booking))

    # then Ben has the spot
    assert Booking.objects.get(fitness_class=spin, status="confirmed").member == other_member
    assert not WaitlistEntry.objects.exists()


def test_a_safe_next_address_is_where_the_member_returns(member_client, member):
    booking = BookingFactory(member=member)

    response = member_client.post(cancel_url(booking), {"next": reverse("bookings:mine")})

    assert response["Location"] == reverse("bookings:mine")


@pytest.mark.parametrize("unsafe", ["https://evil.example/", "//evil.example/", "javascript:x"])
def test_an_address_off_the_site_is_ignored(member_client, member, unsafe):
    booking = BookingFactory(member=member)

    response = member_client.post(cancel_url(booking), {"next": unsafe})

    assert response["Location"] == class_url(booking.fitness_class)


# --- Waitlist --------------------------------------------------------------------------------


def test_joining_the_waitlist_of_a_full_class_says_the_position(member_client, member):
    # given a full class with one member waiting
    spin = full_class(capacity=1, name="Spin")
    WaitlistEntryFactory(fitness_class=spin, created_at=timezone.now() - timedelta(hours=1))

    # when the member joins the waitlist
    response = member_client.post(join_url(spin), follow=True)

    # then the member is second, and told so on the class page
    assert WaitlistEntry.objects.filter(member=member, fitness_class=spin).exists()
    assert response.redirect_chain == [(class_url(spin), 302)]
    assert messages_of(response) == [f"You're number 2 on the waitlist for {described(spin)}."]
    assert "You are number 2 on the waitlist" in response.content.decode()


@pytest.mark.parametrize(
    ("situation", "message"),
    [
        ("free spots", exceptions.WaitlistNotNeededException.default_message),
        ("already booked", exceptions.AlreadyBookedException.default_message),
        ("started 5 minutes ago", exceptions.ClassAlreadyStartedException.default_message),
    ],
)
def test_a_refused_waitlist_join_shows_the_domains_message_and_changes_nothing(
    member_client, member, situation, message
):
    # given a class the member cannot queue for
    if situation == "free spots":
        spin = FitnessClassFactory(capacity=2)
    elif situation == "started 5 minutes ago":
        spin = full_class(capacity=1, starts_at=timezone.now() - timedelta(minutes=5))
    else:
        spin = full_class(capacity=1)
    if situation == "already booked":
        Booking.objects.filter(fitness_class=spin).update(member=member)
    before = state_of_the_gym()

    # when the member tries to join the waitlist
    response = member_client.post(join_url(spin), follow=True)

    # then the domain's message is shown, and nothing changed
    assert messages_of(response) == [message]
    assert state_of_the_gym() == before


def test_leaving_the_waitlist_moves_everyone_behind_up(member_client, member, other_member):
    # given a full class: the member waiting first, Ben second
    spin = full_class(capacity=1, name="Spin")
    WaitlistEntryFactory(
        member=member, fitness_class=spin, created_at=timezone.now() - timedelta(hours=1)
    )
    WaitlistEntryFactory(member=other_member, fitness_class=spin)

    # when the member leaves the waitlist
    response = member_client.post(leave_url(spin), follow=True)

    # then the member is gone, told so, and Ben is now first
    assert not WaitlistEntry.objects.filter(member=member).exists()
    assert messages_of(response) == [f"You've left the waitlist for {described(spin)}."]
    ben_sees = Client()
    ben_sees.force_login(other_member.user)
    assert "You are number 1 on the waitlist" in ben_sees.get(class_url(spin)).content.decode()


def test_a_double_submitted_waitlist_join_queues_once_and_says_the_place(
    member_client, member, other_member
):
    # given a full class with another member waiting
    spin = full_class(capacity=1)
    WaitlistEntryFactory(member=other_member, fitness_class=spin)

    # when the join form is submitted twice
    first = member_client.post(join_url(spin), follow=True)
    second = member_client.post(join_url(spin), follow=True)

    # then she waits once, and the second shows the first's outcome, not an error
    assert WaitlistEntry.objects.filter(member=member, fitness_class=spin).count() == 1
    expected = [f"You're number 2 on the waitlist for {described(spin)}."]
    assert messages_of(first) == messages_of(second) == expected
    assert levels_of(second) == ["success"]


def test_a_double_submitted_waitlist_leave_shows_the_first_outcome(member_client, member):
    # given she waits for a full class
    spin = full_class(capacity=1)
    WaitlistEntryFactory(member=member, fitness_class=spin)

    # when the leave form is submitted twice
    member_client.post(leave_url(spin), follow=True)
    second = member_client.post(leave_url(spin), follow=True)

    # then she is off the list, and the second says so too
    assert not WaitlistEntry.objects.filter(member=member).exists()
    assert messages_of(second) == [f"You've left the waitlist for {described(spin)}."]
    assert levels_of(second) == ["success"]


def test_leaving_a_waitlist_after_being_promoted_says_she_is_booked(member_client, member):
    # given she was promoted from the waitlist before her "Leave" click arrived
    spin = FitnessClassFactory(capacity=1)
    BookingFactory(member=member, fitness_class=spin)

    # when she leaves the waitlist
    response = member_client.post(leave_url(spin), follow=True)

    # then she is told she is booked, not that she left
    assert messages_of(response) == [
        f"You're no longer on the waitlist: a spot came up and you're booked on {described(spin)}."
    ]


def test_leaving_a_waitlist_the_member_is_not_on_is_a_message_not_an_error(member_client):
    # given a full class the member is not waiting for (a second click on "Leave")
    spin = full_class(capacity=1)
    before = state_of_the_gym()

    # when the member leaves it
    response = member_client.post(leave_url(spin), follow=True)

    # then it says what the first click did (she is not waiting), and nothing changed
    assert response.status_code == 200
    assert messages_of(response) == [f"You've left the waitlist for {described(spin)}."]
    assert state_of_the_gym() == before


def test_leaving_the_waitlist_of_a_class_that_started_is_refused(member_client, member):
    spin = full_class(capacity=1, starts_at=timezone.now() - timedelta(minutes=5))
    WaitlistEntryFactory(member=member, fitness_class=spin)
    before = state_of_the_gym()

    response = member_client.post(leave_url(spin), follow=True)

    assert messages_of(response) == [exceptions.ClassAlreadyStartedException.default_message]
    assert state_of_the_gym() == before


@pytest.mark.parametrize("url_name", ["join_waitlist", "leave_waitlist"])
def test_the_waitlist_of_an_unknown_class_is_not_found(member_client, url_name):
    response = member_client.post(reverse(f"bookings:{url_name}", args=[uuid.uuid4()]))

    assert response.status_code == 404


# --- Tampered requests (scenarios 29 and 30) -------------------------------------------------


def test_another_members_booking_is_not_found_and_stays_booked(member_client, member, other_member):
    # given Ben's booking on a class tomorrow
    bens_booking = BookingFactory(member=other_member)
    before = state_of_the_gym()

    # when Ana posts to cancel it
    response = member_client.post(cancel_url(bens_booking))

    # then it is "not found" — exactly as for a booking that does not exist — and unchanged
    assert response.status_code == 404
    unknown = member_client.post(reverse("bookings:cancel", args=[uuid.uuid4()]))
    assert unknown.status_code == 404
    assert state_of_the_gym() == before
    # and Ana's own bookings page does not show it
    mine = member_client.get(reverse("bookings:mine"))
    assert str(bens_booking.pk) not in mine.content.decode()


def the_actions(member) -> dict[str, str]:
    """One URL of each action, with the member in the state where it would succeed."""
    CreditGrantFactory(member=member, amount=1)
    open_class = FitnessClassFactory(name="Open")
    booking = BookingFactory(member=member, fitness_class=FitnessClassFactory(name="Booked"))
    full = full_class(capacity=1, name="Full")
    waiting = full_class(capacity=1, name="Waiting")
    WaitlistEntryFactory(member=member, fitness_class=waiting)
    return {
        "book": book_url(open_class),
        "cancel": cancel_url(booking),
        "join_waitlist": join_url(full),
        "leave_waitlist": leave_url(waiting),
    }


@pytest.mark.parametrize("action", ["book", "cancel", "join_waitlist", "leave_waitlist"])
def test_a_get_on_an_action_is_not_allowed_and_changes_nothing(member_client, member, action):
    url = the_actions(member)[action]
    before = state_of_the_gym()

    response = member_client.get(url)

    assert response.status_code == 405
    assert state_of_the_gym() == before


@pytest.mark.parametrize("action", ["book", "cancel", "join_waitlist", "leave_waitlist"])
def test_a_post_without_a_csrf_token_is_forbidden_and_changes_nothing(member, action):
    url = the_actions(member)[action]
    client = Client(enforce_csrf_checks=True)
    client.force_login(member.user)
    before = state_of_the_gym()

    response = client.post(url)

    assert response.status_code == 403
    assert state_of_the_gym() == before


def test_the_forms_carry_the_csrf_token_that_makes_the_post_succeed(member):
    # given a client that enforces CSRF, and an open class the member can book
    CreditGrantFactory(member=member, amount=1)
    spin = FitnessClassFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(member.user)

    # when the member submits the form with the token the class page carries
    page = client.get(class_url(spin))
    token = page.context["csrf_token"]
    response = client.post(book_url(spin), {"csrfmiddlewaretoken": str(token)})

    # then the booking is made
    assert response.status_code == 302
    assert Booking.objects.filter(member=member, fitness_class=spin).exists()


@pytest.mark.parametrize("action", ["book", "cancel", "join_waitlist", "leave_waitlist"])
def test_anonymous_posts_are_sent_to_log_in_and_change_nothing(client, member, action):
    url = the_actions(member)[action]
    before = state_of_the_gym()

    response = client.post(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert state_of_the_gym() == before
