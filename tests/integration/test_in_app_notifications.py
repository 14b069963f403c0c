"""In-app notifications: `InAppNotificationService` stores one `Notification` per notice, titled
with exactly the e-mail's subject and carrying the gist of the e-mail's text.

Checked three ways: the service on its own against the e-mail adapter, behind the real
`NotificationHandler`, and end to end (cancel -> promote, cancel a class) through the use
cases and the ORM repositories, with `setup_event_handlers` wiring this service in as the
notifier. Those end-to-end tests use the book's in-memory dispatcher (handlers run at once), so
they do not depend on how the composition root delivers events; the last test checks the
composition root itself.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from application.event_dispatcher import InMemoryEventDispatcher
from application.notices import NotificationHandler
from application.ports import Notice, NoticeKind
from bookings.repositories import DjangoBookingRepository
from classes.repositories import DjangoClassRepository
from domain.events import MemberLeftWaitlist, MemberPromotedFromWaitlist
from domain.values import WaitlistExitReason
from gymbooking.composition import SystemClock, django_services
from members.repositories import DjangoMemberRepository
from notifications.email import EmailNotificationService
from notifications.in_app import InAppNotificationService
from notifications.models import Notification
from tests.factories import (
    BookingFactory,
    FitnessClassFactory,
    WaitlistEntryFactory,
    member_with_credits,
)

pytestmark = pytest.mark.django_db

REFUNDABLE_UNTIL = datetime(2030, 1, 15, 17, 30, tzinfo=UTC)  # winter: London is UTC

# 17:30 UTC on a summer day is 18:30 in London: the title must show the gym's local time.
SUMMER_EVENING = datetime(2031, 7, 1, 17, 30, tzinfo=UTC)


@pytest.fixture
def in_app():
    return InAppNotificationService()


def entities(member_row, class_row):
    """The domain entities the port receives, loaded by the ORM repositories."""
    member = DjangoMemberRepository().get_by_id(str(member_row.id))
    fitness_class = DjangoClassRepository().get_by_id(str(class_row.id))
    return member, fitness_class


def notification_handler(channel) -> NotificationHandler:
    """The real handler over the ORM repositories, telling `channel`."""
    return NotificationHandler(
        members=DjangoMemberRepository(),
        classes=DjangoClassRepository(),
        bookings=DjangoBookingRepository(),
        clock=SystemClock(),
        notifications=channel,
    )


def email_subject(notice, member, fitness_class) -> str:
    with timezone.override(settings.TIME_ZONE):
        return EmailNotificationService().build_message(notice, member, fitness_class).subject


@pytest.mark.parametrize("kind", list(NoticeKind), ids=[kind.value for kind in NoticeKind])
def test_the_notification_is_titled_with_the_same_subject_as_the_email(kind, in_app):
    # given a class whose name spans lines, starting on a summer evening, and a member
    class_row = FitnessClassFactory(name="Spin\n  Express", starts_at=SUMMER_EVENING)
    member_row = member_with_credits(0, name="Ana")
    member, fitness_class = entities(member_row, class_row)
    notice = Notice(kind, member.id, fitness_class.id, reason="Instructor ill", refunded=True)

    # when the in-app service is told
    with timezone.override("Asia/Tokyo"):  # whatever zone the request activated
        in_app.send(notice, member, fitness_class)

    # then one notification for that member and class, titled like the e-mail
    [notification] = Notification.objects.all()
    assert notification.member_id == member_row.id
    assert notification.fitness_class_id == class_row.id
    assert notification.kind == kind.value
    assert notification.title == email_subject(notice, member, fitness_class)
    assert "Spin Express, Tue 1 Jul 18:30" in notification.title
    assert notification.read_at is None


@pytest.mark.parametrize(
    ("notice_fields", "expected_lines"),
    [
        ({"kind": NoticeKind.BOOKING_CONFIRMED}, ["You're booked. See you there!"]),
        (
            {"kind": NoticeKind.PROMOTED_FROM_WAITLIST, "refundable_until": REFUNDABLE_UNTIL},
            [
                "You're in — a spot opened up and we booked you in; one credit was used.",
                "Can't make it after all? Cancel before Tue 15 Jan 17:30 and your credit is "
                "refunded, so the next person can have your spot.",
            ],
        ),
        (
            {
                "kind": NoticeKind.PROMOTED_FROM_WAITLIST,
                "refundable_until": REFUNDABLE_UNTIL,
                "grace": True,
            },
            [
                "You're in — a spot opened up and we booked you in; one credit was used.",
                "You were promoted close to the start, inside the cancellation window, so you "
                "may still cancel with a refund until Tue 15 Jan 17:30; after that it cannot "
                "be cancelled for a refund.",
            ],
        ),
        (
            {"kind": NoticeKind.SKIPPED_ON_WAITLIST, "reason": "a credit"},
            [
                "A spot came up, but we could not give it to you: to be promoted you need a "
                "credit.",
                "You keep your place on the waitlist.",
            ],
        ),
        (
            {"kind": NoticeKind.BOOKING_CANCELLED, "refunded": True},
            ["Your booking has been cancelled.", "Your credit has been refunded."],
        ),
        (
            {"kind": NoticeKind.BOOKING_CANCELLED, "refunded": False, "reason": "Away"},
            [
                "Your booking has been cancelled. Reason: Away",
                "This was a late cancellation, so the credit is not refunded.",
            ],
        ),
        (
            {"kind": NoticeKind.CLASS_CANCELLED, "refunded": True, "reason": "Pool closed"},
            [
                "Sorry, this class has been cancelled. Reason: Pool closed",
                "Your credit has been refunded.",
            ],
        ),
        (
            {"kind": NoticeKind.CLASS_CANCELLED, "refunded": False},
            [
                "Sorry, this class has been cancelled.",
                "You were on the waitlist, so no credit was used.",
            ],
        ),
    ],
    ids=[
        "confirmed",
        "promoted",
        "promoted-with-grace",
        "skipped",
        "cancelled-refunded",
        "cancelled-late",
        "class-cancelled-booked",
        "class-cancelled-waiting",
    ],
)
def test_the_body_says_what_the_email_says_in_short(notice_fields, expected_lines, in_app):
    # given a member and a class
    member, fitness_class = entities(member_with_credits(0), FitnessClassFactory())
    notice = Notice(member_id=member.id, class_id=fitness_class.id, **notice_fields)

    # when the in-app service is told
    in_app.send(notice, member, fitness_class)

    # then the body holds the e-mail's sentences, one a line, each found in the e-mail too
    body = Notification.objects.get().body
    assert body.splitlines() == expected_lines
    with timezone.override(settings.TIME_ZONE):
        email = EmailNotificationService().build_message(notice, member, fitness_class)
    for line in expected_lines:
        assert line in " ".join(email.body.split())


def test_behind_the_notification_handler_a_promotion_is_stored_as_youre_in(in_app):
    # given Ana promoted from the waitlist of Spin (the event the promotion records)
    ana = member_with_credits(0, name="Ana")
    spin = FitnessClassFactory(name="Spin")
    booking = BookingFactory(member=ana, fitness_class=spin)
    handler = notification_handler(in_app)
    event = MemberPromotedFromWaitlist(
        member_id=str(ana.id),
        class_id=str(spin.id),
        booking_id=str(booking.id),
        waitlist_entry_id="w-1",
    )

    # when the handler hears it
    handler.handle(event)

    # then Ana has one unread "You're in!" notification about Spin
    [notification] = Notification.objects.filter(member=ana)
    assert notification.title.startswith("You're in! A spot opened up: Spin, ")
    assert notification.kind == NoticeKind.PROMOTED_FROM_WAITLIST.value
    assert notification.fitness_class_id == spin.id
    assert notification.read_at is None


def test_behind_the_handler_a_waiting_member_hears_the_class_cancellation_reason(in_app):
    # given Ben was waiting for Spin, which staff cancelled because the instructor is ill
    ben = member_with_credits(0, name="Ben")
    spin = FitnessClassFactory(
        name="Spin", cancelled_at=timezone.now(), cancellation_reason="Instructor ill"
    )
    handler = notification_handler(in_app)
    event = MemberLeftWaitlist(
        waitlist_entry_id="w-1",
        member_id=str(ben.id),
        class_id=str(spin.id),
        reason=WaitlistExitReason.CLASS_CANCELLED,
    )

    # when the handler hears that he left the waitlist with the class
    handler.handle(event)

    # then his notification says the class is cancelled, why, and that no credit was used
    notification = Notification.objects.get(member=ben)
    assert notification.title.startswith("Class cancelled: Spin, ")
    assert "Reason: Instructor ill" in notification.body
    assert "no credit was used" in notification.body


@pytest.fixture
def gym(in_app):
    """The use cases over the ORM repositories, with the in-app service as the notifier."""
    return django_services(
        dispatcher=InMemoryEventDispatcher(), notification_channels={"in_app": in_app}
    )


def full_spin_with_waiting(booked_member, waiting_member):
    """Spin tomorrow with one spot, held by `booked_member`; `waiting_member` first in line."""
    spin = FitnessClassFactory(name="Spin", capacity=1)
    booking = BookingFactory(member=booked_member, fitness_class=spin)
    WaitlistEntryFactory(
        member=waiting_member, fitness_class=spin, created_at=timezone.now() - timedelta(hours=1)
    )
    return spin, booking


def test_a_cancellation_tells_the_canceller_and_the_promoted_member_in_the_app(gym):
    # given Ana holds the one spot of Spin and Ben (with a credit) waits for it
    ana = member_with_credits(0, name="Ana")
    ben = member_with_credits(1, name="Ben")
    spin, ana_booking = full_spin_with_waiting(ana, ben)

    # when Ana cancels (the handlers run as the events are dispatched)
    gym.cancel_booking.execute(str(ana_booking.id), member_id=str(ana.id))

    # then Ben is told he is in, and Ana that her booking is cancelled and refunded
    [ben_notice] = Notification.objects.filter(member=ben)
    assert ben_notice.title.startswith("You're in! A spot opened up: Spin, ")
    assert ben_notice.fitness_class_id == spin.id
    [ana_notice] = Notification.objects.filter(member=ana)
    assert ana_notice.title.startswith("Booking cancelled: Spin, ")
    assert "Your credit has been refunded." in ana_notice.body


def test_a_cancelled_class_tells_booked_and_waiting_members_once_each(gym):
    # given Ana booked on Spin and Ben waiting for it
    ana = member_with_credits(0, name="Ana")
    ben = member_with_credits(1, name="Ben")
    spin, _ = full_spin_with_waiting(ana, ben)

    # when staff cancel the class
    gym.cancel_class.execute(str(spin.id), reason="Flooded studio")

    # then each hears once, with the reason; Ana refunded, Ben told no credit was used
    [ana_notice] = Notification.objects.filter(member=ana)
    [ben_notice] = Notification.objects.filter(member=ben)
    for notice in (ana_notice, ben_notice):
        assert notice.kind == NoticeKind.CLASS_CANCELLED.value
        assert notice.title.startswith("Class cancelled: Spin, ")
        assert "Reason: Flooded studio" in notice.body
    assert "refunded" in ana_notice.body
    assert "no credit was used" in ben_notice.body


def test_with_the_composition_root_a_promotion_creates_a_youre_in_notification(
    services, django_capture_on_commit_callbacks, mailoutbox, mail_worker
):
    # given Ana holds the one spot of Spin and Ben (with a credit) waits for it
    ana = member_with_credits(0, name="Ana")
    ben = member_with_credits(1, name="Ben")
    _, ana_booking = full_spin_with_waiting(ana, ben)

    # when Ana cancels through the services the pages use
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_booking.execute(str(ana_booking.id), member_id=str(ana.id))

    # then Ben hears it by e-mail (once a mail worker has run) and in the app, with the same
    # subject
    mail_worker()
    [ben_mail] = [message for message in mailoutbox if message.to == [ben.email]]
    [ben_notice] = Notification.objects.filter(member=ben)
    assert ben_notice.title == ben_mail.subject
    assert ben_notice.title.startswith("You're in!")
