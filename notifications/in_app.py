"""The in-app adapter of the NotificationService port.

Every notice becomes one `Notification` row, worded as the e-mail about it is
(`notifications.wording`). The row is written in the handler's transaction, so it commits
together with the delivery and a retried delivery never stores the notice twice.
"""

from datetime import datetime

from django.utils import timezone

from application.ports import Notice
from domain.entities import FitnessClass, Member
from events import sql
from notifications.models import Notification
from notifications.wording import notice_body, notice_subject


class InAppNotificationService:
    """Keeps each notice for the member to read in the app (`notifications:list`)."""

    def send(self, notice: Notice, member: Member, fitness_class: FitnessClass) -> None:
        """One INSERT written once (`events.sql`): a notice is stored on every booking."""
        sql.insert(
            Notification,
            [
                {
                    "member_id": member.id,
                    "kind": notice.kind.value,
                    "fitness_class_id": fitness_class.id,
                    "title": notice_subject(notice.kind, fitness_class),
                    "body": notice_body(notice, fitness_class),
                    "created_at": timezone.now(),
                    "read_at": None,
                }
            ],
        )


def mark_all_read(member_id: object, *, now: datetime) -> int:
    """Mark every unread notification of the member as read at `now`; return how many."""
    return Notification.objects.filter(member_id=member_id, read_at__isnull=True).update(
        read_at=now
    )
