"""The event log and deliveries in the Django admin, and who each event names as its cause.

- a member's request, a staff user's admin action and a handler are each recorded as the
  event's actor (the audit trail: who cancelled what, when);
- the event log lists, filters and searches events, links their member and class, shows the
  payload and the event's deliveries, and is read-only;
- deliveries list their status and last error; "Retry now" runs failed and dead ones again
  and says how it went; nothing else can be changed;
- both change lists run a fixed number of queries however many rows they show.
"""

import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from application.security import BY_NAME as SECURITY_LOG
from bookings.models import Booking
from classes.models import FitnessClass
from domain.events import BookingConfirmed, DomainEvent
from domain.values import new_id
from events import admin as event_admin
from events import registry
from events.dispatcher import DurableEventDispatcher
from events.models import Delivery, StoredEvent
from members.models import Member
from tests.factories import (
    BookingFactory,
    CreditGrantFactory,
    DeliveryFactory,
    FitnessClassFactory,
    MemberFactory,
    WaitlistEntryFactory,
    member_with_credits,
)
from web.admin_actions import APPLY, FORM_PREFIX

pytestmark = pytest.mark.django_db

# Queries of each change list, whatever the number of rows: session, user, the count (on
# PostgreSQL the planner's estimate first, then the exact count as the estimate is small),
# the page's rows (with the names of members and classes as subqueries, or the event joined)
# and, for deliveries, the handlers of the latest deliveries for the filter. No query over the
# whole table for a filter's choices, nor a date hierarchy. Pinned, and shown constant at two
# sizes below.
ESTIMATE = 1 if connection.vendor == "postgresql" else 0
EVENT_CHANGELIST_QUERIES = 4 + ESTIMATE
DELIVERY_CHANGELIST_QUERIES = 5 + ESTIMATE


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """`admin_client` logs in a freshly hashed superuser; a fast hasher keeps tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def admin_url(model, view: str, *args) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def listed(response) -> list:
    """The rows listed, but the security log's (signing `admin_client` in records some)."""
    rows = response.context["cl"].result_list
    return [row for row in rows if not (isinstance(row, StoredEvent) and row.type in SECURITY_LOG)]


# --- Who caused it ---------------------------------------------------------------------------


def test_a_booking_made_on_the_members_page_is_recorded_as_that_members(member_client, member):
    # given Ana signed in with a credit, and a class
    CreditGrantFactory(member=member)
    spin = FitnessClassFactory()

    # when she books it on its page
    response = member_client.post(reverse("bookings:book", args=[spin.pk]))

    # then the booking's event names her as its cause
    assert response.status_code == 302
    row = StoredEvent.objects.get(type="BookingConfirmed")
    assert (row.actor_kind, row.actor_label, row.actor_user) == (
        "member",
        "ana@example.com",
        member.user,
    )
    assert (row.member_id, row.class_id) == (member.pk, spin.pk)


def test_a_members_cancellation_is_hers_and_the_promotion_it_causes_is_the_handlers(
    member_client, member, django_capture_on_commit_callbacks
):
    # given Ana booked on a full class and Ben waiting with a credit
    spin = FitnessClassFactory(capacity=1)
    booking = BookingFactory(member=member, fitness_class=spin)
    ben = member_with_credits(1, name="Ben")
    WaitlistEntryFactory(member=ben, fitness_class=spin)

    # when Ana cancels on the site and the after-commit deliveries run
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(reverse("bookings:cancel", args=[booking.pk]))

    # then her cancellation is recorded as hers, Ben's promotion as the promotion handler's
    assert response.status_code == 302
    actors = dict(
        StoredEvent.objects.values_list("type", "actor_kind").filter(
            type__in=["BookingCancelled", "MemberPromotedFromWaitlist"]
        )
    )
    assert actors == {"BookingCancelled": "member", "MemberPromotedFromWaitlist": "system"}
    promoted = StoredEvent.objects.get(type="MemberPromotedFromWaitlist")
    assert promoted.actor_label == "WaitlistPromotionHandler.handle"
    assert promoted.member_id == ben.pk


def test_credits_granted_with_an_admin_action_are_recorded_as_the_staff_users(
    admin_client, admin_user
):
    # given a member
    ana = MemberFactory(name="Ana")
    url = admin_url(ana, "changelist")
    choose = {"action": "grant_credits", "_selected_action": [str(ana.pk)], "index": 0}

    # when staff grant her credits through the admin action and its form
    asked = admin_client.post(url, choose)
    answer: dict[str, list[str]] = {}
    for name, value in asked.context["carried"]:
        answer.setdefault(name, []).append(value)
    answer.update(
        {
            APPLY: ["yes"],
            f"{FORM_PREFIX}-amount": ["5"],
            f"{FORM_PREFIX}-expiry_days": ["30"],
            f"{FORM_PREFIX}-reason": ["Gift"],
        }
    )
    admin_client.post(url, answer)

    # then the grant's event names the staff user
    row = StoredEvent.objects.get(type="CreditsAdded")
    assert (row.actor_kind, row.actor_label, row.actor_user) == ("staff", "admin", admin_user)
    assert row.member_id == ana.pk


# --- The event log ---------------------------------------------------------------------------


@dataclass
class Log:
    """Ana booked Spin (her request), Ben booked Yoga (as staff); the e-mails delivered."""

    ana: object
    ben: object
    spin: object
    yoga: object
    ana_booked: StoredEvent
    ben_booked: StoredEvent


@pytest.fixture
def log(
    services, member_client, member, admin_client, mail_worker, django_capture_on_commit_callbacks
):
    CreditGrantFactory(member=member)
    ben = member_with_credits(1, name="Ben Okafor")
    spin = FitnessClassFactory(name="Spin")
    yoga = FitnessClassFactory(name="Yoga", starts_at=timezone.now() + timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        member_client.post(reverse("bookings:book", args=[spin.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        services.book_class.execute(str(ben.pk), str(yoga.pk))
    mail_worker()  # the confirmations' e-mail
    return Log(
        ana=member,
        ben=ben,
        spin=spin,
        yoga=yoga,
        ana_booked=StoredEvent.objects.get(member_id=member.pk),
        ben_booked=StoredEvent.objects.get(member_id=ben.pk),
    )


def test_the_event_log_lists_events_with_who_caused_them_and_links_to_member_and_class(
    admin_client, log
):
    response = admin_client.get(admin_url(StoredEvent, "changelist"))

    assert response.status_code == 200
    assert {event.pk for event in listed(response)} == {log.ana_booked.pk, log.ben_booked.pk}
    page = response.content.decode()
    assert admin_url(log.ana, "change", log.ana.pk) in page
    assert admin_url(log.spin, "change", log.spin.pk) in page
    assert admin_url(log.yoga, "change", log.yoga.pk) in page
    assert "Ben Okafor" in page
    assert "ana@example.com" in page


def test_an_event_whose_member_and_class_are_gone_shows_their_ids_without_links(admin_client):
    # given an event about a member and a class that do not exist (any more)
    member_id, class_id = new_id(), new_id()
    DurableEventDispatcher().dispatch(
        [BookingConfirmed(booking_id=new_id(), member_id=member_id, class_id=class_id)]
    )

    response = admin_client.get(admin_url(StoredEvent, "changelist"))

    page = response.content.decode()
    assert member_id in page
    assert class_id in page
    assert admin_url(Member, "change", member_id) not in page
    assert admin_url(FitnessClass, "change", class_id) not in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (lambda log: {"type": "BookingConfirmed"}, {"ana_booked", "ben_booked"}),
        (lambda log: {"type": "CreditsAdded"}, set()),
        (lambda log: {"actor_kind__exact": "member"}, {"ana_booked"}),
        (lambda log: {"actor_kind__exact": "system"}, {"ben_booked"}),
        (lambda log: {"q": str(log.ana.pk)}, {"ana_booked"}),
        (lambda log: {"q": str(log.yoga.pk)}, {"ben_booked"}),
        (lambda log: {"q": str(log.ben_booked.pk)}, {"ben_booked"}),
        (lambda log: {"q": "ana@example"}, {"ana_booked"}),
        (lambda log: {"q": str(uuid.uuid4())}, set()),
        (lambda log: {"member_id": str(log.ben.pk)}, {"ben_booked"}),
        (lambda log: {"class_id": str(log.spin.pk)}, {"ana_booked"}),
        (
            lambda log: {
                "occurred_at__year": log.ana_booked.occurred_at.astimezone(
                    timezone.get_current_timezone()
                ).year
            },
            {"ana_booked", "ben_booked"},
        ),
        (lambda log: {"occurred_at__year": 1999}, set()),
    ],
    ids=[
        "type",
        "type-none",
        "actor-member",
        "actor-system",
        "member-id",
        "class-id",
        "event-id",
        "actor-label",
        "unknown-id",
        "member-filter",
        "class-filter",
        "year",
        "other-year",
    ],
)
def test_the_event_log_filters_by_type_actor_member_class_and_date(
    admin_client, log, query, expected
):
    response = admin_client.get(admin_url(StoredEvent, "changelist"), query(log))

    assert response.status_code == 200, "an unknown filter would redirect with ?e=1"
    assert {event.pk for event in listed(response)} == {getattr(log, name).pk for name in expected}


def test_an_events_page_shows_its_payload_pretty_printed_and_its_deliveries(admin_client, log):
    response = admin_client.get(admin_url(StoredEvent, "change", log.ana_booked.pk))

    assert response.status_code == 200
    page = response.content.decode()
    assert '<pre class="event-payload">' in page
    assert f"  &quot;booking_id&quot;: &quot;{log.ana_booked.payload['booking_id']}&quot;" in page
    [inline] = response.context["inline_admin_formsets"]
    shown = {(row.handler, row.status) for row in inline.formset.queryset}
    assert shown == {
        ("NotificationHandler.email", "delivered"),
        ("NotificationHandler.in_app", "delivered"),
    }
    assert "NotificationHandler.email" in page


def test_the_event_log_is_read_only(admin_client, log):
    event = log.ana_booked
    url = admin_url(StoredEvent, "change", event.pk)

    listing = admin_client.get(admin_url(StoredEvent, "changelist"))
    page = admin_client.get(url)

    assert listing.context["has_add_permission"] is False
    assert listing.context["action_form"] is None, "no actions, not even bulk delete"
    assert admin_client.get(admin_url(StoredEvent, "add")).status_code == 403
    assert page.context["adminform"].form.fields == {}
    [inline] = page.context["inline_admin_formsets"]
    assert not (inline.has_add_permission or inline.has_change_permission)
    assert not inline.has_delete_permission
    assert admin_client.post(url, {"_save": "Save"}).status_code == 403
    assert admin_client.post(admin_url(StoredEvent, "delete", event.pk)).status_code == 403
    assert StoredEvent.objects.filter(pk=event.pk, payload=event.payload).exists()


# --- Deliveries and "Retry now" --------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class TowelsRanOut(DomainEvent):
    """A test-only event type: these tests own its only handler."""

    class_id: str
    towels: int


class TowelHandler:
    """Fails while `broken`; counts its successful runs."""

    def __init__(self) -> None:
        self.broken = True
        self.done = 0

    def handle(self, event: TowelsRanOut) -> None:
        if self.broken:
            raise RuntimeError(f"no towels left in {event.towels} bins")
        self.done += 1


@pytest.fixture
def towels(monkeypatch, services) -> TowelHandler:
    monkeypatch.setitem(registry.EVENT_TYPES, "TowelsRanOut", TowelsRanOut)
    handler = TowelHandler()
    services.dispatcher.register(TowelsRanOut, handler.handle, name="TowelHandler.handle")
    return handler


def failed_deliveries(services, django_capture_on_commit_callbacks, count: int = 1):
    """`count` deliveries that failed once after commit, in id order."""
    with django_capture_on_commit_callbacks(execute=True):
        services.dispatcher.dispatch(
            [TowelsRanOut(class_id=new_id(), towels=n) for n in range(count)]
        )
    return list(Delivery.objects.order_by("pk"))


def retry(client, deliveries, *, follow=True):
    return client.post(
        admin_url(Delivery, "changelist"),
        {
            "action": "retry_deliveries",
            "_selected_action": [str(d.pk) for d in deliveries],
            "index": 0,
        },
        follow=follow,
    )


def test_the_delivery_list_shows_status_attempts_and_the_short_error(
    admin_client, services, towels, django_capture_on_commit_callbacks
):
    failed_deliveries(services, django_capture_on_commit_callbacks)

    response = admin_client.get(admin_url(Delivery, "changelist"), {"status__exact": "failed"})

    assert response.status_code == 200
    [row] = listed(response)
    assert (row.handler, row.status, row.attempts) == ("TowelHandler.handle", "failed", 1)
    page = response.content.decode()
    assert "RuntimeError: no towels left in 0 bins" in page
    assert "Traceback" not in page, "the list shows the last line; the page shows it all"
    assert "TowelsRanOut" in page


@pytest.mark.parametrize(
    "query",
    [
        {"status__exact": "dead"},
        {"handler": "TowelHandler.handle"},
        {"q": "towels"},
        {"q": str(uuid.uuid4())},
    ],
)
def test_the_delivery_filters_and_search_render(
    admin_client, services, towels, django_capture_on_commit_callbacks, query
):
    failed_deliveries(services, django_capture_on_commit_callbacks)

    response = admin_client.get(admin_url(Delivery, "changelist"), query)

    assert response.status_code == 200, "an unknown filter would redirect with ?e=1"


def test_a_deliverys_page_shows_its_whole_error(
    admin_client, services, towels, django_capture_on_commit_callbacks
):
    [delivery] = failed_deliveries(services, django_capture_on_commit_callbacks)

    response = admin_client.get(admin_url(Delivery, "change", delivery.pk))

    assert response.status_code == 200
    page = response.content.decode()
    assert '<pre class="delivery-error">Traceback' in page
    assert admin_url(StoredEvent, "change", delivery.event_id) in page


def test_retry_now_runs_a_failed_delivery_again_and_reports_it_delivered(
    admin_client, services, towels, django_capture_on_commit_callbacks
):
    # given a delivery that failed, and its handler fixed since
    [delivery] = failed_deliveries(services, django_capture_on_commit_callbacks)
    towels.broken = False

    # when staff retry it now
    response = retry(admin_client, [delivery])

    # then it ran at once and is delivered, and staff are told so
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("delivered", 2, "")
    assert towels.done == 1
    assert messages_of(response) == ["Retried 1 delivery: 1 delivered."]


def test_retry_now_reports_a_delivery_that_fails_again(
    admin_client, services, towels, django_capture_on_commit_callbacks
):
    # given two failed deliveries whose handler is still broken
    deliveries = failed_deliveries(services, django_capture_on_commit_callbacks, count=2)

    # when staff retry both
    response = retry(admin_client, deliveries)

    # then both ran again and failed again, with a new retry time, and staff are warned
    assert list(Delivery.objects.values_list("status", "attempts")) == [("failed", 2)] * 2
    assert messages_of(response) == [
        "Retried 2 deliveries: 0 delivered, 2 failed again (see the last error)."
    ]


def test_retry_now_revives_a_dead_delivery(
    admin_client, services, towels, django_capture_on_commit_callbacks
):
    # given a delivery that gave up
    [delivery] = failed_deliveries(services, django_capture_on_commit_callbacks)
    Delivery.objects.filter(pk=delivery.pk).update(status="dead", attempts=8)
    towels.broken = False

    # when staff retry it from its own page
    response = admin_client.post(
        admin_url(Delivery, "change", delivery.pk),
        {
            "CHANGE_FORM-action": "retry_deliveries",
            "_selected_action": [str(delivery.pk)],
        },
        follow=True,
    )

    # then it is delivered
    assert response.status_code == 200
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 9)
    assert messages_of(response) == ["Retried 1 delivery: 1 delivered."]


def test_retry_now_leaves_delivered_ones_alone(
    admin_client, services, towels, django_capture_on_commit_callbacks
):
    # given a delivery that succeeded
    towels.broken = False
    [delivery] = failed_deliveries(services, django_capture_on_commit_callbacks)
    assert delivery.status == "delivered"

    # when staff retry it
    response = retry(admin_client, [delivery])

    # then it did not run again
    assert towels.done == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert messages_of(response) == [
        "Nothing to retry: the selected deliveries are already delivered or superseded."
    ]


REASON = "the booking has been cancelled since"


@pytest.fixture
def superseded_delivery():
    """A "You're booked" e-mail settled as superseded: the booking was cancelled first."""
    return DeliveryFactory(
        status=Delivery.Status.SUPERSEDED,
        attempts=1,
        delivered_at=timezone.now(),
        superseded_reason=REASON,
    )


def test_superseded_deliveries_are_listed_under_their_own_status_with_the_reason(
    admin_client, superseded_delivery
):
    DeliveryFactory(status=Delivery.Status.DELIVERED, delivered_at=timezone.now())

    response = admin_client.get(admin_url(Delivery, "changelist"), {"status__exact": "superseded"})

    assert response.status_code == 200
    assert listed(response) == [superseded_delivery]
    page = response.content.decode()
    assert REASON in page
    assert "Superseded (no longer true)" in page


def test_a_superseded_delivery_is_found_by_its_reason(admin_client, superseded_delivery):
    DeliveryFactory(status=Delivery.Status.DELIVERED)

    response = admin_client.get(admin_url(Delivery, "changelist"), {"q": "cancelled since"})

    assert listed(response) == [superseded_delivery]


def test_a_superseded_deliverys_page_and_its_events_page_show_the_reason(
    admin_client, superseded_delivery
):
    delivery_page = admin_client.get(admin_url(Delivery, "change", superseded_delivery.pk))
    event_page = admin_client.get(admin_url(StoredEvent, "change", superseded_delivery.event_id))

    assert REASON in delivery_page.content.decode()
    assert REASON in event_page.content.decode()


def test_retry_now_leaves_superseded_ones_alone(admin_client, superseded_delivery):
    response = retry(admin_client, [superseded_delivery])

    superseded_delivery.refresh_from_db()
    assert (superseded_delivery.status, superseded_delivery.attempts) == ("superseded", 1)
    assert messages_of(response) == [
        "Nothing to retry: the selected deliveries are already delivered or superseded."
    ]


def test_retry_now_runs_a_few_while_staff_wait_and_leaves_the_rest_due_for_workers(
    admin_client, services, towels, monkeypatch, django_capture_on_commit_callbacks
):
    # given three failed deliveries, and at most two run while staff wait
    monkeypatch.setattr(event_admin, "RETRIED_WHILE_YOU_WAIT", 2)
    deliveries = failed_deliveries(services, django_capture_on_commit_callbacks, count=3)
    towels.broken = False

    # when staff retry all three
    response = retry(admin_client, deliveries)

    # then two ran and the third is due now, for the workers
    assert list(Delivery.objects.order_by("pk").values_list("status", flat=True)) == [
        "delivered",
        "delivered",
        "failed",
    ]
    assert Delivery.objects.get(pk=deliveries[2].pk).next_attempt_at <= timezone.now()
    assert messages_of(response) == [
        "Retried 2 deliveries: 2 delivered. 1 other is due now, for the workers."
    ]


def test_staff_who_may_only_view_deliveries_cannot_retry_them(
    services, towels, django_user_model, django_capture_on_commit_callbacks
):
    # given a failed delivery and a staff user allowed only to view deliveries
    [delivery] = failed_deliveries(services, django_capture_on_commit_callbacks)
    towels.broken = False
    viewer = django_user_model.objects.create_user(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_delivery"))
    client = Client()
    client.force_login(viewer)

    # when they open the list and try the action anyway
    listing = client.get(admin_url(Delivery, "changelist"))
    retry(client, [delivery])

    # then the list offers no action, and the delivery was not run
    assert listing.status_code == 200
    assert listing.context["action_form"] is None
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert towels.done == 0


def test_deliveries_are_read_only(
    admin_client, services, towels, django_capture_on_commit_callbacks
):
    [delivery] = failed_deliveries(services, django_capture_on_commit_callbacks)
    url = admin_url(Delivery, "change", delivery.pk)

    listing = admin_client.get(admin_url(Delivery, "changelist"))
    page = admin_client.get(url)

    assert listing.context["has_add_permission"] is False
    actions = dict(listing.context["action_form"].fields["action"].choices)
    assert "delete_selected" not in actions
    assert "retry_deliveries" in actions
    assert admin_client.get(admin_url(Delivery, "add")).status_code == 403
    assert page.context["adminform"].form.fields == {}
    assert admin_client.post(url, {"_save": "Save", "status": "delivered"}).status_code == 403
    assert admin_client.post(admin_url(Delivery, "delete", delivery.pk)).status_code == 403
    delivery.refresh_from_db()
    assert delivery.status == "failed"


# --- Query counts --------------------------------------------------------------------------------


def booked_events(rows: int) -> None:
    """`rows` BookingConfirmed events about real members and classes, each with a failed
    delivery, the way a gym's log looks."""
    dispatcher = DurableEventDispatcher(inline=False)
    dispatcher.register(BookingConfirmed, lambda event: None, name="Noop.handle")
    for n in range(rows):
        booking = BookingFactory(
            fitness_class=FitnessClassFactory(starts_at=timezone.now() + timedelta(hours=n + 1))
        )
        dispatcher.dispatch(
            [
                BookingConfirmed(
                    booking_id=str(booking.pk),
                    member_id=str(booking.member_id),
                    class_id=str(booking.fitness_class_id),
                )
            ]
        )
    Delivery.objects.update(status="failed", attempts=1, last_error="Traceback\nValueError: x")


@pytest.mark.parametrize("rows", [5, 50])
def test_the_event_log_runs_the_same_queries_for_5_and_50_events(
    admin_client, django_assert_num_queries, rows
):
    booked_events(rows)

    with django_assert_num_queries(EVENT_CHANGELIST_QUERIES):
        response = admin_client.get(admin_url(StoredEvent, "changelist"))

    assert response.status_code == 200
    events = listed(response)
    assert len(events) == rows
    assert all(event.member_name and event.class_name for event in events)


@pytest.mark.parametrize("rows", [5, 50])
def test_the_delivery_list_runs_the_same_queries_for_5_and_50_deliveries(
    admin_client, django_assert_num_queries, rows
):
    booked_events(rows)

    with django_assert_num_queries(DELIVERY_CHANGELIST_QUERIES):
        response = admin_client.get(admin_url(Delivery, "changelist"))

    assert response.status_code == 200
    assert len(listed(response)) == rows
    assert Booking.objects.count() == rows
