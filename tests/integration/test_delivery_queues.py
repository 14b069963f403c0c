"""Delivery queues: fast (database work) may run in the committing process after its commit;
mail (e-mail) is only ever run by workers, in every delivery mode, so a member's request never
waits for a mail server; and a worker of every queue empties the fast one first, so a
promotion never waits behind a backlog of e-mail. `process_events --queue` picks queues."""

from dataclasses import dataclass
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from application.event_dispatcher import DeliveryQueue, InMemoryEventDispatcher
from domain.events import DomainEvent
from domain.values import new_id
from events import registry
from events.dispatcher import DurableEventDispatcher
from events.models import Delivery

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("signal_handlers_restored")]

FAST, MAIL = DeliveryQueue.FAST, DeliveryQueue.MAIL


@dataclass(frozen=True, kw_only=True)
class TowelHandedOut(DomainEvent):
    """A test-only event type: these tests own its handlers."""

    member_id: str
    towel: int


@pytest.fixture(autouse=True)
def towel_events(monkeypatch):
    monkeypatch.setitem(registry.EVENT_TYPES, "TowelHandedOut", TowelHandedOut)


class Log:
    """Handlers that append (handler name, towel) to one shared list, in order of running."""

    def __init__(self) -> None:
        self.runs: list[tuple[str, int]] = []

    def handler(self, name: str):
        def handle(event: TowelHandedOut) -> None:
            self.runs.append((name, event.towel))

        return handle


def towels(*numbers: int) -> list[TowelHandedOut]:
    return [TowelHandedOut(member_id=new_id(), towel=n) for n in numbers]


def wired(dispatcher, log: Log):
    dispatcher.register(TowelHandedOut, log.handler("counter"), name="Towels.counter")
    dispatcher.register(TowelHandedOut, log.handler("mail"), name="Towels.mail", queue=MAIL)
    return dispatcher


def queues() -> dict[str, str]:
    return dict(Delivery.objects.values_list("handler", "queue"))


def process_events(*args: str) -> str:
    out = StringIO()
    call_command("process_events", *args, stdout=out)
    return out.getvalue().strip()


# --- Recording and running after commit -----------------------------------------------------


def test_each_delivery_records_its_handlers_queue():
    dispatcher = wired(DurableEventDispatcher(), Log())

    dispatcher.dispatch(towels(1))

    assert queues() == {"Towels.counter": "fast", "Towels.mail": "mail"}


def test_inline_mode_runs_only_the_fast_queue_after_commit_and_leaves_mail_due_to_workers(
    django_capture_on_commit_callbacks,
):
    # given inline delivery with the usual grace
    log = Log()
    dispatcher = wired(DurableEventDispatcher(inline=True), log)

    # when an event is dispatched and its transaction commits
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        dispatcher.dispatch(towels(1))

    # then one callback ran the fast handler; the mail handler did not run
    assert len(callbacks) == 1
    assert log.runs == [("counter", 1)]
    statuses = dict(Delivery.objects.values_list("handler", "status"))
    assert statuses == {"Towels.counter": "delivered", "Towels.mail": "pending"}
    # and the mail delivery is due to the workers at once, without the grace period
    mail = Delivery.objects.get(handler="Towels.mail")
    assert mail.next_attempt_at <= timezone.now()


def test_an_event_with_only_mail_handlers_queues_no_callback(django_capture_on_commit_callbacks):
    log = Log()
    dispatcher = DurableEventDispatcher(inline=True)
    dispatcher.register(TowelHandedOut, log.handler("mail"), name="Towels.mail", queue=MAIL)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        dispatcher.dispatch(towels(1))

    assert callbacks == []
    assert log.runs == []


def test_the_in_memory_dispatcher_runs_every_queue_at_once():
    """The book's dispatcher (the unit tests') has no workers: the queue changes nothing."""
    log = Log()
    dispatcher = wired(InMemoryEventDispatcher(), log)

    dispatcher.dispatch(towels(1))

    assert log.runs == [("counter", 1), ("mail", 1)]


def test_the_composition_root_puts_e_mail_on_the_mail_queue_and_the_rest_on_the_fast_one(
    services,
):
    by_name = {s.name: s.queue for s in services.dispatcher._subscriptions}

    assert by_name["NotificationHandler.email"] is MAIL
    assert by_name["NotificationHandler.in_app"] is FAST
    assert by_name["WaitlistPromotionHandler.handle"] is FAST


# --- Workers and their queues ---------------------------------------------------------------


def backlog(dispatcher, *, mail: int, fast: int) -> None:
    """E-mail deliveries of towels 0.. due for five minutes, then fresher fast deliveries of
    towels 100.., due now (a dispatcher in worker mode)."""
    old = timezone.now() - timedelta(minutes=5)
    with transaction.atomic():
        dispatcher.dispatch(towels(*range(mail)))
        Delivery.objects.filter(queue=FAST, status="pending").delete()  # keep their e-mail
        Delivery.objects.filter(status="pending").update(next_attempt_at=old)
        dispatcher.dispatch(towels(*range(100, 100 + fast)))
        Delivery.objects.filter(queue=MAIL, next_attempt_at__gt=old).delete()  # their fast one


def test_a_worker_of_every_queue_runs_the_fast_queue_first_even_behind_older_mail():
    # given three old e-mail deliveries and two fresher fast ones, all due
    log = Log()
    dispatcher = wired(DurableEventDispatcher(inline=False), log)
    backlog(dispatcher, mail=3, fast=2)

    # when a worker of every queue delivers them all
    while dispatcher.deliver_next_due():
        pass

    # then the fast ones went first, then the mail, each queue oldest first
    assert log.runs == [("counter", 100), ("counter", 101), ("mail", 0), ("mail", 1), ("mail", 2)]


@pytest.fixture
def worker_mode(settings):
    """Web processes only record; workers deliver (requested before `services`)."""
    settings.GYM_EVENT_DELIVERY = "worker"


def test_a_worker_of_one_queue_runs_that_queue_only(worker_mode, services):
    log = Log()
    wired(services.dispatcher, log)
    backlog(services.dispatcher, mail=2, fast=2)

    assert process_events("--once", "--queue", "mail") == "Ran 2 deliveries."
    assert log.runs == [("mail", 0), ("mail", 1)]
    assert process_events("--once", "--queue", "mail") == "Ran 0 deliveries."

    assert process_events("--once", "--queue", "fast") == "Ran 2 deliveries."
    assert log.runs[2:] == [("counter", 100), ("counter", 101)]


def test_queues_given_twice_or_all_are_served_in_the_order_given(worker_mode, services):
    log = Log()
    wired(services.dispatcher, log)
    backlog(services.dispatcher, mail=1, fast=1)

    assert process_events("--once", "--queue", "mail", "--queue", "fast") == "Ran 2 deliveries."
    assert log.runs == [("mail", 0), ("counter", 100)]

    backlog(services.dispatcher, mail=1, fast=1)
    assert process_events("--once", "--queue", "all") == "Ran 2 deliveries."
    assert log.runs[2:] == [("counter", 100), ("mail", 0)]


def test_an_unknown_queue_is_refused(services):
    with pytest.raises(CommandError, match="invalid choice: 'sms'"):
        process_events("--once", "--queue", "sms")


def test_a_dry_run_says_what_is_due_per_queue_and_handler_and_delivers_nothing(
    worker_mode, services
):
    # given two old e-mail deliveries and one fresh fast one, and one not yet due
    log = Log()
    wired(services.dispatcher, log)
    backlog(services.dispatcher, mail=2, fast=1)
    with transaction.atomic():
        services.dispatcher.dispatch(towels(200))
    Delivery.objects.filter(delivered_at=None, event__payload__towel=200).update(
        next_attempt_at=timezone.now() + timedelta(hours=1)
    )

    # when a dry run looks at every queue, then at the mail queue only
    everything = process_events("--dry-run").splitlines()
    mail_only = process_events("--dry-run", "--queue", "mail").splitlines()

    # then it lists what is due now, fast queue first, and ran nothing
    assert [line.split(", the oldest")[0] for line in everything] == [
        "fast: Towels.counter: 1 delivery due",
        "mail: Towels.mail: 2 deliveries due",
        "Would run 3 deliveries (dry run).",
    ]
    assert "the oldest for 30" in everything[1]  # five minutes: 300 seconds
    assert mail_only[-1] == "Would run 2 deliveries (dry run)."
    assert log.runs == []
    assert Delivery.objects.filter(status="delivered").count() == 0
