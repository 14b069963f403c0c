"""A mail server that accepts connections and never answers must not slow a member down: in
inline mode a booking or a cancellation commits, runs its database handlers (the in-app
notice, the promotion) and redirects with its message at once, and its e-mail waits in the
mail queue for the workers. Through the test client, and over real HTTP (live server).

The mailer's timeout is 10 s here: any e-mail sent on the request would show as a request
taking 10 s (or failing), not the fraction of a second these allow.
"""

import re
import time
from http.cookiejar import CookieJar
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, Request, build_opener

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking, WaitlistEntry
from events.models import Delivery
from notifications.models import Notification
from tests.factories import (
    BookingFactory,
    CreditGrantFactory,
    FitnessClassFactory,
    WaitlistEntryFactory,
)
from tests.smtp import mailers_for
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

SMTP_TIMEOUT = 10.0
FAST_ENOUGH = 2.0  # seconds, for a whole request: far below the mail server's timeout


@pytest.fixture
def unanswering_mail_server(settings, black_hole_smtp):
    """Inline delivery (the default), e-mail through an SMTP server that never answers."""
    settings.GYM_EVENT_DELIVERY = "inline"
    settings.MAILERS = mailers_for(black_hole_smtp.url, timeout=SMTP_TIMEOUT)
    return black_hole_smtp


def described(fitness_class) -> str:
    local = timezone.localtime(fitness_class.starts_at)
    return f"{fitness_class.name}, {local:%a} {local.day} {local:%b %H:%M}"


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def e_mail_deliveries() -> set[tuple[str, str, str, int]]:
    return set(
        Delivery.objects.filter(handler="NotificationHandler.email").values_list(
            "event__type", "queue", "status", "attempts"
        )
    )


def test_booking_with_an_unanswering_mail_server_is_fast_and_leaves_the_e_mail_to_workers(
    unanswering_mail_server, services, member_client, member
):
    # given a member with a credit and an open class
    CreditGrantFactory(member=member, amount=1)
    spin = FitnessClassFactory(name="Spin", capacity=10)

    # when the member books it, and follows the redirect
    response, took = timed(lambda: member_client.post(reverse("bookings:book", args=[spin.pk])))
    page = member_client.get(response["Location"])

    # then the request was fast and redirected to the class page with the success message
    assert took < FAST_ENOUGH, f"the booking took {took:.1f} s"
    assert response.status_code == 302
    assert response["Location"] == reverse("classes:detail", args=[spin.pk])
    assert messages_of(page) == [f"You're booked on {described(spin)}."]
    # and the booking exists, with its in-app notice delivered inline
    assert Booking.objects.get(member=member, fitness_class=spin).status == "confirmed"
    assert Notification.objects.filter(member=member, kind="booking_confirmed").count() == 1
    # and the e-mail was not tried: it waits in the mail queue for the workers
    assert e_mail_deliveries() == {("BookingConfirmed", "mail", "pending", 0)}
    assert unanswering_mail_server.connections == []


def test_asking_for_a_password_reset_with_an_unanswering_mail_server_is_fast(
    unanswering_mail_server, services, client, member
):
    # when a member who forgot her password asks for a link
    response, took = timed(
        lambda: client.post(reverse("password_reset"), {"email": member.email.upper()})
    )

    # then the answer came at once, and the link waits in the mail queue for the workers
    assert took < FAST_ENOUGH, f"the reset took {took:.1f} s"
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert set(Delivery.objects.values_list("event__type", "queue", "status")) == {
        ("PasswordResetRequested", "mail", "pending")
    }
    assert unanswering_mail_server.connections == []


def test_cancelling_with_an_unanswering_mail_server_still_promotes_inline_and_is_fast(
    unanswering_mail_server, services, member_client, member, other_member
):
    # given the member holds the only spot of Spin; Ben (with a credit) waits for it
    spin = FitnessClassFactory(name="Spin", capacity=1)
    booking = BookingFactory(member=member, fitness_class=spin)
    CreditGrantFactory(member=other_member, amount=1)
    WaitlistEntryFactory(member=other_member, fitness_class=spin)

    # when the member cancels
    response, took = timed(
        lambda: member_client.post(reverse("bookings:cancel", args=[booking.pk]), follow=True)
    )

    # then the request was fast, successful, and said so
    assert took < FAST_ENOUGH, f"the cancellation took {took:.1f} s"
    assert response.status_code == 200
    assert messages_of(response) == [
        f"Your booking for {described(spin)} is cancelled and your credit has been refunded."
    ]
    # and Ben was promoted inline and told so in the app
    assert Booking.objects.get(member=other_member, fitness_class=spin).status == "confirmed"
    assert not WaitlistEntry.objects.filter(member=other_member).exists()
    assert Notification.objects.filter(member=other_member, kind="promoted_from_waitlist").exists()
    # and both e-mails wait for the workers, untried
    assert e_mail_deliveries() == {
        ("BookingCancelled", "mail", "pending", 0),
        ("MemberPromotedFromWaitlist", "mail", "pending", 0),
    }
    assert unanswering_mail_server.connections == []


def test_a_mail_worker_facing_the_unanswering_server_gives_up_after_the_timeout_and_retries_later(
    settings, black_hole_smtp, services, member_client, member, mail_worker
):
    # given a booking whose e-mail is due, and a mail server that never answers (1 s timeout)
    settings.MAILERS = mailers_for(black_hole_smtp.url, timeout=1)
    CreditGrantFactory(member=member, amount=1)
    member_client.post(reverse("bookings:book", args=[FitnessClassFactory().pk]))

    # when a mail worker runs
    output, took = timed(mail_worker)

    # then it gave up after about the timeout, and the e-mail is failed, to be retried
    assert output == "Ran 1 delivery."
    assert took < 1 + FAST_ENOUGH
    delivery = Delivery.objects.get(handler="NotificationHandler.email")
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert "timed out" in delivery.last_error
    assert delivery.next_attempt_at > timezone.now()


# --- Over real HTTP ----------------------------------------------------------------------------


class Browser:
    """Just enough of a browser for a live server: cookies, and the CSRF token of a page."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.cookies = CookieJar()
        self.opener = build_opener(HTTPCookieProcessor(self.cookies))

    def get(self, path: str):
        return self.opener.open(self.base_url + path, timeout=30)

    def post(self, path: str, data: dict[str, str] | None = None, *, csrf_from: str):
        form = self.get(csrf_from).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        body = urlencode({"csrfmiddlewaretoken": token, **(data or {})}).encode()
        request = Request(self.base_url + path, data=body, headers={"Referer": self.base_url})
        return self.opener.open(request, timeout=30)


def test_over_http_a_booking_with_an_unanswering_mail_server_is_fast_and_successful(
    unanswering_mail_server, services, live_server, member
):
    # given a member with a credit, signed in, and an open class
    CreditGrantFactory(member=member, amount=1)
    spin = FitnessClassFactory(name="Spin", capacity=10)
    browser = Browser(live_server.url)
    login = reverse("login")
    browser.post(login, {"username": member.email, "password": PASSWORD}, csrf_from=login)
    class_page = reverse("classes:detail", args=[spin.pk])

    # when the member books the class from its page (the redirect is followed)
    response, took = timed(
        lambda: browser.post(reverse("bookings:book", args=[spin.pk]), csrf_from=class_page)
    )

    # then the answer came fast: the class page, saying the member is booked
    assert took < FAST_ENOUGH, f"the booking took {took:.1f} s"
    assert response.status == 200
    assert response.url == live_server.url + class_page
    assert "You&#x27;re booked on Spin" in response.read().decode()
    # and the booking and its in-app notice exist; the e-mail waits for the workers
    assert Booking.objects.get(member=member, fitness_class=spin).status == "confirmed"
    assert Notification.objects.filter(member=member, kind="booking_confirmed").exists()
    assert e_mail_deliveries() == {("BookingConfirmed", "mail", "pending", 0)}
