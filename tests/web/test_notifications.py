"""The member's notifications page, marking them read, and the unread count in the header.

Setup rows are made directly (a local factory); how notices become rows is covered in
tests/integration/test_in_app_notifications.py.
"""

from datetime import timedelta

import factory
import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from application.ports import NoticeKind
from notifications.context_processors import unread_notifications
from notifications.models import Notification
from notifications.queries import PAGE_SIZE
from tests.factories import FitnessClassFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("notifications:list")
MARK_ALL_READ_URL = reverse("notifications:mark_all_read")
# session, user with her member, the page's count, its rows, the unread count in the header
LIST_QUERIES = 5


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    kind = NoticeKind.BOOKING_CONFIRMED.value
    fitness_class = factory.SubFactory(FitnessClassFactory)
    title = factory.Sequence(lambda n: f"You're booked: Spin {n}")
    body = "You're booked. See you there!"
    created_at = factory.LazyFunction(timezone.now)


def notify(member, title, *, minutes_ago=0, read=False, **fields):
    created_at = timezone.now() - timedelta(minutes=minutes_ago)
    return NotificationFactory(
        member=member,
        title=title,
        created_at=created_at,
        read_at=created_at + timedelta(seconds=1) if read else None,
        **fields,
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_list_shows_the_members_notifications_newest_first_with_the_unread_marked(
    member_client, member
):
    # given an old read notification and a newer unread one
    notify(member, "You're booked: Yoga", minutes_ago=60, read=True)
    unread = notify(member, "You're in! A spot opened up: Spin", minutes_ago=5)

    # when Ana opens her notifications
    response = member_client.get(LIST_URL)

    # then both are listed, newest first, and only the unread one is marked as new
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("You&#x27;re in! A spot") < html.index("You&#x27;re booked: Yoga")
    [page_item] = [n for n in response.context["page"] if n.pk == unread.pk]
    assert page_item.is_unread
    assert html.count('class="notification notification-unread"') == 1
    assert html.count('class="notification"') == 1
    assert html.count("badge-unread") == 1
    # and the unread one links to its class page
    assert reverse("classes:detail", args=[unread.fitness_class_id]) in html


def test_opening_the_list_does_not_mark_anything_read(member_client, member):
    # given an unread notification
    notification = notify(member, "You're booked: Spin")

    # when Ana opens the list twice
    member_client.get(LIST_URL)
    response = member_client.get(LIST_URL)

    # then it is still unread, and the header still counts it
    notification.refresh_from_db()
    assert notification.read_at is None
    assert '<span class="count-badge">1<span class="visually-hidden"> unread</span></span>' in (
        response.content.decode()
    )


def test_a_notification_whose_class_is_gone_is_shown_without_a_link(member_client, member):
    # given a notification about a class that was deleted since
    notification = notify(member, "Class cancelled: Pilates")
    class_url = reverse("classes:detail", args=[notification.fitness_class_id])
    notification.fitness_class.delete()

    # when Ana opens the list
    response = member_client.get(LIST_URL)

    # then the notification is there, saying the class is gone, with no link to it
    html = response.content.decode()
    assert "Class cancelled: Pilates" in html
    assert "This class is no longer on the schedule." in html
    assert class_url not in html


def test_marking_all_as_read_marks_them_and_the_header_count_drops_to_zero(member_client, member):
    # given two unread notifications and one read earlier
    read_earlier = notify(member, "Old", minutes_ago=90, read=True)
    first_read_at = read_earlier.read_at
    notify(member, "First", minutes_ago=10)
    notify(member, "Second", minutes_ago=5)
    before = member_client.get(LIST_URL)
    assert before.context["unread_notification_count"]() == 2

    # when Ana marks all as read (POST, then the redirect is followed)
    response = member_client.post(MARK_ALL_READ_URL, follow=True)

    # then she is back on the list, told so, with nothing unread and no count in the header
    assert response.redirect_chain == [(LIST_URL, 302)]
    assert messages_of(response) == ["Marked 2 notifications as read."]
    assert Notification.objects.filter(member=member, read_at__isnull=True).count() == 0
    assert response.context["unread_notification_count"]() == 0
    html = response.content.decode()
    assert "count-badge" not in html
    assert "notification-unread" not in html
    # and what was read before keeps its time
    read_earlier.refresh_from_db()
    assert read_earlier.read_at == first_read_at


def test_marking_all_as_read_with_nothing_unread_says_so(member_client, member):
    notify(member, "Old", read=True)

    response = member_client.post(MARK_ALL_READ_URL, follow=True)

    assert messages_of(response) == ["You have no unread notifications."]


def test_marking_all_as_read_needs_a_post(member_client, member):
    # given an unread notification
    notification = notify(member, "You're booked: Spin")

    # when the changing URL is requested with GET
    response = member_client.get(MARK_ALL_READ_URL)

    # then it is refused and nothing changes
    assert response.status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None


def test_marking_all_as_read_needs_the_csrf_token(member):
    # given a client that enforces CSRF, signed in as Ana with an unread notification
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(member.user)
    notification = notify(member, "You're booked: Spin")

    # when the form is posted without its token
    response = csrf_client.post(MARK_ALL_READ_URL)

    # then it is forbidden and nothing changes
    assert response.status_code == 403
    notification.refresh_from_db()
    assert notification.read_at is None


def test_another_members_notifications_are_never_shown_nor_marked(
    member_client, member, other_member
):
    # given Ben has an unread notification, Ana one of her own
    bens = notify(other_member, "You're booked: Ben's boxing")
    notify(member, "You're booked: Ana's yoga")

    # when Ana opens her list and marks all as read
    listed = member_client.get(LIST_URL)
    member_client.post(MARK_ALL_READ_URL)

    # then she never saw Ben's, her header counted only hers, and Ben's is still unread
    assert "Ben&#x27;s boxing" not in listed.content.decode()
    assert [n.title for n in listed.context["page"]] == ["You're booked: Ana's yoga"]
    assert listed.context["unread_notification_count"]() == 1
    bens.refresh_from_db()
    assert bens.read_at is None


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(LIST_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_list_is_paged_newest_first(member_client, member):
    # given one notification more than a page holds
    for minutes_ago in range(PAGE_SIZE + 1):
        notify(member, f"Notice {minutes_ago:03}", minutes_ago=minutes_ago)

    # when Ana opens the first and the second page
    first = member_client.get(LIST_URL)
    second = member_client.get(LIST_URL, {"page": 2})

    # then the first holds the newest page and links to the older ones; the second the oldest
    assert [n.title for n in first.context["page"]][:2] == ["Notice 000", "Notice 001"]
    assert len(first.context["page"]) == PAGE_SIZE
    assert 'href="?page=2" rel="next"' in first.content.decode()
    assert [n.title for n in second.context["page"]] == [f"Notice {PAGE_SIZE:03}"]


@pytest.mark.parametrize("rows", [5, 200], ids=["5 notifications", "200 notifications"])
def test_the_list_runs_the_same_queries_however_many_notifications(
    rows, member_client, member, django_assert_num_queries
):
    # given `rows` notifications, each about its own class, some unread
    for index in range(rows):
        notify(member, f"Notice {index}", minutes_ago=index, read=index % 2 == 0)

    # when Ana opens the list, then the page costs a fixed number of queries
    with django_assert_num_queries(LIST_QUERIES):
        response = member_client.get(LIST_URL)
    assert response.status_code == 200


def test_the_unread_count_costs_one_query_for_a_member(member, django_assert_num_queries):
    # given three unread notifications of Ana's and one read
    for _ in range(3):
        notify(member, "Unread")
    notify(member, "Read", read=True)
    request = RequestFactory().get("/")
    request.user = member.user

    # when the count is used (twice, as a page might)
    context = unread_notifications(request)
    with django_assert_num_queries(1):
        counts = [context["unread_notification_count"]() for _ in range(2)]

    # then one query answered both
    assert counts == [3, 3]


def test_the_unread_count_costs_nothing_for_an_anonymous_visitor(django_assert_num_queries):
    request = RequestFactory().get("/")
    request.user = AnonymousUser()

    with django_assert_num_queries(0):
        context = unread_notifications(request)
        count = context["unread_notification_count"]()

    assert count == 0


def test_the_unread_count_costs_nothing_when_a_page_does_not_show_it(
    member, django_assert_num_queries
):
    request = RequestFactory().get("/")
    request.user = member.user

    with django_assert_num_queries(0):
        unread_notifications(request)


@pytest.mark.parametrize("enabled", [True, False])
def test_the_context_says_whether_sign_up_is_open(enabled, settings):
    settings.GYM_SELF_SIGNUP = enabled
    request = RequestFactory().get("/")
    request.user = AnonymousUser()

    assert unread_notifications(request)["self_signup_enabled"] is enabled


def test_staff_see_notifications_in_the_admin_read_only(admin_client, member):
    # given a notification of Ana's
    notification = notify(member, "You're booked: Spin")

    # when staff open the list and the notification
    changelist = admin_client.get(reverse("admin:notifications_notification_changelist"))
    change = admin_client.get(
        reverse("admin:notifications_notification_change", args=[notification.pk])
    )

    # then both show it, and nothing can be added, changed or deleted
    assert changelist.status_code == 200
    assert "You&#x27;re booked: Spin" in changelist.content.decode()
    assert not changelist.context["has_add_permission"]
    assert change.status_code == 200
    assert not change.context["has_change_permission"]
    assert not change.context["has_delete_permission"]
    add = admin_client.get(reverse("admin:notifications_notification_add"))
    assert add.status_code == 403
