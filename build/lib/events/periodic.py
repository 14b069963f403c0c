"""What the periodic commands share: one transaction per due item, a progress bar and a
summary line.

Each command finds its due items with one read query (the ORM adapters' query methods, in the
app whose work it is: `bookings/due.py`, the member repository), then runs one use case per
item from `services()`, each in its own transaction with the row locks that use case takes.
That is what makes the commands idempotent and safe to run twice at once (cron overlapping a
slow run, two machines): whatever one run has done, the other no longer finds, or the domain
turns it down for that item (a reminder is marked once, a settled booking is no longer
confirmed, an expiry is recorded once) — that counts as "nothing left to do", not as an error.

An item that fails for another reason (a lost connection, a deadlock) is logged and the run
goes on with the next one; the command then exits with an error, and the next run picks the
item up again, since nothing of a failed item was committed.
"""

import logging
from collections import Counter
from datetime import datetime
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.utils import timezone

from domain.exceptions import DomainException
from events.actors import Actor, acting_as
from ops.heartbeats import record_job_run
from web import formatting

logger = logging.getLogger(__name__)

# No progress bar for this many items or fewer: they are done before one would be read.
HANDFUL = 10
# Without a terminal (cron, a log file) progress is only written for runs this long.
LONG_RUN = 100


# --- Reporting ----------------------------------------------------------------------------


def _plain(text: str) -> str:
    return text


class Progress:
    """A progress bar on stderr for runs of more than a handful of items.

    On a terminal it is redrawn in place. Elsewhere (cron, a log file) it is written as a plain
    line at every tenth of the way, and only for long runs, so short runs stay quiet and cron
    mail stays short. The summary line goes to stdout, so a bar never mixes with it.
    """

    def __init__(
        self,
        stream: OutputWrapper | TextIO,
        total: int,
        label: str,
        *,
        handful: int = HANDFUL,
        long_run: int = LONG_RUN,
        width: int = 30,
    ) -> None:
        self.stream = stream
        self.total = total
        self.label = label
        self.width = width
        self.done = 0
        self.tty = _isatty(stream)
        self.enabled = total > handful and (self.tty or total >= long_run)
        self._last_shown = -1

    def __enter__(self) -> "Progress":
        self._show()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def advance(self, count: int = 1) -> None:
        self.done = min(self.done + count, self.total)
        self._show()

    def close(self) -> None:
        if self.enabled and self.tty and self._last_shown >= 0:
            self._write("\n")
            self._last_shown = -1

    def render(self) -> str:
        """e.g. `classes [##########--------------------]  12/36`"""
        filled = self.width * self.done // self.total if self.total else self.width
        digits = len(str(self.total))
        bar = "#" * filled + "-" * (self.width - filled)
        return f"{self.label} [{bar}] {self.done:>{digits}}/{self.total}"

    def _show(self) -> None:
        if not self.enabled:
            return
        # On a terminal, redraw at most a hundred times; in a log, a line per tenth.
        step = self.done * (100 if self.tty else 10) // self.total
        if step == self._last_shown:
            return
        self._last_shown = step
        if self.tty:
            self._write(f"\r{self.render()}")
        elif self.done:
            self._write(f"{self.render()}\n")

    def _write(self, text: str) -> None:
        if isinstance(self.stream, OutputWrapper):
            self.stream.write(text, style_func=_plain, ending="")
        else:
            self.stream.write(text)
        self.stream.flush()


def _isatty(stream: Any) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


# --- The command ----------------------------------------------------------------------------


class PeriodicCommand(BaseCommand):
    """One periodic job: find the due items, then one use case per item.

    Subclasses say what is due (`due`), what to do with one item (`process`, which counts what
    it did in the tally) and how to tell it (`summary`, `preview` for --dry-run).
    """

    # Plural noun of the items, for the progress bar ("classes", "members", ...).
    item_label = "items"

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Report what would be done, and change nothing.",
        )

    def handle(self, *args, dry_run: bool = False, verbosity: int = 1, **options):
        now = timezone.now()
        item_ids = self.due(now)
        if dry_run:
            if verbosity >= 2:
                for line in self.describe(item_ids, now):
                    self.stdout.write(f"  {line}")
            self.stdout.write(self.preview(item_ids, now))
            return
        tally: Counter[str] = Counter()
        failed = 0
        with (
            acting_as(Actor.system(self.job_name)),
            Progress(self.stderr, len(item_ids), self.item_label) as progress,
        ):
            for item_id in item_ids:
                try:
                    self.process(item_id, tally)
                except DomainException as refused:
                    # Another run, staff or a member got there first: nothing left to do.
                    # (Use cases that refuse by returning False count it in `process`.)
                    tally["refused"] += 1
                    if verbosity >= 2:
                        self.stderr.write(f"{item_id}: {refused}", style_func=_plain)
                except Exception:
                    failed += 1
                    logger.exception("%s: %s failed", self.job_name, item_id)
                progress.advance()
        record_job_run(self.job_name, succeeded=not failed)
        line = self.summary(tally)
        if tally["refused"]:
            line += f" {tally['refused']} skipped: no longer due."
        self.stdout.write(line)
        if failed:
            raise CommandError(
                f"{formatting.count(failed, 'item', 'items')} of {len(item_ids)} failed "
                "(see the log); the next run tries them again."
            )

    @property
    def job_name(self) -> str:
        """The command's name: its module's, as `manage.py` knows it."""
        return self.__module__.rsplit(".", 1)[-1]

    def due(self, now: datetime) -> list[str]:
        raise NotImplementedError

    def process(self, item_id: str, tally: Counter[str]) -> None:
        raise NotImplementedError

    def summary(self, tally: Counter[str]) -> str:
        raise NotImplementedError

    def preview(self, item_ids: list[str], now: datetime) -> str:
        raise NotImplementedError

    def describe(self, item_ids: list[str], now: datetime) -> list[str]:
        """One line per due item, for --dry-run with --verbosity 2."""
        return list(item_ids)
