"""Deliver the domain events that are due: the only path for e-mail (the mail queue), the
safety net under in-process delivery of the fast queue, and the only path for everything
when GYM_EVENT_DELIVERY=worker. Several copies may run on several machines; each delivery is
locked while it runs, so none runs twice.

`--queue` picks which queues a worker serves (default: all of them, fast first), so e-mail
can have workers of its own and a promotion never waits behind a backlog of mail.

`--dry-run` says what a worker of those queues would deliver now, and delivers nothing.

SIGTERM or SIGINT: an idle worker stops at once; a busy one finishes the delivery in hand
first. A send to a mail server that does not answer is bounded by the SMTP timeout
(EMAIL_TIMEOUT); it then fails, is recorded as failed, and is retried later. Killed
outright, a worker loses nothing either: the delivery's transaction rolls back, its row lock
goes with the connection, and the delivery is still due.

A database error (the server restarted, the connection was cut) drops the connection and
tries again at once with a fresh one, then backs off up to the poll interval while the
database stays away.
"""

import logging
import signal
import time
from contextlib import suppress

from django.core.management.base import BaseCommand
from django.db import Error, connection
from django.utils import timezone

from application.event_dispatcher import DeliveryQueue
from events.backlog import due_now
from gymbooking.composition import services
from ops.heartbeats import beat, worker_name
from web import formatting

logger = logging.getLogger(__name__)

ALL = "all"
# While the database keeps failing: the first retry is at once, then this, doubling, up to
# the poll interval.
FIRST_RETRY_DELAY = 0.05


class _Woken(Exception):
    """Raised by the signal handler to cut an idle wait short."""


class Command(BaseCommand):
    help = (
        "Deliver due domain events to their handlers: e-mail, those the committing process "
        "never ran, and failed ones whose retry time has come. Loops until SIGTERM unless "
        "--once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="Deliver what is due now, then exit (for cron)."
        )
        parser.add_argument(
            "--queue",
            action="append",
            dest="queues",
            choices=[*(queue.value for queue in DeliveryQueue), ALL],
            help=(
                "Serve only this queue: fast (promotions, in-app notices) or mail (e-mail). "
                "Repeat for several, in order of priority. Default: all, fast first."
            ),
        )
        parser.add_argument(
            "--poll-interval",
            type=float,
            default=2.0,
            help="Seconds to wait when nothing is due (default 2).",
        )
        parser.add_argument(
            "--max-deliveries",
            type=int,
            default=None,
            help="Stop after this many deliveries (default: no limit).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Say what is due now in the chosen queues, per handler; deliver nothing.",
        )

    def handle(self, *args, once, queues, poll_interval, max_deliveries, dry_run, **options):
        chosen = _chosen(queues)
        if dry_run:
            self._report_due(chosen or list(DeliveryQueue))
            return
        dispatcher = services().dispatcher
        self.stopping = False
        self.waiting = False
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        serving = ", ".join(chosen or DeliveryQueue)
        if not once:
            logger.info(
                "process_events started: queues %s, polling every %s s", serving, poll_interval
            )
        name = worker_name()
        ran = 0
        failures = 0  # database errors in a row
        try:
            while not self.stopping and (max_deliveries is None or ran < max_deliveries):
                # One pass of the loop, whether it delivers, finds nothing or meets a database
                # error: the one place to tell the monitoring this worker is alive.
                beat(name)
                try:
                    if chosen is None:
                        delivered = dispatcher.deliver_next_due()
                    else:
                        delivered = dispatcher.deliver_next_due(chosen)
                except Error:
                    if once:
                        raise
                    failures += 1
                    self._reconnect(failures, poll_interval)
                    continue
                failures = 0
                if delivered:
                    ran += 1
                    continue
                if once:
                    break
                self._wait(poll_interval)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write(f"Ran {formatting.count(ran, 'delivery', 'deliveries')}.")

    def _report_due(self, queues: list[DeliveryQueue]) -> None:
        now = timezone.now()
        work = due_now(queues, now)
        for due in work:
            waited = formatting.count(
                int((now - due.due_since).total_seconds()), "second", "seconds"
            )
            self.stdout.write(
                f"{due.queue}: {due.handler}: "
                f"{formatting.count(due.count, 'delivery', 'deliveries')} due, "
                f"the oldest for {waited}."
            )
        total = sum(due.count for due in work)
        self.stdout.write(
            f"Would run {formatting.count(total, 'delivery', 'deliveries')} (dry run)."
        )

    def _reconnect(self, failures: int, poll_interval: float) -> None:
        """Drop the connection that failed (the next query opens a fresh one); retry at once
        the first time, then back off, never longer than the poll interval."""
        if failures == 1:
            logger.exception("process_events lost the database; reconnecting")
        else:
            logger.warning("process_events still cannot reach the database (%s tries)", failures)
        with suppress(Error):
            connection.close()
        if failures > 1:
            self._wait(min(poll_interval, FIRST_RETRY_DELAY * 2 ** (failures - 2)))

    def _wait(self, seconds: float) -> None:
        """Sleep, unless or until a stop is asked for."""
        try:
            try:
                self.waiting = True
                if not self.stopping:
                    time.sleep(seconds)
            finally:
                self.waiting = False
        except _Woken:  # however late in the wait the signal came
            pass

    def _stop(self, signum, frame):
        """Stop: at once when waiting; after the delivery in hand otherwise."""
        self.stopping = True
        if self.waiting:
            raise _Woken


def _chosen(queues: list[str] | None) -> list[DeliveryQueue] | None:
    """The queues asked for, in order, without repeats; None for all of them."""
    if not queues or ALL in queues:
        return None
    return [DeliveryQueue(queue) for queue in dict.fromkeys(queues)]
