"""The event log and its deliveries: what happened, who caused it, and which handler has
reacted to it. Written in the same transaction as the change that caused the event, so an
event is never lost, and doubling as the gym's audit trail."""

from django.conf import settings
from django.db import models

from application.event_dispatcher import DeliveryQueue
from application.security import SECURITY_EVENTS


class StoredEvent(models.Model):
    """One domain event, as it was recorded (restored by `events.registry`)."""

    class ActorKind(models.TextChoices):
        MEMBER = "member", "Member"
        STAFF = "staff", "Staff"
        SYSTEM = "system", "System"

    id = models.UUIDField(primary_key=True, editable=False, help_text="The event's event_id.")
    type = models.CharField(max_length=100, db_index=True)
    schema_version = models.PositiveSmallIntegerField()
    payload = models.JSONField()
    occurred_at = models.DateTimeField(db_index=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(max_length=200, blank=True)
    # Copied out of the payload so the log can be filtered by class and member.
    class_id = models.UUIDField(null=True, blank=True, db_index=True)
    member_id = models.UUIDField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = "event"
        ordering = ["-occurred_at", "-recorded_at"]

    def __str__(self) -> str:
        return f"{self.type} at {self.occurred_at:%Y-%m-%d %H:%M:%S}"


class Delivery(models.Model):
    """One (event, handler) pair: whether that handler has reacted to that event yet."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed (will retry)"
        DEAD = "dead", "Dead (gave up)"
        # Settled without running: no longer true when it came to be delivered (a notice).
        SUPERSEDED = "superseded", "Superseded (no longer true)"

    class Queue(models.TextChoices):
        FAST = DeliveryQueue.FAST.value, "Fast"
        MAIL = DeliveryQueue.MAIL.value, "Mail"

    event = models.ForeignKey(StoredEvent, on_delete=models.CASCADE, related_name="deliveries")
    handler = models.CharField(max_length=200)
    # Which workers run it (`process_events --queue`). The database default lets processes
    # that predate the column keep recording deliveries during a rolling deploy.
    queue = models.CharField(
        max_length=10, choices=Queue.choices, default=Queue.FAST, db_default=Queue.FAST
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was delivered, or found superseded."
    )
    # The database default lets processes that predate the column keep recording
    # deliveries during a rolling deploy (as for `queue`).
    superseded_reason = models.CharField(
        max_length=300,
        blank=True,
        default="",
        db_default="",
        help_text="Why it was no longer true when it was due.",
    )

    class Meta:
        verbose_name_plural = "deliveries"
        ordering = ["next_attempt_at", "id"]
        indexes = [
            # What workers look for: a queue's due deliveries, oldest first. Partial, so
            # picking the next one stays fast however many delivered rows pile up; led by
            # the queue, so a fast worker never scans past a backlog of e-mail.
            models.Index(
                fields=["queue", "next_attempt_at", "id"],
                condition=models.Q(status__in=["pending", "failed"]),
                name="delivery_due_in_queue",
            ),
            # Dead deliveries, newest first for the admin's "dead" filter (a page read from
            # the index's end) and by handler for the metrics: few rows, found without
            # reading the delivered ones.
            models.Index(
                fields=["id", "handler"],
                condition=models.Q(status="dead"),
                name="delivery_dead",
            ),
            # Superseded deliveries by handler, for the metrics and the admin's filter.
            models.Index(
                fields=["handler", "id"],
                condition=models.Q(status="superseded"),
                name="delivery_superseded",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["event", "handler"], name="one_delivery_per_handler"),
        ]

    def __str__(self) -> str:
        return f"{self.handler} ← {self.event.type} ({self.status})"


class SecurityEventManager(models.Manager):
    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(type__in=[kind.name for kind in SECURITY_EVENTS])


class SecurityEvent(StoredEvent):
    """The event log's security events (`application.security.SECURITY_EVENTS`): the
    "Security log" managers see. Its own permission (view only), so seeing it can be given
    without the rest of the log."""

    objects = SecurityEventManager()

    class Meta:
        proxy = True
        verbose_name = "security event"
        verbose_name_plural = "security log"
        default_permissions = ("view",)
