"""`manage.py send_reminders`: remind members of the classes they are booked on.

A confirmed booking of a class starting within its location's reminder time (GYM_REMINDER_HOURS
unless the location sets its own) is reminded once: the
booking is marked under its row lock and `MemberRemindedOfClass` is recorded; the
notification handlers e-mail the member and notify them in-app from that event. A booking
already reminded, cancelled, or of a cancelled class is never reminded (again).
"""

from collections import Counter
from datetime import datetime

from bookings import due
from bookings.repositories import DjangoBookingRepository
from classes.repositories import DjangoClassRepository
from events import periodic
from gymbooking.composition import services
from members.repositories import DjangoMemberRepository
from web import formatting


class Command(periodic.PeriodicCommand):
    help = (
        "Remind members of their booked classes starting within GYM_REMINDER_HOURS, once per "
        "booking (e-mail and in-app). Safe to run at any time and more than once."
    )
    item_label = "reminders"

    def due(self, now: datetime) -> list[str]:
        return due.booking_ids_due_for_reminder(now)

    def process(self, booking_id: str, tally: Counter[str]) -> None:
        if services().remind_member.execute(booking_id):
            tally["sent"] += 1
        else:
            tally["refused"] += 1

    def summary(self, tally: Counter[str]) -> str:
        return f"Sent {formatting.count(tally['sent'], 'class reminder', 'class reminders')}."

    def preview(self, booking_ids: list[str], now: datetime) -> str:
        reminders = formatting.count(len(booking_ids), "class reminder", "class reminders")
        return (
            f"Would send {reminders} for classes starting before "
            f"{formatting.staff_time(due.remind_until(now))} (or within a location's own "
            "reminder time)."
        )

    def describe(self, booking_ids: list[str], now: datetime) -> list[str]:
        bookings = DjangoBookingRepository()
        classes = DjangoClassRepository()
        members = DjangoMemberRepository()
        lines = []
        for booking_id in booking_ids:
            booking = bookings.get_by_id(booking_id)
            fitness_class = classes.get_by_id(booking.class_id)
            member = members.get_by_id(booking.member_id)
            when = formatting.staff_time(fitness_class.starts_at, fitness_class.time_zone)
            lines.append(f"{member.name}: {fitness_class.name}, {when}")
        return lines
