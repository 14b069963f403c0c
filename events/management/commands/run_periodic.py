"""`manage.py run_periodic`: every periodic job, in order, for cron.

1. close_classes     — settle classes that are over (no-shows may pause members);
   close_waitlists   — close the waitlists of classes that have started;
2. expire_credits    — record credit that expired unspent;
   end_memberships   — end memberships whose period is over without a renewal;
3. promote_waitlists — fill free spots from the waitlists;
4. send_reminders    — remind members of their classes, after the promotions, so that a
                       member promoted just now for a class starting soon is reminded in the
                       same run;
5. prune_history     — delete old delivered deliveries and events, and expired sessions
                       (quick when there is nothing to delete).

A job that fails does not stop the ones after it; the command then exits with an error.
"""

import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

JOBS = (
    "close_classes",
    "close_waitlists",
    "expire_credits",
    "end_memberships",
    "promote_waitlists",
    "send_reminders",
    "prune_history",
)


class Command(BaseCommand):
    help = (
        "Run every periodic job in order: " + ", ".join(JOBS) + ". Each is idempotent and safe "
        "to run twice at once; meant for cron, e.g. every five minutes."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Report what each job would do, and change nothing.",
        )

    def handle(self, *args, dry_run: bool = False, **options):
        out = options.get("stdout") or sys.stdout
        err = options.get("stderr") or sys.stderr
        failed = []
        for job in JOBS:
            try:
                call_command(
                    job,
                    dry_run=dry_run,
                    verbosity=options["verbosity"],
                    no_color=options["no_color"],
                    force_color=options["force_color"],
                    stdout=out,
                    stderr=err,
                )
            except CommandError as error:
                failed.append(job)
                self.stderr.write(f"{job}: {error}")
        if failed:
            raise CommandError(f"{', '.join(failed)} failed; the other jobs ran.")
