"""The e-mail adapter of the NotificationService port.

Each notice kind has a subject here and two templates: ``emails/<kind>.txt`` (the plain-text
body) and ``emails/<kind>.html`` (its HTML alternative, extending ``emails/base.html``). Times
are shown in the gym's time zone (``TIME_ZONE``), whatever zone the current request activated.

Sending errors are not swallowed: the notification handler's delivery fails and is retried.
"""

import re

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import dateformat, timezone

from application.ports import Notice, NoticeKind
from domain.entities import FitnessClass, Member

SITE_NAME = "gymbooking"

# Filled with the class name and its local start, e.g. "You're booked: Spin, Tue 1 Dec 18:00".
SUBJECTS: dict[NoticeKind, str] = {
    NoticeKind.BOOKING_CONFIRMED: "You're booked: {name}, {when}",
    NoticeKind.BOOKING_CANCELLED: "Booking cancelled: {name}, {when}",
    NoticeKind.PROMOTED_FROM_WAITLIST: "You're in! A spot opened up: {name}, {when}",
    NoticeKind.CLASS_CANCELLED: "Class cancelled: {name}, {when}",
}
SUBJECT_DATE_FORMAT = "D j M H:i"


class EmailNotificationService:
    """Tells a member by e-mail: one message, plain text with an HTML alternative."""

    def send(self, notice: Notice, member: Member, fitness_class: FitnessClass) -> None:
        with timezone.override(settings.TIME_ZONE):
            message = self.build_message(notice, member, fitness_class)
        message.send()

    def build_message(
        self, notice: Notice, member: Member, fitness_class: FitnessClass
    ) -> EmailMultiAlternatives:
        """The message for `notice`, with times in the current time zone."""
        starts_at_local = timezone.localtime(fitness_class.starts_at)
        subject = SUBJECTS[notice.kind].format(
            # A header is one line, whatever the class name holds.
            name=" ".join(fitness_class.name.split()),
            when=dateformat.format(starts_at_local, SUBJECT_DATE_FORMAT),
        )
        context = {
            "member": member,
            "fitness_class": fitness_class,
            "notice": notice,
            "reason": notice.reason,
            "starts_at_local": starts_at_local,
            "ends_at_local": timezone.localtime(fitness_class.ends_at),
            "site_name": SITE_NAME,
            "subject": subject,
        }
        template = f"emails/{notice.kind.value}"
        message = EmailMultiAlternatives(
            subject=subject,
            body=_tidy(render_to_string(f"{template}.txt", context)),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[str(member.email)],
        )
        message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
        return message


def _tidy(text: str) -> str:
    """Plain text without the blank lines that template tags leave behind."""
    lines = (line.rstrip() for line in text.strip().splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"
