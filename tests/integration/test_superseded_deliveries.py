"""Notices checked when they are delivered, through the real composition root and the
durable dispatcher: one no longer true is not sent, and its delivery is settled as
superseded — with the reason, never retried, never dead, pruned like a delivered one.
(On SQLite and on PostgreSQL: the suite's PostgreSQL run covers the row locks.)"""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.management import call_command
from django.utils import timezone

from events.dispatcher import retry_now
from events.models import Delivery
from events.retention import Cutoffs, prune_deliveries
from notifications.models import Notification
from tests.factories import FitnessClassFactory, member_with_credits

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("signal_handlers_restored")]

SUPERSEDED = Delivery.Status.SUPERSEDED


@pytest.fixture
def worker_mode(settings):
    """Web processes only record; workers deliver (requested before `services`)."""
    settings.GYM_EVENT_DELIVERY = "worker"


def process_events(*args: str) -> str:
    out = StringIO()
    call_command("process_events", "--once", *args, stdout=out)
    return out.getvalue().strip()


def statuses(event_type: str) -> dict[str, tuple[str, str]]:
    """{handler: (status, superseded reason)} of an event type's deliveries."""
    return {
        handler: (status, reason)
        for handler, status, reason in Delivery.objects.filter(event__type=event_type)
        .order_by("handler")
        .values_list("handler", "status", "superseded_reason")
    }


def test_youre_booked_is_not_sent_after_the_booking_was_cancelled(worker_mode, services):
    # given Ana booked Spin and cancelled before any worker ran
    ana = member_with_credits(1, name="Ana")
    spin = FitnessClassFactory(name="Spin")
    booking = services.book_class.execute(str(ana.pk), str(spin.pk))
    services.cancel_booking.execute(booking.id)

    # when the workers deliver
    process_events()

    # then she hears of the cancellation only, and "You're booked" is superseded on both
    # channels, with the reason
    assert [n.kind for n in Notification.objects.filter(member=ana)] == ["booking_cancelled"]
    assert [m.subject.split(":")[0] for m in mail.outbox] == ["Booking cancelled"]
    reason = "the booking has been cancelled since"
    assert statuses("BookingConfirmed") == {
        "NotificationHandler.email": (SUPERSEDED, reason),
        "NotificationHandler.in_app": (SUPERSEDED, reason),
    }
    for delivery in Delivery.objects.filter(status=SUPERSEDED):
        assert (delivery.attempts, delivery.last_error) == (1, "")
        assert delivery.delivered_at is not None


def test_a_retried_notice_that_stopped_being_true_is_superseded_not_sent(
    worker_mode, services, monkeypatch
):
    # given "You're booked" failed to e-mail (the mail server was down)
    ana = member_with_credits(1, name="Ana")
    spin = FitnessClassFactory(name="Spin")
    booking = services.book_class.execute(str(ana.pk), str(spin.pk))

    def refuse(message):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)
    process_events("--queue", "mail")
    [failed] = Delivery.objects.filter(handler="NotificationHandler.email")
    assert failed.status == Delivery.Status.FAILED
    monkeypatch.undo()

    # and meanwhile she cancelled
    services.cancel_booking.execute(booking.id)

    # when the retry comes
    Delivery.objects.filter(pk=failed.pk).update(next_attempt_at=timezone.now())
    process_events("--queue", "mail")

    # then "You're booked" is never sent after "Booking cancelled"
    assert [m.subject.split(":")[0] for m in mail.outbox] == ["Booking cancelled"]
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (SUPERSEDED, 2)
    assert failed.superseded_reason == "the booking has been cancelled since"


def test_a_reminder_for_a_class_cancelled_meanwhile_is_superseded(worker_mode, services):
    ana = member_with_credits(1, name="Ana")
    spin = FitnessClassFactory(name="Spin", starts_at=timezone.now() + timedelta(hours=20))
    booking = services.book_class.execute(str(ana.pk), str(spin.pk))
    services.remind_member.execute(booking.id)
    services.cancel_class.execute(str(spin.pk), "Instructor ill")

    process_events()

    assert statuses("MemberRemindedOfClass") == {
        "NotificationHandler.email": (SUPERSEDED, "the class has been cancelled since"),
        "NotificationHandler.in_app": (SUPERSEDED, "the class has been cancelled since"),
    }
    assert not Notification.objects.filter(kind="class_reminder").exists()
    assert not [m for m in mail.outbox if m.subject.startswith("Reminder")]


def test_superseded_deliveries_are_never_run_again_nor_retried(worker_mode, services):
    ana = member_with_credits(1, name="Ana")
    booking = services.book_class.execute(str(ana.pk), str(FitnessClassFactory().pk))
    services.cancel_booking.execute(booking.id)
    process_events()
    before = list(Delivery.objects.filter(status=SUPERSEDED).values_list("pk", "attempts"))
    assert len(before) == 2

    made_due = retry_now(Delivery.objects.all())
    ran = services.dispatcher.deliver_next_due()

    assert (made_due, ran) == (0, False)
    after = list(Delivery.objects.filter(status=SUPERSEDED).values_list("pk", "attempts"))
    assert after == before


def test_superseded_deliveries_are_pruned_after_the_retention_like_delivered_ones(
    worker_mode, services
):
    ana = member_with_credits(1, name="Ana")
    booking = services.book_class.execute(str(ana.pk), str(FitnessClassFactory().pk))
    services.cancel_booking.execute(booking.id)
    process_events()
    settled = Delivery.objects.filter(status=SUPERSEDED)
    assert settled.count() == 2

    kept = prune_deliveries(Cutoffs.at(timezone.now()))
    settled.update(delivered_at=timezone.now() - timedelta(days=31))
    pruned = prune_deliveries(Cutoffs.at(timezone.now()))

    assert (kept, pruned) == (0, 2)
    assert not Delivery.objects.filter(status=SUPERSEDED).exists()
    # recent: the cancellation's notices and fee handler, the promotion
    assert Delivery.objects.filter(status=Delivery.Status.DELIVERED).count() == 4
