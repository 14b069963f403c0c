"""What a member page costs before its view runs: the session, then her login and her member
profile read together in one query (every member page needs both); and what a cancellation
reads after its use case."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking
from members.models import Member
from tests.factories import BookingFactory, FitnessClassFactory

MEMBERS = Member._meta.db_table
USERS = get_user_model()._meta.db_table


def _reads(queries, table: str) -> list[str]:
    return [
        q["sql"] for q in queries if q["sql"].startswith("SELECT") and f'FROM "{table}"' in q["sql"]
    ]


def test_a_member_page_reads_her_login_and_her_member_in_one_query(member_client, member):
    with CaptureQueriesContext(connection) as queries:
        response = member_client.get(reverse("members:credits"))

    assert response.status_code == 200
    assert response.wsgi_request.member == member
    logins = _reads(queries, USERS)
    assert len(logins) == 1
    assert f'JOIN "{MEMBERS}"' in logins[0]
    assert not [sql for sql in _reads(queries, MEMBERS) if f'"{MEMBERS}"."user_id" =' in sql]


def test_a_login_without_a_member_still_gets_the_page_that_says_so(client, django_user_model):
    user = django_user_model.objects.create_user(username="nomember@example.com")
    client.force_login(user)

    response = client.get(reverse("members:credits"))

    assert response.status_code == 403
    assert b"nomember@example.com" in response.content


def test_a_deactivated_login_is_signed_out(member_client, member):
    member.user.is_active = False
    member.user.save(update_fields=["is_active"])

    response = member_client.get(reverse("members:credits"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_cancellation_goes_back_to_its_class_without_reading_the_booking_again(
    member_client, member
):
    # given her booking on a class next week
    fitness_class = FitnessClassFactory(starts_at=timezone.now() + timedelta(days=7))
    booking = BookingFactory(member=member, fitness_class=fitness_class)

    # when she cancels it
    with CaptureQueriesContext(connection) as queries:
        response = member_client.post(reverse("bookings:cancel", args=[booking.pk]))

    # then she is sent back to the class page, its id taken from the use case's answer
    assert response.status_code == 302
    assert response["Location"] == reverse("classes:detail", args=[fitness_class.pk])
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    table = Booking._meta.db_table
    assert not [q for q in _reads(queries, table) if q.startswith(f'SELECT "{table}"."fitness')]
