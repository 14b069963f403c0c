"""`close_waitlists`: the waitlists of classes that have started are closed, each entry with
an event; idempotent, and `--dry-run` says what it would do and changes nothing."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from bookings.models import WaitlistEntry
from events.models import StoredEvent
from tests.factories import FitnessClassFactory, WaitlistEntryFactory

pytestmark = pytest.mark.django_db


def run(*args: str, **options) -> str:
    out = StringIO()
    call_command("close_waitlists", *args, stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


@pytest.fixture
def waitlists():
    """Spin started 5 minutes ago with two waiting; Yoga starts in an hour with one."""
    now = timezone.now()
    spin = FitnessClassFactory(name="Spin", starts_at=now - timedelta(minutes=5))
    yoga = FitnessClassFactory(name="Yoga", starts_at=now + timedelta(hours=1))
    started = WaitlistEntryFactory.create_batch(2, fitness_class=spin)
    upcoming = WaitlistEntryFactory(fitness_class=yoga)
    return started, upcoming


def test_the_waitlist_of_a_started_class_is_closed_with_an_event_per_entry(
    services, waitlists, django_capture_on_commit_callbacks
):
    started, upcoming = waitlists

    with django_capture_on_commit_callbacks(execute=True):
        out = run()

    assert list(WaitlistEntry.objects.values_list("pk", flat=True)) == [upcoming.pk]
    left = StoredEvent.objects.filter(type="MemberLeftWaitlist")
    assert sorted(e.payload["waitlist_entry_id"] for e in left) == sorted(
        str(entry.pk) for entry in started
    )
    assert {e.payload["reason"] for e in left} == {"class started"}
    assert out.strip() == "Closed 1 waitlist: 2 waiting members closed."


def test_a_second_run_closes_nothing(services, waitlists):
    run()
    events = StoredEvent.objects.count()

    out = run()

    assert out.strip() == "Closed 0 waitlists: 0 waiting members closed."
    assert StoredEvent.objects.count() == events


def test_the_dry_run_says_what_it_would_close_and_changes_nothing(services, waitlists):
    out = run("--dry-run", verbosity=2)

    assert "Would close 1 waitlist: 2 waiting members." in out
    assert "Spin, " in out
    assert WaitlistEntry.objects.count() == 3
    assert not StoredEvent.objects.exists()
