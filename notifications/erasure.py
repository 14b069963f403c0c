"""The in-app notices as a `PersonalData` store of a member's erasure: they are deleted (they
quote her classes and what she was told; the e-mails sent stay recorded only as deliveries
of events, which hold no text)."""

from domain.entities import Member
from notifications.models import Notification


class InAppNoticeEraser:
    def erase(self, member: Member) -> None:
        Notification.objects.filter(member_id=member.id).delete()
