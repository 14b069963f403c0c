"""`manage.py generate_classes`: create the missing sessions of the class series, from today up
to N weeks ahead (for cron, e.g. nightly).

Idempotent: a date that has, or ever had, its session (even one moved, cancelled or deleted
on its own) is skipped, so a second run creates nothing. Safe to run twice at once: each series
is generated under its row lock, and unique (series, date) and (series, start) constraints back
that up. Days a series' location is closed get no session, and the output says which and why.
A series that cannot be generated is reported by name and the others still are; the
command then ends with an error (a non-zero exit), so cron and the job metrics see it.
"""

from django.core.management.base import BaseCommand, CommandError

from application.series import DEFAULT_WEEKS_AHEAD
from domain.exceptions import DomainException
from events.actors import Actor, acting_as
from gymbooking.composition import services
from ops.heartbeats import record_job_run


class Command(BaseCommand):
    help = (
        "Create the missing sessions of every running class series (or of one, --series) "
        f"from today up to --weeks ahead (default {DEFAULT_WEEKS_AHEAD}). Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--weeks",
            type=int,
            default=DEFAULT_WEEKS_AHEAD,
            help=f"How many weeks ahead, today included (default {DEFAULT_WEEKS_AHEAD}).",
        )
        parser.add_argument(
            "--series", metavar="ID", default=None, help="Only this series (its id)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be created; change nothing."
        )

    def handle(self, *args, weeks, series, dry_run, verbosity, **options):
        # Only a full run (what cron does) counts as a run of the job.
        recorded = not dry_run and series is None
        try:
            with acting_as(Actor.system("manage.py generate_classes")):
                summary = services().generate_classes.execute(
                    weeks, series_id=series, dry_run=dry_run
                )
        except Exception as error:
            if recorded:
                record_job_run("generate_classes", succeeded=False)
            if isinstance(error, DomainException):
                raise CommandError(str(error)) from error
            raise
        if recorded:
            record_job_run("generate_classes", succeeded=not summary.failed)
        if verbosity >= 2:
            for result in summary.results:
                self.stdout.write(
                    f"  {result.name}: {len(result.created)} new, {result.skipped} already "
                    f"there, {len(result.closed)} on closed days"
                )
        self.stdout.write(summary.describe())
        if summary.failed:
            for failure in summary.failed:
                self.stderr.write(f"  {failure.name} ({failure.series_id}): {failure.error}")
            names = ", ".join(failure.name for failure in summary.failed)
            raise CommandError(
                f"{len(summary.failed)} of {len(summary.failed) + len(summary.results)} series "
                f"could not be generated: {names}. Fix them in admin (Class series) and run "
                "again; the others were generated."
            )
