"""Deliveries: one row per (event, handler), run after commit or by `manage.py process_events`,
never lost and never applied twice.

- the crash case: the process dies between commit and delivery; a worker delivers, once;
- a handler that raises: the others still run; attempts, error and backoff are recorded; it
  is retried to success, or dead after the configured attempts and retryable from there;
- idempotency: running a delivery twice applies it once;
- the whole cancel → promote → notify chain through the real composition root;
- worker mode, where only the workers deliver; the command's --max-deliveries and SIGTERM.
"""

import itertools
import signal
from dataclasses import dataclass
from datetime import timedelta
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.utils import timezone

from bookings.models import Booking, WaitlistEntry
from domain.events import DomainEvent
from domain.values import new_id
from events import registry
from events.dispatcher import DurableEventDispatcher, retry_now
from events.management.commands import process_events as process_events_module
from events.models import Delivery, StoredEvent
from members.models import CreditGrant, Member
from notifications.models import Notification
from tests.factories import (
    BookingFactory,
    FitnessClassFactory,
    WaitlistEntryFactory,
    member_with_credits,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("signal_handlers_restored")]

PROMOTED_SUBJECT = "You're in! A spot opened up"
CANCELLED_SUBJECT = "Booking cancelled"


# --- Helpers ---------------------------------------------------------------------------------


@pytest.fixture
def no_worker_grace(settings):
    """Workers may take a fresh inline delivery at once (requested before `services`)."""
    settings.GYM_EVENT_WORKER_GRACE_SECONDS = 0


@pytest.fixture
def worker_mode(settings):
    """Web processes only record; workers deliver (requested before `services`)."""
    settings.GYM_EVENT_DELIVERY = "worker"


def process_events(*args: str) -> str:
    """Run `manage.py process_events` and return what it printed."""
    out = StringIO()
    call_command("process_events", *args, stdout=out)
    return out.getvalue().strip()


def deliveries() -> list[tuple[str, str, str]]:
    """(event type, handler, status) of every delivery, in a stable order."""
    return sorted(Delivery.objects.values_list("event__type", "handler", "status"))


def make_due(**lookup) -> None:
    """As if the retry time had come."""
    Delivery.objects.filter(**lookup).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def mail_to(outbox, member):
    return [message for message in outbox if message.to == [member.email]]


@dataclass
class Gym:
    """Ana booked on a full Spin (capacity 1); Ben waiting with one credit."""

    ana: Member
    ben: Member
    spin: object
    booking: Booking


@pytest.fixture
def gym() -> Gym:
    ana = member_with_credits(0, name="Ana", email="ana@example.com")
    ben = member_with_credits(1, name="Ben", email="ben@example.com")
    spin = FitnessClassFactory(name="Spin", capacity=1)
    booking = BookingFactory(member=ana, fitness_class=spin)
    WaitlistEntryFactory(member=ben, fitness_class=spin)
    return Gym(ana, ben, spin, booking)


def ben_was_promoted_once(gym: Gym) -> bool:
    bens = Booking.objects.filter(member=gym.ben, fitness_class=gym.spin, status="confirmed")
    return (
        bens.count() == 1
        and not WaitlistEntry.objects.filter(member=gym.ben).exists()
        and CreditGrant.objects.get(member=gym.ben).remaining == 0
    )


def cancel_and_die(services, gym: Gym, django_capture_on_commit_callbacks) -> None:
    """Ana cancels; the commit happens, then the process dies before any delivery runs."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.cancel_booking.execute(str(gym.booking.id), member_id=str(gym.ana.id))
    assert callbacks, "the in-process deliveries were queued (and are now dropped)"


CANCELLATION_DELIVERIES = [
    ("BookingCancelled", "FeeImposingHandler.on_cancelled", "pending"),
    ("BookingCancelled", "NotificationHandler.email", "pending"),
    ("BookingCancelled", "NotificationHandler.in_app", "pending"),
    ("ClassSpotBecameAvailable", "WaitlistPromotionHandler.handle", "pending"),
]


# --- The crash case ----------------------------------------------------------------------------


def test_deliveries_dropped_by_a_crash_after_commit_are_delivered_by_a_worker_once(
    no_worker_grace, services, gym, mailoutbox, django_capture_on_commit_callbacks
):
    # given Ana's cancellation committed and the process died before delivering its events
    cancel_and_die(services, gym, django_capture_on_commit_callbacks)

    # then the deliveries are pending, Ben is still waiting, nobody has been told
    assert deliveries() == CANCELLATION_DELIVERIES
    assert WaitlistEntry.objects.filter(member=gym.ben).exists()
    assert mailoutbox == []

    # when a worker runs once
    output = process_events("--once")

    # then Ben is promoted once, and each member is told once
    assert ben_was_promoted_once(gym)
    assert [m.subject.split(":")[0] for m in mail_to(mailoutbox, gym.ben)] == [PROMOTED_SUBJECT]
    assert [m.subject.split(":")[0] for m in mail_to(mailoutbox, gym.ana)] == [CANCELLED_SUBJECT]
    assert Notification.objects.filter(member=gym.ben, kind="promoted_from_waitlist").count() == 1
    # and every delivery, the promotion's own ones included, is delivered at the first attempt
    assert set(Delivery.objects.values_list("status", "attempts")) == {("delivered", 1)}
    assert Delivery.objects.count() == 6  # the fee handler's on the cancellation too
    assert output == "Ran 6 deliveries."

    # and when a worker runs again, there is nothing left to do
    assert process_events("--once") == "Ran 0 deliveries."
    assert ben_was_promoted_once(gym)
    assert len(mailoutbox) == 2


def test_workers_leave_a_fresh_inline_delivery_to_its_process_for_the_grace_period(
    services, gym, mailoutbox, django_capture_on_commit_callbacks
):
    # given the default grace and a cancellation whose process died right after commit
    cancel_and_die(services, gym, django_capture_on_commit_callbacks)

    # when a worker runs straight away
    output = process_events("--once")

    # then it sends the e-mail, which is the workers' from the start, and leaves the other
    # deliveries alone: they are still the committing process's to run
    assert output == "Ran 1 delivery."
    assert deliveries() == [
        ("BookingCancelled", "FeeImposingHandler.on_cancelled", "pending"),
        ("BookingCancelled", "NotificationHandler.email", "delivered"),
        ("BookingCancelled", "NotificationHandler.in_app", "pending"),
        ("ClassSpotBecameAvailable", "WaitlistPromotionHandler.handle", "pending"),
    ]

    # and once the grace period is over, a worker delivers them (and the promotion's e-mail)
    make_due()
    assert process_events("--once") == "Ran 4 deliveries."
    assert ben_was_promoted_once(gym)
    # and the promotion's own in-app notice is that worker's to deliver after its commit
    # (here the test's transaction never commits): recorded, waiting out the grace like any
    # other; its e-mail went to the mail queue, due at once, and was sent
    promotion_notices = Delivery.objects.filter(event__type="MemberPromotedFromWaitlist")
    assert set(promotion_notices.values_list("handler", "status")) == {
        ("NotificationHandler.email", "delivered"),
        ("NotificationHandler.in_app", "pending"),
    }
    assert not promotion_notices.filter(
        status="pending", next_attempt_at__lte=timezone.now()
    ).exists()


# --- Worker mode -----------------------------------------------------------------------------


def test_in_worker_mode_a_use_case_records_deliveries_and_only_a_worker_runs_them(
    worker_mode, services, gym, mailoutbox, django_capture_on_commit_callbacks
):
    # when Ana cancels (and the commit's callbacks run)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.cancel_booking.execute(str(gym.booking.id))

    # then nothing was queued in-process and no handler ran: the deliveries wait, due now
    assert callbacks == []
    assert deliveries() == CANCELLATION_DELIVERIES
    assert not Delivery.objects.filter(next_attempt_at__gt=timezone.now()).exists()
    assert WaitlistEntry.objects.filter(member=gym.ben).exists()
    assert mailoutbox == []

    # and when a worker runs, the whole chain is delivered, the promotion's events included
    assert process_events("--once") == "Ran 6 deliveries."
    assert ben_was_promoted_once(gym)
    assert len(mail_to(mailoutbox, gym.ben)) == 1
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}


# --- A handler that raises -------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class LockerReserved(DomainEvent):
    """A test-only event type, so these tests own every handler of it."""

    member_id: str
    locker: int


class LockerJammed(Exception):
    pass


EFFECT = "Written by the locker handler"


class FlakyHandler:
    """Writes a row (its effect), then fails while it has failures left."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    def handle(self, event: LockerReserved) -> None:
        self.calls += 1
        Member.objects.create(name=EFFECT, email=f"locker-{self.calls}-{new_id()}@example.com")
        if self.failures:
            self.failures -= 1
            raise LockerJammed(f"locker {event.locker} is jammed")


def effects() -> int:
    return Member.objects.filter(name=EFFECT).count()


class Recorder:
    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    def handle(self, event: DomainEvent) -> None:
        self.events.append(event)


@pytest.fixture
def locker_events(monkeypatch):
    """LockerReserved is known to the event registry for the test."""
    monkeypatch.setitem(registry.EVENT_TYPES, "LockerReserved", LockerReserved)


def subscribe(dispatcher, *, failures: int) -> tuple[FlakyHandler, Recorder]:
    """A flaky handler, then a recording one, for LockerReserved."""
    flaky, recorder = FlakyHandler(failures), Recorder()
    dispatcher.register(LockerReserved, flaky.handle, name="LockerReserved.flaky")
    dispatcher.register(LockerReserved, recorder.handle, name="LockerReserved.recording")
    return flaky, recorder


def reserve_locker(dispatcher, django_capture_on_commit_callbacks) -> LockerReserved:
    """A locker reservation committed, its deliveries run after commit."""
    event = LockerReserved(member_id=new_id(), locker=7)
    with django_capture_on_commit_callbacks(execute=True):
        dispatcher.dispatch([event])
    return event


def flaky_delivery() -> Delivery:
    return Delivery.objects.get(handler="LockerReserved.flaky")


def test_a_failing_handler_is_recorded_with_its_error_and_a_backoff_and_the_others_still_run(
    locker_events, services, django_capture_on_commit_callbacks
):
    # given a handler that fails once, before a recording handler of the same event
    flaky, recorder = subscribe(services.dispatcher, failures=1)

    # when the event is dispatched and delivered after commit
    before = timezone.now()
    event = reserve_locker(services.dispatcher, django_capture_on_commit_callbacks)
    after = timezone.now()

    # then the other handler ran and its delivery is done
    assert recorder.events == [event]
    assert Delivery.objects.get(handler="LockerReserved.recording").status == "delivered"
    # and the failing one is recorded: one attempt, the exception, the retry 30 s ± 50 % away
    failed = flaky_delivery()
    assert (failed.status, failed.attempts, failed.delivered_at) == ("failed", 1, None)
    assert "LockerJammed: locker 7 is jammed" in failed.last_error
    assert "Traceback" in failed.last_error
    assert before + timedelta(seconds=15) <= failed.next_attempt_at
    assert failed.next_attempt_at <= after + timedelta(seconds=45)
    # and its write was rolled back with it
    assert flaky.calls == 1
    assert effects() == 0


def test_a_failed_delivery_is_retried_when_due_and_then_applied_once(
    locker_events, services, django_capture_on_commit_callbacks
):
    # given a handler that failed once
    flaky, recorder = subscribe(services.dispatcher, failures=1)
    reserve_locker(services.dispatcher, django_capture_on_commit_callbacks)

    # when a worker runs before the retry time, nothing happens
    assert process_events("--once") == "Ran 0 deliveries."
    assert flaky_delivery().status == "failed"

    # and when it runs after the retry time, the handler succeeds
    make_due(handler="LockerReserved.flaky")
    assert process_events("--once") == "Ran 1 delivery."

    # then the delivery is delivered at its second attempt, its effect applied once
    delivery = flaky_delivery()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("delivered", 2, "")
    assert delivery.delivered_at is not None
    assert (flaky.calls, effects()) == (2, 1)
    # and the handler that had succeeded was not run again
    assert len(recorder.events) == 1


def test_each_failure_waits_about_twice_as_long_as_the_one_before(
    locker_events, services, django_capture_on_commit_callbacks
):
    # given a handler that keeps failing
    subscribe(services.dispatcher, failures=10)
    reserve_locker(services.dispatcher, django_capture_on_commit_callbacks)

    # when it is retried twice more
    waits = [flaky_delivery().next_attempt_at - timezone.now()]
    for _ in range(2):
        make_due(handler="LockerReserved.flaky")
        process_events("--once")
        waits.append(flaky_delivery().next_attempt_at - timezone.now())

    # then attempt n waits 30 s * 2^(n-1), give or take 50 %
    assert flaky_delivery().attempts == 3
    for attempt, wait in enumerate(waits, start=1):
        base = timedelta(seconds=30 * 2 ** (attempt - 1))
        assert base * 0.5 - timedelta(seconds=1) <= wait <= base * 1.5, (attempt, wait)


def test_the_backoff_is_exponential_capped_at_a_day_and_jittered():
    dispatcher = DurableEventDispatcher(retry_base=timedelta(seconds=30))

    for attempts in (1, 2, 5, 20):
        expected = min(timedelta(seconds=30 * 2 ** (attempts - 1)), timedelta(days=1))
        delays = [dispatcher.backoff(attempts) for _ in range(50)]
        assert all(expected * 0.5 <= delay <= expected * 1.5 for delay in delays)
        assert len(set(delays)) > 1, "retries of deliveries that failed together spread out"


@pytest.fixture
def three_attempts(settings):
    """Deliveries give up after three attempts (requested before `services`)."""
    settings.GYM_EVENT_MAX_ATTEMPTS = 3


def test_a_delivery_that_keeps_failing_is_dead_after_max_attempts_until_retried_now(
    three_attempts, locker_events, services, django_capture_on_commit_callbacks
):
    # given a handler that fails three times in a row (the first after commit)
    flaky, _ = subscribe(services.dispatcher, failures=3)
    reserve_locker(services.dispatcher, django_capture_on_commit_callbacks)
    for _ in range(2):
        make_due(handler="LockerReserved.flaky")
        process_events("--once")

    # then after the third failure it is dead, with its last error, and no effect applied
    dead = flaky_delivery()
    assert (dead.status, dead.attempts) == ("dead", 3)
    assert "LockerJammed" in dead.last_error
    assert effects() == 0
    # and workers no longer take it, however long they wait
    make_due(handler="LockerReserved.flaky")
    assert process_events("--once") == "Ran 0 deliveries."
    assert flaky.calls == 3

    # when staff retry it now (the handler is fixed meanwhile)
    assert retry_now(Delivery.objects.all()) == 1

    # then it is due again, and the next worker delivers it, once
    due = flaky_delivery()
    assert due.status == "failed"
    assert due.next_attempt_at <= timezone.now()
    assert process_events("--once") == "Ran 1 delivery."
    assert (flaky_delivery().status, flaky_delivery().attempts) == ("delivered", 4)
    assert effects() == 1


def test_retry_now_leaves_delivered_and_pending_deliveries_alone(
    locker_events, services, django_capture_on_commit_callbacks
):
    # given one delivered and one failed delivery of an event, and a pending one of another
    subscribe(services.dispatcher, failures=1)
    reserve_locker(services.dispatcher, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):
        services.dispatcher.dispatch([LockerReserved(member_id=new_id(), locker=8)])
    pending_before = set(
        Delivery.objects.filter(status="pending").values_list("pk", "next_attempt_at")
    )

    # when staff retry all of them
    made_due = retry_now(Delivery.objects.all())

    # then only the failed one was made due
    assert made_due == 1
    assert Delivery.objects.filter(status="delivered").count() == 1
    pending_after = set(
        Delivery.objects.filter(status="pending").values_list("pk", "next_attempt_at")
    )
    assert pending_after == pending_before


# --- Idempotency -----------------------------------------------------------------------------


def test_running_the_same_delivery_twice_promotes_once(
    services, gym, mailoutbox, django_capture_on_commit_callbacks
):
    # given a cancellation committed whose deliveries never ran
    cancel_and_die(services, gym, django_capture_on_commit_callbacks)
    ids = list(Delivery.objects.order_by("id").values_list("pk", flat=True))

    # when each delivery is run by id twice (say, the in-process run and an admin's retry)
    runs = []
    for pk in ids:
        for _ in range(2):
            runs.append(services.dispatcher.deliver_by_id(pk))

    # then each ran once; the second run found nothing due
    assert runs == [True, False] * len(ids)
    assert ben_was_promoted_once(gym)
    assert Delivery.objects.get(handler="WaitlistPromotionHandler.handle").attempts == 1


def test_two_worker_runs_over_the_same_deliveries_promote_once(
    no_worker_grace, services, gym, mailoutbox, django_capture_on_commit_callbacks
):
    # given a cancellation committed whose deliveries never ran
    cancel_and_die(services, gym, django_capture_on_commit_callbacks)

    # when two worker runs happen one after the other (e.g. cron overlapping a loop)
    first, second = process_events("--once"), process_events("--once")

    # then the first did everything and the second nothing
    assert (first, second) == ("Ran 6 deliveries.", "Ran 0 deliveries.")
    assert ben_was_promoted_once(gym)
    assert len(mail_to(mailoutbox, gym.ben)) == 1


# --- The whole chain, for real -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_cancelling_promotes_and_notifies_through_the_real_composition_root(services, mailoutbox):
    # given Ana booked on a full Spin and Ben waiting with a credit (committed)
    ana = member_with_credits(0, name="Ana", email="ana@example.com")
    ben = member_with_credits(1, name="Ben", email="ben@example.com")
    spin = FitnessClassFactory(name="Spin", capacity=1)
    booking = BookingFactory(member=ana, fitness_class=spin)
    WaitlistEntryFactory(member=ben, fitness_class=spin)
    gym = Gym(ana, ben, spin, booking)

    # when Ana cancels (the use case commits; its deliveries run after; so do the promotion's)
    services.cancel_booking.execute(str(booking.id), member_id=str(ana.id))

    # then the event log holds the cancellation's events, then the promotion's
    rows = StoredEvent.objects.order_by("occurred_at", "recorded_at")
    groups = [
        sorted(row.type for row in group)
        for _, group in itertools.groupby(rows, key=lambda row: row.occurred_at)
    ]
    assert groups == [
        ["BookingCancelled", "ClassSpotBecameAvailable", "CreditsAdded"],
        ["MemberPromotedFromWaitlist"],
    ]
    # and every delivery but the e-mails is delivered; those wait for a mail worker
    assert deliveries() == [
        ("BookingCancelled", "FeeImposingHandler.on_cancelled", "delivered"),
        ("BookingCancelled", "NotificationHandler.email", "pending"),
        ("BookingCancelled", "NotificationHandler.in_app", "delivered"),
        ("ClassSpotBecameAvailable", "WaitlistPromotionHandler.handle", "delivered"),
        ("MemberPromotedFromWaitlist", "NotificationHandler.email", "pending"),
        ("MemberPromotedFromWaitlist", "NotificationHandler.in_app", "delivered"),
    ]
    assert ben_was_promoted_once(gym)
    assert mailoutbox == []

    # when the mail worker runs
    assert process_events("--once", "--queue", "mail") == "Ran 2 deliveries."

    # then every delivery is delivered, at its first attempt
    assert set(Delivery.objects.values_list("status", "attempts")) == {("delivered", 1)}
    # and Ben was promoted once and told once, by e-mail and in the app
    assert ben_was_promoted_once(gym)
    [ben_mail] = mail_to(mailoutbox, ben)
    assert ben_mail.subject.startswith(PROMOTED_SUBJECT)
    assert "You're in" in ben_mail.body
    assert Notification.objects.filter(member=ben).count() == 1
    # and Ana heard of her cancellation once
    assert len(mail_to(mailoutbox, ana)) == 1
    # and a worker finds nothing left
    assert process_events("--once") == "Ran 0 deliveries."


# --- The worker command ----------------------------------------------------------------------


def reserve_lockers(dispatcher, count: int) -> None:
    dispatcher.dispatch([LockerReserved(member_id=new_id(), locker=n) for n in range(count)])


def test_max_deliveries_stops_a_worker_after_that_many(worker_mode, locker_events, services):
    # given five due deliveries
    recorder = Recorder()
    services.dispatcher.register(LockerReserved, recorder.handle, name="LockerReserved.recording")
    reserve_lockers(services.dispatcher, 5)

    # when a worker may do two
    output = process_events("--once", "--max-deliveries", "2")

    # then it did two, oldest first, and left three for later
    assert output == "Ran 2 deliveries."
    assert [event.locker for event in recorder.events] == [0, 1]
    assert Delivery.objects.filter(status="pending").count() == 3
    # and the next runs take the rest
    assert process_events("--once", "--max-deliveries", "2") == "Ran 2 deliveries."
    assert process_events("--once", "--max-deliveries", "2") == "Ran 1 delivery."


def test_sigterm_lets_a_worker_finish_the_delivery_in_hand_then_stop(
    worker_mode, locker_events, services, monkeypatch
):
    # given three due deliveries, and a SIGTERM arriving while the first one runs
    recorder = Recorder()
    services.dispatcher.register(LockerReserved, recorder.handle, name="LockerReserved.recording")
    reserve_lockers(services.dispatcher, 3)
    deliver_next_due = services.dispatcher.deliver_next_due

    def deliver_and_get_terminated() -> bool:
        delivered = deliver_next_due()
        # what the kernel would call: the handler the command installed for SIGTERM
        signal.getsignal(signal.SIGTERM)(signal.SIGTERM, None)
        return delivered

    monkeypatch.setattr(services.dispatcher, "deliver_next_due", deliver_and_get_terminated)

    # when a worker loops (no --once)
    output = process_events("--poll-interval", "0")

    # then it finished the delivery in hand and stopped, leaving the others due
    assert output == "Ran 1 delivery."
    assert len(recorder.events) == 1
    assert Delivery.objects.filter(status="pending").count() == 2


def test_an_idle_worker_polls_at_its_interval_until_sigterm(worker_mode, services, monkeypatch):
    # given nothing to deliver, and a SIGTERM arriving during the second wait
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 2:
            signal.getsignal(signal.SIGTERM)(signal.SIGTERM, None)

    monkeypatch.setattr(process_events_module, "time", SimpleNamespace(sleep=sleep))

    # when a worker loops with a 5 s poll interval
    output = process_events("--poll-interval", "5")

    # then it waited the interval between polls and stopped on SIGTERM
    assert waits == [5.0, 5.0]
    assert output == "Ran 0 deliveries."


def test_sigint_stops_a_worker_like_sigterm(worker_mode, services, monkeypatch):
    def sleep(seconds: float) -> None:
        signal.getsignal(signal.SIGINT)(signal.SIGINT, None)

    monkeypatch.setattr(process_events_module, "time", SimpleNamespace(sleep=sleep))

    assert process_events() == "Ran 0 deliveries."
