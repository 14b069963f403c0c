"""Admin for the event log and its deliveries: the gym's audit trail, and where staff see and
retry the handlers that failed.

Both are read-only: events are facts, and a delivery only changes by being run. The one thing
staff can do is "Retry now" on deliveries, which makes the selected failed or dead ones due
again and runs them at once (a few of them; any others are left to the workers), so the page
that comes back shows whether they went through.

Lists never run a query per row: the member's and class's names come from subqueries in the
list's own query, and links to their admin pages are built from the ids. They stay fast at
millions of rows: no full count, no date hierarchy, no DISTINCT filter, indexed ordering
(events/admin_lists.py).
"""

import json
import uuid
from datetime import datetime

from django.contrib import admin, messages
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html

from classes.models import FitnessClass
from events.admin_lists import EventTypeFilter, HandlerFilter
from events.dispatcher import retry_now as make_due_again
from events.models import Delivery, StoredEvent
from events.retention import SETTLED
from gymbooking.composition import services
from locations.scoping import NotFoundAdmin, about_classes_within
from members.models import Member
from web import formatting
from web.admin_actions import ReadOnlyAdminMixin, ReadOnlyInline
from web.admin_lists import EstimatedCountPaginator

# "Retry now" runs at most this many of the selected deliveries while staff wait; the rest
# are made due and left to the workers.
RETRIED_WHILE_YOU_WAIT = 25
# How much of a delivery's last error the list shows.
SHORT_ERROR_LENGTH = 120


def local_time(moment: datetime | None) -> str:
    """A moment as the gym reads it, to the second, or a dash for none."""
    return "—" if moment is None else formatting.log_time(moment)


def short_error(error: str) -> str:
    """The last line of a traceback (the exception and its message), cut to a list cell."""
    lines = [line.strip() for line in error.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    last = lines[-1]
    return last if len(last) <= SHORT_ERROR_LENGTH else f"{last[: SHORT_ERROR_LENGTH - 1]}…"


def admin_link(model, pk, text: str):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[pk])
    return format_html('<a href="{}">{}</a>', url, text)


def parse_uuid(term: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(term.strip())
    except ValueError:
        return None


# --- The event log ---------------------------------------------------------------------------


class DeliveryInline(ReadOnlyInline):
    model = Delivery
    verbose_name = "delivery"
    verbose_name_plural = "deliveries (one per handler of this event)"
    fields = (
        "handler",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "superseded_reason",
        "error",
    )
    readonly_fields = fields
    ordering = ("id",)

    @admin.display(description="last error")
    def error(self, delivery: Delivery) -> str:
        return short_error(delivery.last_error)


@admin.register(StoredEvent)
class StoredEventAdmin(NotFoundAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every domain event, newest first: what happened, who caused it, and which handlers
    have reacted to it."""

    list_display = ("when", "type", "actor_kind", "actor_label", "member", "fitness_class")
    # occurred_at: Django's date filter (today, past 7 days, ...) needs no query of its own,
    # unlike a date hierarchy, which reads the dates of the whole log.
    list_filter = (EventTypeFilter, "actor_kind", "occurred_at")
    paginator = EstimatedCountPaginator
    search_fields = ("actor_label",)
    search_help_text = (
        "A member's, class's or event's id (exactly), or who acted (e.g. a username)."
    )
    ordering = ("-occurred_at", "-recorded_at")
    show_full_result_count = False
    actions = None
    list_per_page = 50
    fields = (
        "id",
        "type",
        "schema_version",
        "when",
        "recorded",
        "actor_kind",
        "actor_user",
        "actor_label",
        "member",
        "fitness_class",
        "pretty_payload",
    )
    readonly_fields = fields
    inlines = (DeliveryInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[StoredEvent]:
        """Each event with the names of its member and class, in the same query; staff of
        some locations see the events of their classes and those about no class."""
        classes = FitnessClass.objects.filter(pk=OuterRef("class_id"))
        events = about_classes_within(
            super().get_queryset(request), request.user, "class_id", FitnessClass.objects.all()
        )
        return events.annotate(
            member_name=Subquery(
                Member.objects.filter(pk=OuterRef("member_id")).values("name")[:1]
            ),
            class_name=Subquery(classes.values("name")[:1]),
            class_starts_at=Subquery(classes.values("starts_at")[:1]),
        )

    def get_search_results(self, request, queryset, search_term):
        """An id finds the events of that member or class (or that event); anything else is
        looked for in who acted."""
        term = search_term.strip()
        if not term:
            return queryset, False
        found = parse_uuid(term)
        if found is not None:
            return queryset.filter(Q(member_id=found) | Q(class_id=found) | Q(id=found)), False
        return queryset.filter(actor_label__icontains=term), False

    @admin.display(description="occurred (local time)", ordering="occurred_at")
    def when(self, event: StoredEvent) -> str:
        return local_time(event.occurred_at)

    @admin.display(description="recorded (local time)")
    def recorded(self, event: StoredEvent) -> str:
        return local_time(event.recorded_at)

    @admin.display(description="member")
    def member(self, event: StoredEvent):
        if event.member_id is None:
            return "—"
        name = getattr(event, "member_name", None)
        if name is None:  # the member has been deleted since
            return str(event.member_id)
        return admin_link(Member, event.member_id, name)

    @admin.display(description="class")
    def fitness_class(self, event: StoredEvent):
        if event.class_id is None:
            return "—"
        name = getattr(event, "class_name", None)
        if name is None:  # the class has been deleted since
            return str(event.class_id)
        starts_at = getattr(event, "class_starts_at", None)
        label = f"{name}, {local_time(starts_at)[:-3]}" if starts_at else name
        return admin_link(FitnessClass, event.class_id, label)

    @admin.display(description="payload")
    def pretty_payload(self, event: StoredEvent):
        text = json.dumps(event.payload, indent=2, sort_keys=True, ensure_ascii=False)
        return render_to_string("admin/events/storedevent/payload.html", {"payload": text})


# --- Deliveries ------------------------------------------------------------------------------


@admin.register(Delivery)
class DeliveryAdmin(NotFoundAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """One row per (event, handler): delivered, waiting, failed (will retry), dead, or
    superseded (a notice no longer true when due: not sent, never retried, with the reason)."""

    list_display = (
        "handler",
        "queue",
        "event_type",
        "status",
        "attempts",
        "next_attempt_at",
        "error",
        "superseded_reason",
        "event_link",
    )
    list_filter = ("status", "queue", HandlerFilter)
    paginator = EstimatedCountPaginator
    search_fields = ("handler",)
    search_help_text = (
        "An event's id (exactly), or words from the handler's name, its error or why it was "
        "superseded."
    )
    # Newest first by id (ids grow with time): read from the primary key's index.
    ordering = ("-id",)
    show_full_result_count = False
    actions = ("retry_deliveries",)
    list_per_page = 50
    fields = (
        "event_link",
        "event_type",
        "handler",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "superseded_reason",
        "created_at",
        "full_error",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Delivery]:
        deliveries = about_classes_within(
            super().get_queryset(request),
            request.user,
            "event__class_id",
            FitnessClass.objects.all(),
        )
        return deliveries.select_related("event")

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        found = parse_uuid(term)
        if found is not None:
            return queryset.filter(event_id=found), False
        return queryset.filter(
            Q(handler__icontains=term)
            | Q(last_error__icontains=term)
            | Q(superseded_reason__icontains=term)
        ), False

    @admin.display(description="event type", ordering="event__type")
    def event_type(self, delivery: Delivery) -> str:
        return delivery.event.type

    @admin.display(description="last error")
    def error(self, delivery: Delivery) -> str:
        return short_error(delivery.last_error)

    @admin.display(description="event")
    def event_link(self, delivery: Delivery):
        return admin_link(StoredEvent, delivery.event_id, local_time(delivery.event.occurred_at))

    @admin.display(description="last error")
    def full_error(self, delivery: Delivery):
        if not delivery.last_error:
            return "—"
        return render_to_string(
            "admin/events/delivery/full_error.html", {"error": delivery.last_error}
        )

    def has_retry_permission(self, request: HttpRequest) -> bool:
        """Retrying runs handlers, so it takes the right to change deliveries, not just to
        see them."""
        return request.user.has_perm(f"{self.opts.app_label}.change_{self.opts.model_name}")

    @admin.action(
        description="Retry this delivery now",
        description_plural="Retry selected deliveries now",
        permissions=["retry"],
        location=[admin.ActionLocation.CHANGE_LIST, admin.ActionLocation.CHANGE_FORM],
    )
    def retry_deliveries(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        """Make the selected failed and dead deliveries due, run the first few of them (and
        any pending ones selected) now, and tell staff how they went. Delivered and
        superseded ones are settled: left alone."""
        ids = list(queryset.order_by("pk").values_list("pk", flat=True))
        make_due_again(Delivery.objects.filter(pk__in=ids))
        undelivered = (
            Delivery.objects.filter(pk__in=ids)
            .exclude(status__in=SETTLED)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        dispatcher = services().dispatcher
        ran: list[int] = []
        for pk in undelivered[:RETRIED_WHILE_YOU_WAIT]:
            # False when a worker holds it right now: it is being run anyway.
            if dispatcher.deliver_by_id(pk):
                ran.append(pk)
        self._report(request, ids, ran)

    def _report(self, request: HttpRequest, ids: list[int], ran: list[int]) -> None:
        """“Retried 3 deliveries: 2 delivered, 1 failed again.”, and what was left."""
        statuses = dict(Delivery.objects.filter(pk__in=ids).values_list("pk", "status"))
        done = {pk for pk in ran if statuses[pk] == Delivery.Status.DELIVERED}
        superseded = sum(1 for pk in ran if statuses[pk] == Delivery.Status.SUPERSEDED)
        failed = len(ran) - len(done) - superseded
        ran_now = set(ran)
        left = sum(
            1 for pk, status in statuses.items() if pk not in ran_now and status not in SETTLED
        )
        if not ran and not left:
            self.message_user(
                request,
                "Nothing to retry: the selected deliveries are already delivered or superseded.",
                messages.INFO,
            )
            return
        message = (
            f"Retried {formatting.count(len(ran), 'delivery', 'deliveries')}: {len(done)} delivered"
        )
        if superseded:
            message += f", {superseded} superseded (no longer true, not sent)"
        if failed:
            message += f", {failed} failed again (see the last error)"
        message += "."
        if left:
            message += (
                f" {formatting.count(left, 'other is', 'others are')} due now, for the workers."
            )
        self.message_user(request, message, messages.WARNING if failed else messages.SUCCESS)


# The security log, a view of the event log of its own (importing it registers it).
from events import admin_security  # noqa: E402, F401
