"""Scheduled class sessions. Bookings and the waitlist live in the bookings app."""

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class FitnessClass(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    instructor = models.CharField(max_length=120, blank=True)
    location = models.CharField(max_length=120, blank=True)
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    capacity = models.PositiveIntegerField()
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancellation_reason = models.CharField(max_length=300, blank=True, editable=False)

    class Meta:
        verbose_name = "class"
        verbose_name_plural = "classes"
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gt=0),
                name="class_capacity_positive",
                violation_error_message="A class needs room for at least one member.",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="class_ends_after_it_starts",
                violation_error_message="A class must end after it starts.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {timezone.localtime(self.starts_at):%a %d %b %H:%M}"
