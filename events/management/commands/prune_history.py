"""`manage.py prune_history`: delete what the gym no longer needs to keep.

Delivered deliveries older than GYM_DELIVERY_RETENTION_DAYS, events older than
GYM_EVENT_RETENTION_DAYS whose deliveries are all done, and expired sessions (what
`clearsessions` does). In batches of a few thousand rows, each its own short transaction:
see events/retention.py. Idempotent and safe to run twice at once (both delete the oldest
rows first; a row the other run took is simply no longer there).
"""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from events import retention
from web import formatting


def delivered(number: int) -> str:
    return formatting.count(number, "delivered delivery", "delivered deliveries")


class Command(BaseCommand):
    help = (
        "Delete delivered (and superseded) deliveries older than GYM_DELIVERY_RETENTION_DAYS, "
        "events older than GYM_EVENT_RETENTION_DAYS (never one with a pending, failed or dead "
        "delivery) and expired sessions, in small batches."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Count what would be deleted, and delete nothing.",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=retention.BATCH_SIZE,
            help=f"Rows deleted per transaction (default {retention.BATCH_SIZE}).",
        )

    def handle(self, *args, dry_run: bool = False, batch_size: int, verbosity: int = 1, **options):
        now = timezone.now()
        cutoffs = retention.Cutoffs.at(now)
        if verbosity >= 2:
            deliveries_before = formatting.staff_time_with_year(cutoffs.deliveries)
            events_before = formatting.staff_time_with_year(cutoffs.events)
            self.stderr.write(
                f"Deliveries delivered before {deliveries_before}, events before {events_before}."
            )
        if dry_run:
            deliveries = retention.prunable_deliveries(cutoffs).count()
            events = retention.prunable_events(cutoffs).count()
            self.stdout.write(
                f"Would delete {delivered(deliveries)} "
                f"(older than {settings.GYM_DELIVERY_RETENTION_DAYS} days), "
                f"{formatting.count(events, 'event', 'events')} "
                f"(older than {settings.GYM_EVENT_RETENTION_DAYS} days) and the expired sessions."
            )
            return

        def progress(label):
            def report(deleted: int) -> None:
                if verbosity >= 2:
                    self.stderr.write(f"  {label}: {deleted} deleted")

            return report

        deliveries = retention.prune_deliveries(
            cutoffs, batch_size=batch_size, progress=progress("deliveries")
        )
        events = retention.prune_events(cutoffs, batch_size=batch_size, progress=progress("events"))
        sessions = retention.prune_sessions(now, batch_size=batch_size)
        sessions_text = (
            "the expired sessions"
            if sessions is None
            else formatting.count(sessions, "expired session", "expired sessions")
        )
        self.stdout.write(
            f"Deleted {delivered(deliveries)}, "
            f"{formatting.count(events, 'event', 'events')} and {sessions_text}."
        )
