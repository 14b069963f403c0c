"""Deliver the domain events that are due: the safety net under in-process delivery, and the
only delivery path when GYM_EVENT_DELIVERY=worker. Several copies may run on several
machines; each delivery is locked while it runs, so none runs twice."""

import logging
import signal
import time

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from gymbooking.composition import services
from web import formatting

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Deliver due domain events to their handlers: those the committing process never "
        "ran and failed ones whose retry time has come. Loops until SIGTERM unless --once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="Deliver what is due now, then exit (for cron)."
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

    def handle(self, *args, once, poll_interval, max_deliveries, **options):
        dispatcher = services().dispatcher
        self.stopping = False
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        ran = 0
        try:
            while not self.stopping and (max_deliveries is None or ran < max_deliveries):
                try:
                    delivered = dispatcher.deliver_next_due()
                except DatabaseError:
                    if once:
                        raise
                    # The database went away for a moment: a worker waits and goes on.
                    logger.exception("process_events could not reach the database")
                    close_old_connections()
                    time.sleep(poll_interval)
                    continue
                if delivered:
                    ran += 1
                    continue
                if once:
                    break
                time.sleep(poll_interval)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write(f"Ran {formatting.count(ran, 'delivery', 'deliveries')}.")

    def _stop(self, signum, frame):
        """Finish the delivery in hand, then stop."""
        self.stopping = True
