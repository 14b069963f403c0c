"""The e-mail adapter of the NotificationService port.

Each notice kind has a subject (`notifications.wording`) and two templates: the plain-text
body ``emails/<kind>.txt`` and its HTML alternative ``emails/<kind>.html``. Times
are shown on the class's location's clock (`FitnessClass.time_zone`), whatever zone the
current request activated.

Sending errors are not swallowed: the notification handler's delivery fails and is retried.
"""

import re

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from application.ports import Notice
from domain.entities import FitnessClass, Member
from notifications.wording import notice_subject, promotion_cancellation_terms, what_it_cost
from web import formatting

SITE_NAME = "gymbooking"


class EmailNotificationService:
    """Tells a member by e-mail: one message, plain text with an HTML alternative."""

    def send(self, notice: Notice, member: Member, fitness_class: FitnessClass) -> None:
        self.build_message(notice, member, fitness_class).send()

    def build_message(
        self, notice: Notice, member: Member, fitness_class: FitnessClass
    ) -> EmailMultiAlternatives:
        """The message for `notice`, its times on the class's location's clock."""
        with timezone.override(formatting.zone_of(fitness_class.time_zone)):
            return self._message(notice, member, fitness_class)

    def _message(
        self, notice: Notice, member: Member, fitness_class: FitnessClass
    ) -> EmailMultiAlternatives:
        starts_at_local = timezone.localtime(fitness_class.starts_at)
        subject = notice_subject(notice.kind, fitness_class)
        context = {
            "member": member,
            "fitness_class": fitness_class,
            "notice": notice,
            "reason": notice.reason,
            "starts_at_local": starts_at_local,
            "ends_at_local": timezone.localtime(fitness_class.ends_at),
            "site_name": SITE_NAME,
            "subject": subject,
            "cancellation_terms": promotion_cancellation_terms(notice, fitness_class),
            "what_it_cost": what_it_cost(notice),
        }
        template = f"emails/{notice.kind.value}"
        message = EmailMultiAlternatives(
            subject=subject,
            body=tidy(render_to_string(f"{template}.txt", context)),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[str(member.email)],
        )
        message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
        return message


def tidy(text: str) -> str:
    """Plain text without the blank lines that template tags leave behind."""
    lines = (line.rstrip() for line in text.strip().splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"
