"""`manage.py promote_waitlists`: fill free spots from the waitlists.

The safety net under the promotion handler: a freed spot normally promotes at once, through
`ClassSpotBecameAvailable`. This sweep finds every upcoming class that still has a free spot
and somebody waiting (a member who has since bought credit, whose clashing booking went, whose
no-show pause ended, or a delivery that never ran) and promotes the first eligible members,
by the same rules and under the same class lock as the handler.
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
        "Promote eligible waitlisted members into every upcoming class with a free spot (the "
        "safety net under the promotion handler). Safe to run at any time and more than once."
    )
    item_label = "classes"

    def due(self, now: datetime) -> list[str]:
        return due.class_ids_with_room_and_waiting(now)

    def process(self, class_id: str, tally: Counter[str]) -> None:
        tally["checked"] += 1
        promoted = services().promote_waitlist.promote(class_id)
        if promoted:
            tally["classes"] += 1
            tally["promoted"] += len(promoted)

    def summary(self, tally: Counter[str]) -> str:
        promoted = formatting.count(tally["promoted"], "waitlisted member", "waitlisted members")
        return (
            f"Promoted {promoted} into {formatting.count(tally['classes'], 'class', 'classes')} "
            f"({tally['checked']} with a free spot and somebody waiting)."
        )

    def preview(self, class_ids: list[str], now: datetime) -> str:
        return (
            f"Would check {formatting.count(len(class_ids), 'class', 'classes')} with a free "
            "spot and somebody waiting, and promote the first eligible members."
        )

    def describe(self, class_ids: list[str], now: datetime) -> list[str]:
        classes = DjangoClassRepository()
        waitlist = DjangoWaitlistRepository()
        lines = []
        for class_id in class_ids:
            fitness_class = classes.get_by_id(class_id)
            waiting = len(waitlist.get_by_class(class_id))
            free = formatting.count(fitness_class.spots_left, "free spot", "free spots")
            when = formatting.staff_time(fitness_class.starts_at, fitness_class.time_zone)
            lines.append(f"{fitness_class.name}, {when}: {free}, {waiting} waiting")
        return lines
