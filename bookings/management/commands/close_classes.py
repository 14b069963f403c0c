"""`manage.py close_classes`: settle the outcome of classes that are over.

A class is settled once it ended more than GYM_SETTLE_AFTER_MINUTES ago (the front desk's
grace period for marking attendance): every booking still unmarked becomes "attended" or
"no-show", as GYM_UNMARKED_OUTCOME says; bookings the front desk marked are left alone.
No-shows count towards a member's no-show pause like marked ones. One transaction per class.
"""

from collections import Counter
from datetime import datetime

from bookings import due
from bookings.repositories import DjangoBookingRepository
from classes.repositories import DjangoClassRepository
from events import periodic
from gymbooking.composition import services
from web import formatting


class Command(periodic.PeriodicCommand):
    help = (
        "Settle classes that ended more than GYM_SETTLE_AFTER_MINUTES ago: bookings nobody "
        "marked become attended or no-shows (GYM_UNMARKED_OUTCOME). Safe to run at any time "
        "and more than once."
    )
    item_label = "classes"

    def due(self, now: datetime) -> list[str]:
        return due.class_ids_to_settle(now)

    def process(self, class_id: str, tally: Counter[str]) -> None:
        attended = due.unmarked_outcome_is_attended()
        settled = services().settle_class.execute(class_id, unmarked_attended=attended)
        if settled:
            tally["classes"] += 1
            tally["attended" if attended else "no_shows"] += settled

    def summary(self, tally: Counter[str]) -> str:
        settled = formatting.count(tally["classes"], "class", "classes")
        no_shows = formatting.count(tally["no_shows"], "no-show", "no-shows")
        return f"Settled {settled}: {tally['attended']} attended, {no_shows}."

    def preview(self, class_ids: list[str], now: datetime) -> str:
        outcome = "attended" if due.unmarked_outcome_is_attended() else "no-shows"
        unmarked = sum(len(_unmarked(class_id)) for class_id in class_ids)
        return (
            f"Would settle {formatting.count(len(class_ids), 'class', 'classes')}: "
            f"{formatting.count(unmarked, 'unmarked booking', 'unmarked bookings')} would be "
            f"recorded as {outcome}."
        )

    def describe(self, class_ids: list[str], now: datetime) -> list[str]:
        classes = DjangoClassRepository()
        lines = []
        for class_id in class_ids:
            fitness_class = classes.get_by_id(class_id)
            unmarked = formatting.count(
                len(_unmarked(class_id)), "unmarked booking", "unmarked bookings"
            )
            when = formatting.staff_time(fitness_class.starts_at, fitness_class.time_zone)
            lines.append(f"{fitness_class.name}, {when}: {unmarked}")
        return lines


def _unmarked(class_id: str) -> list:
    return DjangoBookingRepository().get_confirmed_by_class(class_id)
