"""What members were told, kept for them to read in the app: one row per notice."""

from django.db import models
from django.utils import timezone

from application.ports import NoticeKind
from classes.models import FitnessClass
from members.models import Member

KIND_LABELS = {
    NoticeKind.BOOKING_CONFIRMED: "Booking confirmed",
    NoticeKind.BOOKING_CANCELLED: "Booking cancelled",
    NoticeKind.PROMOTED_FROM_WAITLIST: "Promoted from the waitlist",
    NoticeKind.CLASS_CANCELLED: "Class cancelled",
    NoticeKind.CLASS_REMINDER: "Class reminder",
    NoticeKind.SKIPPED_ON_WAITLIST: "Skipped on the waitlist",
    NoticeKind.FEE_OWED: "Fee owed",
    NoticeKind.FEE_CHARGED: "Fee charged",
}


class Notification(models.Model):
    # Not indexed on its own: both indexes below start with the member.
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="notifications", db_index=False
    )
    kind = models.CharField(
        max_length=40, choices=[(kind.value, KIND_LABELS[kind]) for kind in NoticeKind]
    )
    fitness_class = models.ForeignKey(
        FitnessClass,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
        help_text="The class the notice is about; empty once the class is deleted.",
    )
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The unread count in every page's header.
            models.Index(fields=["member", "read_at"], name="notification_member_read"),
            # The member's list, newest first.
            models.Index(
                fields=["member", "-created_at", "-id"], name="notification_member_newest"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_unread(self) -> bool:
        return self.read_at is None
