"""`prune_history` keeps exactly what the retention settings say, on a fixed clock: delivered
deliveries for GYM_DELIVERY_RETENTION_DAYS after delivery, events for
GYM_EVENT_RETENTION_DAYS after they occurred (never one whose work is not done), no expired
session; in batches; and the staff report within the retention window is unchanged."""

import uuid
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone

from domain.events import MemberJoinedWaitlist, MemberPromotedFromWaitlist
from events import retention
from events.models import Delivery, StoredEvent
from reports.queries import Grouping, Period, build_report
from tests.factories import FitnessClassFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2031, 3, 4, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)
DELIVERED = Delivery.Status.DELIVERED


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch, settings):
    settings.GYM_DELIVERY_RETENTION_DAYS = 30
    settings.GYM_EVENT_RETENTION_DAYS = 365
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def event(occurred_at: datetime, *, type="MemberJoinedWaitlist", class_id=None) -> StoredEvent:
    return StoredEvent.objects.create(
        id=uuid.uuid4(),
        type=type,
        schema_version=1,
        payload={},
        occurred_at=occurred_at,
        actor_kind=StoredEvent.ActorKind.SYSTEM,
        class_id=class_id,
    )


def delivery(of: StoredEvent, status=DELIVERED, *, delivered_at=None, handler="H") -> Delivery:
    if status == DELIVERED and delivered_at is None:
        delivered_at = of.occurred_at
    return Delivery.objects.create(
        event=of,
        handler=handler,
        status=status,
        next_attempt_at=of.occurred_at,
        delivered_at=delivered_at,
    )


def prune(*args: str) -> str:
    out = StringIO()
    call_command("prune_history", *args, stdout=out)
    return out.getvalue().strip()


def ids(queryset) -> set:
    return set(queryset.values_list("pk", flat=True))


# --- Deliveries ------------------------------------------------------------------------------


def test_delivered_deliveries_are_kept_exactly_the_retention_days():
    recent = event(NOW - 40 * DAY)  # the event itself is well within its own retention
    too_old = delivery(recent, delivered_at=NOW - 30 * DAY - SECOND, handler="old")
    on_the_day = delivery(recent, delivered_at=NOW - 30 * DAY, handler="edge")
    young = delivery(recent, delivered_at=NOW - 29 * DAY, handler="young")

    out = prune()

    assert ids(Delivery.objects) == {on_the_day.pk, young.pk}
    assert not Delivery.objects.filter(pk=too_old.pk).exists()
    assert out.startswith("Deleted 1 delivered delivery, 0 events")


@pytest.mark.parametrize("status", [Delivery.Status.PENDING, Delivery.Status.FAILED, "dead"])
def test_a_delivery_that_is_not_delivered_is_never_pruned(status):
    old = event(NOW - 400 * DAY)
    waiting = delivery(old, status)

    prune()

    assert ids(Delivery.objects) == {waiting.pk}
    assert ids(StoredEvent.objects) == {old.pk}


def test_the_delivery_retention_is_a_setting(settings):
    settings.GYM_DELIVERY_RETENTION_DAYS = 7
    recent = event(NOW - 10 * DAY)
    kept = delivery(recent, delivered_at=NOW - 7 * DAY + SECOND, handler="kept")
    delivery(recent, delivered_at=NOW - 7 * DAY - SECOND, handler="gone")

    prune()

    assert ids(Delivery.objects) == {kept.pk}


# --- Events ----------------------------------------------------------------------------------


def test_events_are_kept_exactly_the_retention_days_and_go_with_their_deliveries():
    too_old = event(NOW - 365 * DAY - SECOND)
    delivery(too_old, delivered_at=NOW - 365 * DAY)
    on_the_day = event(NOW - 365 * DAY)
    young = event(NOW - 364 * DAY)
    without_deliveries = event(NOW - 500 * DAY)

    out = prune()

    assert ids(StoredEvent.objects) == {on_the_day.pk, young.pk}
    assert not StoredEvent.objects.filter(pk=without_deliveries.pk).exists()
    assert Delivery.objects.count() == 0
    assert out == "Deleted 1 delivered delivery, 2 events and 0 expired sessions."


def test_an_old_event_whose_work_is_not_done_is_kept_with_all_its_deliveries(settings):
    # The deliveries' retention longer than the events', so the delivered one survives the
    # delivery prune and must be kept, not cascaded, with its event.
    settings.GYM_DELIVERY_RETENTION_DAYS = 1000
    old = event(NOW - 400 * DAY)
    done = delivery(old, handler="email")
    dead = delivery(old, "dead", handler="in_app")

    prune()

    assert ids(StoredEvent.objects) == {old.pk}
    assert ids(Delivery.objects) == {done.pk, dead.pk}


def test_the_event_retention_is_a_setting(settings):
    settings.GYM_EVENT_RETENTION_DAYS = 10
    kept = event(NOW - 10 * DAY + SECOND)
    event(NOW - 10 * DAY - SECOND)

    prune()

    assert ids(StoredEvent.objects) == {kept.pk}


def test_a_second_prune_deletes_nothing_more():
    for age in (400, 401, 5):
        delivery(event(NOW - age * DAY))
    prune()
    left = ids(StoredEvent.objects), ids(Delivery.objects)

    out = prune()

    assert (ids(StoredEvent.objects), ids(Delivery.objects)) == left
    assert out == "Deleted 0 delivered deliveries, 0 events and 0 expired sessions."


# --- Batches ---------------------------------------------------------------------------------


def test_deletes_go_in_batches_oldest_first_each_in_a_transaction_of_its_own():
    olds = [event(NOW - (400 + n) * DAY) for n in range(5)]
    kept = event(NOW - DAY)
    batches = []

    deleted = retention.prune_events(
        retention.Cutoffs.at(NOW), batch_size=2, progress=batches.append
    )

    assert deleted == 5
    assert batches == [2, 2, 1]
    assert ids(StoredEvent.objects) == {kept.pk}
    assert len(olds) == 5


def test_each_batch_takes_the_same_few_queries_however_many_rows_it_deletes(
    django_assert_num_queries,
):
    for n in range(40):
        delivery(event(NOW - (400 + n) * DAY), delivered_at=NOW - 399 * DAY)
    cutoffs = retention.Cutoffs.at(NOW)

    # One batch of 40: find the ids, delete their deliveries (find + delete), delete the
    # events (collect + cascade check + delete), in a savepoint-free transaction.
    with django_assert_num_queries(7):
        assert retention.prune_events(cutoffs, batch_size=100) == 40


def test_the_command_s_batch_size_is_an_option():
    for n in range(3):
        event(NOW - (400 + n) * DAY)
    err = StringIO()

    call_command("prune_history", "--batch-size", "1", "-v", "2", stdout=StringIO(), stderr=err)

    assert err.getvalue().count("events: 1 deleted") == 3


# --- Sessions and the dry run ----------------------------------------------------------------


def test_expired_sessions_are_cleared_and_live_ones_kept():
    Session.objects.create(session_key="a" * 32, session_data="", expire_date=NOW - SECOND)
    Session.objects.create(session_key="b" * 32, session_data="", expire_date=NOW + DAY)

    out = prune()

    assert list(Session.objects.values_list("session_key", flat=True)) == ["b" * 32]
    assert out.endswith("and 1 expired session.")


def test_a_dry_run_counts_and_deletes_nothing():
    delivery(event(NOW - 400 * DAY))
    delivery(event(NOW - 40 * DAY))

    out = prune("--dry-run")

    assert out == (
        "Would delete 2 delivered deliveries (older than 30 days), 1 event "
        "(older than 365 days) and the expired sessions."
    )
    assert StoredEvent.objects.count() == 2
    assert Delivery.objects.count() == 2


# --- The reports -----------------------------------------------------------------------------


def waitlist_events(fitness_class, joined: int, promoted: int) -> None:
    for type, count in ((MemberJoinedWaitlist, joined), (MemberPromotedFromWaitlist, promoted)):
        for _ in range(count):
            delivery(
                event(fitness_class.starts_at - DAY, type=type.__name__, class_id=fitness_class.pk)
            )


def report_on(fitness_class):
    day = fitness_class.starts_at.astimezone(timezone.get_current_timezone()).date()
    return build_report(
        Period.of_days(day, day, timezone.get_current_timezone()), Grouping.CLASS, now=NOW
    )


def test_a_report_within_the_event_retention_is_the_same_after_a_prune():
    recent = FitnessClassFactory(name="Spin", starts_at=NOW - 300 * DAY)
    waitlist_events(recent, joined=3, promoted=2)
    before = report_on(recent)

    prune()

    assert report_on(recent) == before
    assert (before.total.waitlist_joined, before.total.waitlist_promoted) == (3, 2)


def test_a_report_older_than_the_event_retention_loses_its_waitlist_figures_only():
    old = FitnessClassFactory(name="Spin", starts_at=NOW - 400 * DAY)
    waitlist_events(old, joined=3, promoted=2)

    prune()

    after = report_on(old)
    assert after.total.classes_held == 1  # classes and bookings are never pruned
    assert (after.total.waitlist_joined, after.total.waitlist_promoted) == (0, 0)
