"""Worker heartbeats and periodic job runs: written once per interval, never breaking the
caller, and recorded by every periodic command and by generate_classes."""

import logging
from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from bookings import due
from members.models import Member
from ops import heartbeats
from ops.heartbeats import beat, record_job_run, worker_name
from ops.models import JobRun, WorkerHeartbeat

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_earlier_beats(monkeypatch):
    monkeypatch.setattr(heartbeats, "_last_beat", {})


def test_a_beat_records_the_worker_as_alive_now():
    assert beat("process_events@web-1")

    heartbeat = WorkerHeartbeat.objects.get(name="process_events@web-1")
    assert timezone.now() - heartbeat.beat_at < timedelta(seconds=5)


def test_beats_within_the_interval_write_once(settings, django_assert_num_queries):
    settings.GYM_HEARTBEAT_INTERVAL_SECONDS = 60
    beat("w")

    with django_assert_num_queries(0):
        assert not beat("w")
        assert not beat("w")


def test_a_beat_after_the_interval_moves_the_time_on(settings):
    settings.GYM_HEARTBEAT_INTERVAL_SECONDS = 0
    beat("w")
    WorkerHeartbeat.objects.filter(name="w").update(beat_at=timezone.now() - timedelta(hours=1))

    assert beat("w")

    assert WorkerHeartbeat.objects.count() == 1
    assert timezone.now() - WorkerHeartbeat.objects.get().beat_at < timedelta(seconds=5)


def test_a_database_error_is_logged_and_does_not_reach_the_worker(caplog):
    with mock.patch.object(
        WorkerHeartbeat.objects, "filter", side_effect=DatabaseError("server closed")
    ):
        assert beat("w") is False

    assert "Could not record the heartbeat of w" in caplog.text
    # and the next beat tries again at once
    assert beat("w")


def test_a_failed_heartbeat_leaves_the_callers_transaction_usable():
    """PostgreSQL only: there a failed statement aborts the transaction around it."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite does not enforce the column's length")
    with transaction.atomic():
        assert beat("w" * 300) is False  # longer than the column: a real DataError
        assert Member.objects.count() == 0  # the transaction still works


def test_worker_names_are_stable_per_machine(monkeypatch):
    monkeypatch.delenv("GYM_WORKER_NAME", raising=False)
    monkeypatch.setattr(heartbeats.socket, "gethostname", lambda: "web-1")
    assert worker_name() == "process_events@web-1"

    monkeypatch.setenv("GYM_WORKER_NAME", "events-2")
    assert worker_name() == "events-2"


def test_a_job_run_records_success_and_failure_apart():
    record_job_run("close_classes", succeeded=True)
    record_job_run("close_classes", succeeded=False)

    run = JobRun.objects.get(job="close_classes")
    assert run.succeeded_at is not None
    assert run.failed_at >= run.succeeded_at


def test_recording_a_job_run_never_raises(caplog):
    with mock.patch.object(JobRun.objects, "filter", side_effect=DatabaseError("gone")):
        record_job_run("close_classes", succeeded=True)

    assert "Could not record the run of close_classes" in caplog.text


@pytest.mark.parametrize(
    "command", ["close_classes", "expire_credits", "promote_waitlists", "send_reminders"]
)
def test_every_periodic_command_records_its_successful_run(command, services):
    call_command(command, stdout=StringIO(), stderr=StringIO())

    run = JobRun.objects.get(job=command)
    assert run.succeeded_at is not None
    assert run.failed_at is None


def test_a_periodic_run_with_a_failed_item_is_recorded_as_failed(services, monkeypatch, caplog):
    monkeypatch.setattr(due, "class_ids_to_settle", lambda now: ["some-class"])
    monkeypatch.setattr(
        services.settle_class, "execute", mock.Mock(side_effect=RuntimeError("lost"))
    )

    with caplog.at_level(logging.ERROR), pytest.raises(CommandError):
        call_command("close_classes", stdout=StringIO(), stderr=StringIO())

    run = JobRun.objects.get(job="close_classes")
    assert run.failed_at is not None
    assert run.succeeded_at is None


def test_a_dry_run_is_not_a_run(services):
    call_command("close_classes", "--dry-run", stdout=StringIO())

    assert not JobRun.objects.exists()


def test_generate_classes_records_its_runs(services):
    call_command("generate_classes", stdout=StringIO())
    assert JobRun.objects.get(job="generate_classes").succeeded_at is not None

    with pytest.raises(CommandError):
        call_command("generate_classes", "--weeks", "0", stdout=StringIO())
    assert JobRun.objects.get(job="generate_classes").failed_at is not None


def test_a_dry_generate_classes_is_not_a_run_of_the_job(services):
    call_command("generate_classes", "--dry-run", stdout=StringIO())

    assert not JobRun.objects.exists()


def test_a_delivery_worker_beats_while_it_runs():
    call_command("process_events", "--once", stdout=StringIO())

    heartbeat = WorkerHeartbeat.objects.get(name=worker_name())
    assert timezone.now() - heartbeat.beat_at < timedelta(seconds=10)
