"""`manage.py close_waitlists`: close the waitlists of classes that have started.

Nobody can be promoted into a class once it has started, so whoever still waits leaves the
list, each with a `MemberLeftWaitlist` event (reason "class started"): My bookings stops
showing the place, and the audit trail says why it ended. One transaction per class.
"""

from collections import Counter
from datetime import datetime

from bookings import due
from bookings.repositories import DjangoWaitlistRepository
from classes.repositories import DjangoClassRepository
from events import periodic
from gymbooking.composition import services
from web import formatting


class Command(periodic.PeriodicCommand):
    help = (
        "Close the waitlists of classes that have started: every member still waiting leaves "
        "the list (an event each). Safe to run at any time and more than once."
    )
    item_label = "classes"

    def due(self, now: datetime) -> list[str]:
        return due.class_ids_with_started_waitlists(now)

    def process(self, class_id: str, tally: Counter[str]) -> None:
        closed = services().close_waitlist.execute(class_id)
        if closed:
            tally["classes"] += 1
            tally["entries"] += closed

    def summary(self, tally: Counter[str]) -> str:
        return f"Closed {_waitlists(tally['classes'])}: {_entries(tally['entries'])} closed."

    def preview(self, class_ids: list[str], now: datetime) -> str:
        waiting = sum(len(_waiting(class_id)) for class_id in class_ids)
        return f"Would close {_waitlists(len(class_ids))}: {_entries(waiting)}."

    def describe(self, class_ids: list[str], now: datetime) -> list[str]:
        classes = DjangoClassRepository()
        lines = []
        for class_id in class_ids:
            fitness_class = classes.get_by_id(class_id)
            when = formatting.staff_time(fitness_class.starts_at, fitness_class.time_zone)
            lines.append(f"{fitness_class.name}, {when}: {_entries(len(_waiting(class_id)))}")
        return lines


def _waitlists(number: int) -> str:
    return formatting.count(number, "waitlist", "waitlists")


def _entries(number: int) -> str:
    return formatting.count(number, "waiting member", "waiting members")


def _waiting(class_id: str) -> list:
    return DjangoWaitlistRepository().get_by_class(class_id)
