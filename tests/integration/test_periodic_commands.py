"""The periodic commands on the real database, through their own entry points: what each
changes and says, that `--dry-run` changes nothing, that a second run finds nothing left to do,
that reminders are e-mailed once; `run_periodic` running them all; the progress bar; and, on
PostgreSQL, two copies of a command running at the same moment.

Commands are run inside `django_capture_on_commit_callbacks(execute=True)`, so the deliveries
a commit fires (in-app notices) run as they do in production, and then an e-mail worker runs
once, which is what sends the e-mail.
"""

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from bookings import due
from bookings.models import Booking, WaitlistEntry
from domain.entities import BookingStatus
from events.models import StoredEvent
from events.periodic import Progress
from members.models import CreditGrant, Member
from notifications.models import Notification
from tests.factories import (
    BookingFactory,
    CreditGrantFactory,
    FitnessClassFactory,
    MemberFactory,
    WaitlistEntryFactory,
    member_with_credits,
)

CONFIRMED = BookingStatus.CONFIRMED
CANCELLED = BookingStatus.CANCELLED.value
ATTENDED = BookingStatus.ATTENDED.value
NO_SHOW = BookingStatus.NO_SHOW.value
HOUR = timedelta(hours=1)

pytestmark = pytest.mark.django_db


class TerminalOutput(StringIO):
    """Captured output that claims to be a terminal."""

    def isatty(self) -> bool:
        return True


def run(command: str, *args: str, stderr: StringIO | None = None, **options) -> str:
    """Run a command with its after-commit deliveries; return what it wrote to stdout."""
    out = StringIO()
    call_command(command, *args, stdout=out, stderr=stderr or StringIO(), **options)
    return out.getvalue()


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def delivered(django_capture_on_commit_callbacks, mail_worker) -> Callable[..., str]:
    """`delivered(command, ...)`: run it, and the deliveries its commits fire, as production
    does (in-app notices after commit, then e-mail by a mail worker)."""

    def run_delivered(command: str, *args: str, **options) -> str:
        try:
            with django_capture_on_commit_callbacks(execute=True):
                return run(command, *args, **options)
        finally:
            mail_worker()

    return run_delivered


def a_class(now, *, starts_in, capacity=10, duration=HOUR, name="Spin", cancelled=False):
    return FitnessClassFactory(
        name=name,
        starts_at=now + starts_in,
        ends_at=now + starts_in + duration,
        capacity=capacity,
        cancelled_at=now - timedelta(days=1) if cancelled else None,
    )


def state() -> dict[str, list]:
    """Everything a periodic command may change."""
    return {
        "bookings": list(Booking.objects.order_by("pk").values_list("pk", "status", "reminded_at")),
        "grants": list(
            CreditGrant.objects.order_by("pk").values_list("pk", "remaining", "expiry_recorded")
        ),
        "waitlist": list(WaitlistEntry.objects.order_by("pk").values_list("pk", flat=True)),
        "members": list(Member.objects.order_by("pk").values_list("pk", "bookings_paused_until")),
        "events": list(StoredEvent.objects.order_by("pk").values_list("pk", flat=True)),
    }


def events(event_type: str) -> list[StoredEvent]:
    return list(StoredEvent.objects.filter(type=event_type).order_by("occurred_at", "pk"))


def statuses(*bookings) -> list[str]:
    return [Booking.objects.get(pk=booking.pk).status for booking in bookings]


# --- close_classes ------------------------------------------------------------------------------


@pytest.fixture
def ended_classes(now):
    """Spin ended 2 hours ago (3 unmarked, 1 marked no-show, 1 cancelled); Yoga ended 30
    minutes ago, inside the default 60-minute grace period."""
    spin = a_class(now, starts_in=-3 * HOUR)
    unmarked = BookingFactory.create_batch(3, fitness_class=spin)
    marked = BookingFactory(fitness_class=spin, status=NO_SHOW)
    cancelled = BookingFactory(fitness_class=spin, status=CANCELLED)
    yoga = a_class(now, starts_in=-90 * timedelta(minutes=1), name="Yoga")
    recent = BookingFactory(fitness_class=yoga)
    return {"unmarked": unmarked, "marked": marked, "cancelled": cancelled, "recent": recent}


def test_close_classes_settles_unmarked_bookings_of_classes_past_their_grace_period(
    services, delivered, ended_classes
):
    # when
    out = delivered("close_classes")

    # then
    assert out == "Settled 1 class: 3 attended, 0 no-shows.\n"
    assert statuses(*ended_classes["unmarked"]) == [ATTENDED] * 3
    assert statuses(ended_classes["marked"], ended_classes["cancelled"]) == [NO_SHOW, CANCELLED]
    assert statuses(ended_classes["recent"]) == [CONFIRMED]
    recorded = events("AttendanceRecorded")
    assert sorted(str(e.payload["booking_id"]) for e in recorded) == sorted(
        str(b.pk) for b in ended_classes["unmarked"]
    )
    assert {(e.actor_kind, e.actor_label) for e in recorded} == {("system", "close_classes")}


def test_a_second_close_classes_run_settles_nothing(services, delivered, ended_classes):
    delivered("close_classes")
    before = state()

    out = delivered("close_classes")

    assert out == "Settled 0 classes: 0 attended, 0 no-shows.\n"
    assert state() == before


def test_close_classes_dry_run_says_what_it_would_do_and_changes_nothing(
    services, delivered, ended_classes
):
    before = state()

    out = delivered("close_classes", "--dry-run")

    assert out == "Would settle 1 class: 3 unmarked bookings would be recorded as attended.\n"
    assert state() == before


def test_close_classes_dry_run_lists_the_classes_when_verbose(services, delivered, ended_classes):
    out = delivered("close_classes", "--dry-run", verbosity=2)

    [listed, summary] = out.splitlines()
    assert listed.startswith("  Spin, ")
    assert listed.endswith(": 3 unmarked bookings")
    assert summary.startswith("Would settle 1 class")


def test_the_grace_period_is_a_setting(settings, services, delivered, ended_classes):
    settings.GYM_SETTLE_AFTER_MINUTES = 15

    out = delivered("close_classes")

    assert out == "Settled 2 classes: 4 attended, 0 no-shows.\n"
    assert statuses(ended_classes["recent"]) == [ATTENDED]


@pytest.fixture
def no_shows_pause(settings):
    """Unmarked bookings become no-shows, and one no-show pauses booking."""
    settings.GYM_UNMARKED_OUTCOME = "no_show"
    settings.GYM_NO_SHOW_LIMIT = 1
    settings.GYM_NO_SHOW_PAUSE_DAYS = 7


def test_unmarked_bookings_become_no_shows_per_the_setting_and_pause_booking(
    no_shows_pause, services, delivered, ended_classes, now
):
    # when
    out = delivered("close_classes")

    # then
    assert out == "Settled 1 class: 0 attended, 3 no-shows.\n"
    assert statuses(*ended_classes["unmarked"]) == [NO_SHOW] * 3
    for booking in ended_classes["unmarked"]:
        paused_until = Member.objects.get(pk=booking.member_id).bookings_paused_until
        assert now + timedelta(days=7) <= paused_until <= timezone.now() + timedelta(days=7)
    assert len(events("MemberBookingsPaused")) == 3


# --- expire_credits -----------------------------------------------------------------------------


@pytest.fixture
def credits(now):
    """Ana: 2 of 3 credits left in a grant that expired an hour ago. Ben: an expired grant, all
    spent. Cara: credit valid for a second longer. Dev: an expiry already recorded."""
    ana = MemberFactory(name="Ana")
    expired = CreditGrantFactory(member=ana, amount=3, remaining=2, expires_at=now - HOUR)
    CreditGrantFactory(member=MemberFactory(), amount=1, remaining=0, expires_at=now - HOUR)
    CreditGrantFactory(member=MemberFactory(), amount=4, expires_at=now + timedelta(days=1))
    CreditGrantFactory(member=MemberFactory(), expires_at=now - HOUR, expiry_recorded=True)
    return ana, expired


def test_expire_credits_records_every_expired_grant_with_credit_left(services, delivered, credits):
    ana, expired = credits

    out = delivered("expire_credits")

    assert out == "Recorded 1 expired grant of 1 member.\n"
    expired.refresh_from_db()
    assert (expired.expiry_recorded, expired.remaining) == (True, 2)
    [event] = events("CreditsExpired")
    assert event.payload == {"member_id": str(ana.pk), "grant_id": str(expired.pk), "amount": 2}
    assert event.actor_label == "expire_credits"
    assert CreditGrant.objects.filter(expiry_recorded=True).count() == 2


def test_a_second_expire_credits_run_records_nothing(services, delivered, credits):
    delivered("expire_credits")
    before = state()

    out = delivered("expire_credits")

    assert out == "Recorded 0 expired grants of 0 members.\n"
    assert state() == before


def test_expire_credits_dry_run_counts_grants_and_credits_and_changes_nothing(
    services, delivered, credits
):
    before = state()

    out = delivered("expire_credits", "--dry-run")

    assert out == "Would record 1 expired grant (2 credits) of 1 member.\n"
    assert state() == before


def test_expire_credits_dry_run_lists_the_grants_when_verbose(services, delivered, credits):
    out = delivered("expire_credits", "--dry-run", verbosity=2)

    assert out.splitlines()[0].startswith("  Ana: 2 credits expired ")


# --- send_reminders -----------------------------------------------------------------------------


@pytest.fixture
def booked(now):
    """Spin in 3 hours: Ana and Ben booked, Cara cancelled. Yoga in 30 hours: Dev booked.
    Pilates in 2 hours, cancelled: Eve's booking went with it."""
    spin = a_class(now, starts_in=3 * HOUR)
    ana, ben, cara, dev, eve = (
        MemberFactory(name=name, email=f"{name.lower()}@example.com")
        for name in ("Ana", "Ben", "Cara", "Dev", "Eve")
    )
    BookingFactory(member=ana, fitness_class=spin)
    BookingFactory(member=ben, fitness_class=spin)
    BookingFactory(member=cara, fitness_class=spin, status=CANCELLED)
    BookingFactory(member=dev, fitness_class=a_class(now, starts_in=30 * HOUR, name="Yoga"))
    pilates = a_class(now, starts_in=2 * HOUR, name="Pilates", cancelled=True)
    BookingFactory(member=eve, fitness_class=pilates, status=CANCELLED)
    return spin


def test_send_reminders_emails_and_notifies_members_booked_on_classes_starting_soon(
    services, delivered, booked, mailoutbox
):
    # when
    out = delivered("send_reminders")

    # then
    assert out == "Sent 2 class reminders.\n"
    assert sorted(message.to[0] for message in mailoutbox) == [
        "ana@example.com",
        "ben@example.com",
    ]
    assert all(message.subject.startswith("Reminder: Spin, ") for message in mailoutbox)
    assert Notification.objects.filter(kind="class_reminder").count() == 2
    reminded = Booking.objects.filter(reminded_at__isnull=False)
    assert sorted(b.member.name for b in reminded) == ["Ana", "Ben"]
    assert len(events("MemberRemindedOfClass")) == 2


def test_a_second_send_reminders_run_reminds_nobody_again(services, delivered, booked, mailoutbox):
    delivered("send_reminders")
    before = state()

    out = delivered("send_reminders")

    assert out == "Sent 0 class reminders.\n"
    assert len(mailoutbox) == 2
    assert state() == before


def test_send_reminders_dry_run_sends_nothing(services, delivered, booked, mailoutbox):
    before = state()

    out = delivered("send_reminders", "--dry-run", verbosity=2)

    *listed, summary = out.splitlines()
    assert sorted(line.split(":")[0] for line in listed) == ["  Ana", "  Ben"]
    assert summary.startswith("Would send 2 class reminders for classes starting before ")
    assert mailoutbox == []
    assert state() == before


def test_how_long_before_a_class_members_are_reminded_is_a_setting(
    settings, services, delivered, booked, mailoutbox
):
    settings.GYM_REMINDER_HOURS = 48

    out = delivered("send_reminders")

    assert out == "Sent 3 class reminders.\n"
    assert sorted(message.to[0] for message in mailoutbox) == [
        "ana@example.com",
        "ben@example.com",
        "dev@example.com",
    ]


# --- promote_waitlists --------------------------------------------------------------------------


@pytest.fixture
def free_spot(now):
    """Boxing (2 spots, 1 booked) in 5 hours; Fay (no credit) waits first, Gus (1 credit) next."""
    boxing = a_class(now, starts_in=5 * HOUR, capacity=2, name="Boxing")
    BookingFactory(fitness_class=boxing)
    fay = member_with_credits(0, name="Fay", email="fay@example.com")
    gus = member_with_credits(1, name="Gus", email="gus@example.com")
    WaitlistEntryFactory(member=fay, fitness_class=boxing, created_at=now - 2 * HOUR)
    WaitlistEntryFactory(member=gus, fitness_class=boxing, created_at=now - HOUR)
    return boxing, fay, gus


def test_promote_waitlists_fills_a_free_spot_with_the_first_eligible_member(
    services, delivered, free_spot, mailoutbox
):
    boxing, fay, gus = free_spot

    out = delivered("promote_waitlists")

    assert out == (
        "Promoted 1 waitlisted member into 1 class (1 with a free spot and somebody waiting).\n"
    )
    assert Booking.objects.filter(fitness_class=boxing, member=gus, status=CONFIRMED).exists()
    assert list(WaitlistEntry.objects.values_list("member_id", flat=True)) == [fay.pk]
    assert CreditGrant.objects.get(member=gus).remaining == 0
    [message] = [m for m in mailoutbox if m.to == ["gus@example.com"]]
    assert message.subject.startswith("You're in!")
    # and Fay, passed over for want of a credit, is told so
    [told] = [m for m in mailoutbox if m.to == ["fay@example.com"]]
    assert told.subject.startswith("A spot came up, but you couldn't be promoted")
    [promoted] = events("MemberPromotedFromWaitlist")
    assert promoted.actor_label == "promote_waitlists"


def test_a_second_promote_waitlists_run_finds_nothing_to_do(services, delivered, free_spot):
    delivered("promote_waitlists")
    before = state()

    out = delivered("promote_waitlists")

    assert out == (
        "Promoted 0 waitlisted members into 0 classes (0 with a free spot and somebody waiting).\n"
    )
    assert state() == before


def test_promote_waitlists_leaves_ineligible_members_waiting(
    services, delivered, free_spot, mailoutbox
):
    _, _, gus = free_spot
    CreditGrant.objects.filter(member=gus).update(remaining=0)
    before = state()

    out = delivered("promote_waitlists")

    assert out == (
        "Promoted 0 waitlisted members into 0 classes (1 with a free spot and somebody waiting).\n"
    )
    # nothing changed but the record that both were skipped, and each is told once
    assert {k: v for k, v in state().items() if k != "events"} == {
        k: v for k, v in before.items() if k != "events"
    }
    assert sorted(e.payload["reason"] for e in events("MemberSkippedOnWaitlist")) == [
        "no_credit",
        "no_credit",
    ]
    assert sorted(m.to[0] for m in mailoutbox) == ["fay@example.com", "gus@example.com"]
    again = state()
    delivered("promote_waitlists")
    assert state() == again
    assert len(mailoutbox) == 2


def test_promote_waitlists_dry_run_changes_nothing(services, delivered, free_spot):
    before = state()

    out = delivered("promote_waitlists", "--dry-run", verbosity=2)

    [listed, summary] = out.splitlines()
    assert listed.startswith("  Boxing, ")
    assert listed.endswith(": 1 free spot, 2 waiting")
    assert summary == (
        "Would check 1 class with a free spot and somebody waiting, "
        "and promote the first eligible members."
    )
    assert state() == before


# --- run_periodic -------------------------------------------------------------------------------


@pytest.fixture
def a_busy_day(ended_classes, credits, booked, free_spot):
    """Something for every job to do."""


def test_run_periodic_runs_every_job_in_order(services, delivered, a_busy_day, mailoutbox):
    out = delivered("run_periodic")

    assert out.splitlines() == [
        "Settled 1 class: 3 attended, 0 no-shows.",
        "Closed 0 waitlists: 0 waiting members closed.",
        "Recorded 1 expired grant of 1 member.",
        "Ended 0 memberships.",
        "Promoted 1 waitlisted member into 1 class (1 with a free spot and somebody waiting).",
        # Ana and Ben for Spin; for Boxing, the member booked and Gus, promoted just before
        "Sent 4 class reminders.",
        "Deleted 0 delivered deliveries, 0 events and 0 expired sessions.",
    ]
    assert len(mailoutbox) == 6  # and Gus's promotion, and Fay told why she was skipped


def test_a_second_run_periodic_does_nothing(services, delivered, a_busy_day, mailoutbox):
    delivered("run_periodic")
    before, sent = state(), len(mailoutbox)

    out = delivered("run_periodic")

    assert out.splitlines() == [
        "Settled 0 classes: 0 attended, 0 no-shows.",
        "Closed 0 waitlists: 0 waiting members closed.",
        "Recorded 0 expired grants of 0 members.",
        "Ended 0 memberships.",
        "Promoted 0 waitlisted members into 0 classes (0 with a free spot and somebody waiting).",
        "Sent 0 class reminders.",
        "Deleted 0 delivered deliveries, 0 events and 0 expired sessions.",
    ]
    assert state() == before
    assert len(mailoutbox) == sent


def test_run_periodic_dry_run_passes_dry_run_to_every_job(
    services, delivered, a_busy_day, mailoutbox
):
    before = state()

    out = delivered("run_periodic", "--dry-run")

    assert [line.split(" ")[0] for line in out.splitlines()] == ["Would"] * 7
    assert state() == before
    assert mailoutbox == []


def test_a_failing_job_does_not_stop_the_others(
    services, delivered, a_busy_day, mailoutbox, monkeypatch, caplog
):
    # given settling a class fails unexpectedly (the database, say)
    def fail(*args, **kwargs):
        raise RuntimeError("connection lost")

    monkeypatch.setattr(services.settle_class, "execute", fail)
    err = StringIO()

    # when/then
    with caplog.at_level(logging.ERROR), pytest.raises(CommandError) as failed:
        delivered("run_periodic", stderr=err)
    assert str(failed.value) == "close_classes failed; the other jobs ran."
    assert "close_classes: 1 item of 1 failed (see the log)" in err.getvalue()
    assert "connection lost" in caplog.text
    assert CreditGrant.objects.filter(expiry_recorded=True).count() == 2
    assert len(mailoutbox) == 6


def test_a_failing_item_is_reported_and_the_command_goes_on_with_the_next(
    services, delivered, booked, monkeypatch
):
    remind = services.remind_member.execute
    calls = []

    def fail_first(booking_id):
        calls.append(booking_id)
        if len(calls) == 1:
            raise RuntimeError("connection lost")
        return remind(booking_id)

    monkeypatch.setattr(services.remind_member, "execute", fail_first)

    with pytest.raises(CommandError, match="1 item of 2 failed"):
        delivered("send_reminders")
    assert Booking.objects.filter(reminded_at__isnull=False).count() == 1

    # and the next run picks the failed one up
    monkeypatch.setattr(services.remind_member, "execute", remind)
    assert delivered("send_reminders") == "Sent 1 class reminder.\n"


def test_an_item_done_elsewhere_in_the_meantime_is_skipped_without_an_error(
    services, delivered, booked, monkeypatch
):
    # given another run reminded Ana and Ben after this run had listed their bookings
    listed = due.booking_ids_due_for_reminder(timezone.now())
    delivered("send_reminders")
    monkeypatch.setattr(due, "booking_ids_due_for_reminder", lambda now: listed)

    out = delivered("send_reminders")

    assert out == "Sent 0 class reminders. 2 skipped: no longer due.\n"


def test_an_item_the_domain_refuses_is_skipped_without_an_error(services, delivered, monkeypatch):
    monkeypatch.setattr(due, "class_ids_to_settle", lambda now: ["no-such-class"])

    out = delivered("close_classes", verbosity=2)

    assert out == "Settled 0 classes: 0 attended, 0 no-shows. 1 skipped: no longer due.\n"


# --- Progress -----------------------------------------------------------------------------------


@pytest.fixture
def a_dozen_booked(now):
    spin = a_class(now, starts_in=HOUR, capacity=12)
    BookingFactory.create_batch(12, fitness_class=spin)


def test_a_long_run_on_a_terminal_draws_a_progress_bar_on_stderr(
    services, delivered, a_dozen_booked
):
    err = TerminalOutput()

    out = delivered("send_reminders", stderr=err)

    assert out == "Sent 12 class reminders.\n"
    drawn = err.getvalue()
    assert drawn.startswith("\rreminders [")
    assert drawn.endswith(f"\rreminders [{'#' * 30}] 12/12\n")
    assert "\x1b[" not in drawn  # not coloured like an error


def test_no_progress_bar_in_a_log_for_a_dozen_items(services, delivered, a_dozen_booked):
    err = StringIO()
    delivered("send_reminders", stderr=err)
    assert err.getvalue() == ""


def test_the_progress_bar_is_not_drawn_for_a_handful_of_items():
    err = TerminalOutput()
    with Progress(err, 10, "classes") as progress:
        for _ in range(10):
            progress.advance()
    assert err.getvalue() == ""


def test_a_long_run_without_a_terminal_writes_a_line_per_tenth():
    err = StringIO()
    with Progress(err, 250, "members") as progress:
        for _ in range(250):
            progress.advance()
    lines = err.getvalue().splitlines()
    assert len(lines) == 10
    assert lines[0] == f"members [{'#' * 3}{'-' * 27}]  25/250"
    assert lines[-1] == f"members [{'#' * 30}] 250/250"


def test_a_run_that_is_neither_long_nor_on_a_terminal_writes_no_progress():
    err = StringIO()
    with Progress(err, 99, "members") as progress:
        for _ in range(99):
            progress.advance()
    assert err.getvalue() == ""


@pytest.mark.parametrize(
    "command",
    [
        "close_classes",
        "expire_credits",
        "end_memberships",
        "send_reminders",
        "promote_waitlists",
        "run_periodic",
    ],
)
def test_every_command_has_help_and_a_dry_run_option(command):
    command_class = load_command_class(get_commands()[command], command)

    usage = command_class.create_parser("manage.py", command).format_help()

    assert command_class.help
    assert "--dry-run" in usage


# --- Two runs at once (PostgreSQL) --------------------------------------------------------------


def run_at_once(command: str, copies: int = 2) -> list[str | Exception]:
    """Start `copies` of the command together from a barrier; return each one's output."""
    barrier = threading.Barrier(copies)
    outcomes: list[str | Exception] = [RuntimeError("did not finish")] * copies

    def work(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[index] = run(command)
        except Exception as error:
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "a copy hung"
    return outcomes


def sent(output: str | Exception) -> int:
    assert isinstance(output, str), output
    return int(output.split()[1])


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_two_send_reminders_at_once_remind_each_booking_once(
    services, now, mailoutbox, mail_worker
):
    spin = a_class(now, starts_in=HOUR, capacity=30)
    BookingFactory.create_batch(30, fitness_class=spin)

    outputs = run_at_once("send_reminders")
    mail_worker()

    assert sum(sent(output) for output in outputs) == 30
    assert len(mailoutbox) == 30
    assert len({message.to[0] for message in mailoutbox}) == 30
    assert len(events("MemberRemindedOfClass")) == 30


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_two_close_classes_at_once_settle_each_booking_once(services, now):
    for hours_ago in range(3, 9):
        spin = a_class(now, starts_in=-hours_ago * HOUR)
        BookingFactory.create_batch(5, fitness_class=spin)

    outputs = run_at_once("close_classes")

    assert all(isinstance(output, str) for output in outputs), outputs
    settled = sum(int(output.split(": ")[1].split()[0]) for output in outputs)
    assert settled == 30
    assert not Booking.objects.filter(status=CONFIRMED).exists()
    assert len(events("AttendanceRecorded")) == 30
