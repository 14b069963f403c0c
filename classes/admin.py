"""Admin for the class schedule.

Staff add classes with the plain form. On an existing class the descriptive fields are saved as
typed, but the capacity only changes through `ChangeClassCapacityUseCase` (it may promote from
the waitlist, and it refuses to go below the confirmed bookings); a class is cancelled with the
"Cancel selected classes…" action (`CancelClassUseCase`: refunds, waitlist cleared, members
told). Bookings and the waitlist are shown read-only.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from bookings.models import Booking, WaitlistEntry
from bookings.queries import waitlist_position
from classes.models import FitnessClass
from classes.queries import with_counts
from domain.entities import BookingStatus
from domain.exceptions import DomainException
from gymbooking.admin_actions import (
    ReadOnlyInline,
    RefusedSave,
    UseCaseSaveMixin,
    ask,
    count_of,
    run_for_each,
)
from gymbooking.composition import services

CONFIRMED = BookingStatus.CONFIRMED.value


def local_time(moment: datetime) -> str:
    """A class's start as the gym reads it: “Tue 01 Dec 18:00”."""
    return f"{timezone.localtime(moment, ZoneInfo(settings.TIME_ZONE)):%a %d %b %H:%M}"


def describe_class(fitness_class: FitnessClass) -> str:
    return f"{fitness_class.name}, {local_time(fitness_class.starts_at)}"


class ClassDateFilter(admin.SimpleListFilter):
    """When a class starts, by the gym's calendar (days begin at midnight in TIME_ZONE)."""

    title = "date"
    parameter_name = "when"
    starts_at_field = "starts_at"

    def lookups(self, request, model_admin):
        return (
            ("today", "Today"),
            ("tomorrow", "Tomorrow"),
            ("week", "Next 7 days"),
            ("upcoming", "Upcoming"),
            ("past", "Started or past"),
        )

    def queryset(self, request, queryset):
        now = timezone.now()
        zone = ZoneInfo(settings.TIME_ZONE)
        today = timezone.localdate(now, zone)

        def midnight(days_from_today: int) -> datetime:
            return datetime.combine(today + timedelta(days=days_from_today), time.min, zone)

        start, end = {
            "today": (midnight(0), midnight(1)),
            "tomorrow": (midnight(1), midnight(2)),
            "week": (midnight(0), midnight(7)),
            "upcoming": (now, None),
            "past": (None, now),
        }.get(self.value(), (None, None))
        if start is not None:
            queryset = queryset.filter(**{f"{self.starts_at_field}__gte": start})
        if end is not None:
            queryset = queryset.filter(**{f"{self.starts_at_field}__lt": end})
        return queryset


class CancelledFilter(admin.SimpleListFilter):
    title = "cancelled"
    parameter_name = "cancelled"

    def lookups(self, request, model_admin):
        return (("yes", "Cancelled"), ("no", "Running"))

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(cancelled_at__isnull=self.value() == "no")
        return queryset


class ConfirmedBookingInline(ReadOnlyInline):
    model = Booking
    verbose_name = "confirmed booking"
    verbose_name_plural = "confirmed bookings"
    fields = ("member", "created_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status=CONFIRMED).select_related("member")


class WaitlistInline(ReadOnlyInline):
    model = WaitlistEntry
    verbose_name = "waiting member"
    verbose_name_plural = "waitlist (in order: the first eligible member gets the next spot)"
    fields = ("position", "member", "created_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("member")
            .annotate(position_in_line=waitlist_position())
            .order_by("created_at", "id")
        )

    @admin.display(description="position")
    def position(self, entry: WaitlistEntry) -> int | None:
        return getattr(entry, "position_in_line", None)


class FitnessClassForm(forms.ModelForm):
    """The plain fields of a class, checked as input; rules are the use cases' business."""

    capacity = forms.IntegerField(min_value=1, help_text="How many members can book.")

    def clean(self):
        cleaned = super().clean()
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", "The class must end after it starts.")
        return cleaned


class CancelClassesForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Booked and waiting members are told this; every booking is refunded.",
    )


@admin.register(FitnessClass)
class FitnessClassAdmin(UseCaseSaveMixin, admin.ModelAdmin):
    form = FitnessClassForm
    list_display = (
        "name",
        "starts_at",
        "instructor",
        "location",
        "capacity",
        "confirmed",
        "waiting",
        "is_cancelled",
    )
    list_filter = (ClassDateFilter, "instructor", "location", CancelledFilter)
    search_fields = ("name", "instructor")
    date_hierarchy = "starts_at"
    ordering = ("starts_at", "id")
    readonly_fields = ("confirmed", "waiting", "cancelled_at", "cancellation_reason")
    inlines = (ConfirmedBookingInline, WaitlistInline)
    actions = ("cancel_classes",)
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[FitnessClass]:
        return with_counts(super().get_queryset(request))

    def get_fieldsets(self, request, obj=None):
        main = (None, {"fields": ("name", "description", "instructor", "location")})
        when = ("When", {"fields": ("starts_at", "ends_at")})
        if obj is None:
            return (main, when, ("Spots", {"fields": ("capacity",)}))
        return (
            main,
            when,
            ("Spots", {"fields": ("capacity", "confirmed", "waiting")}),
            ("Cancellation", {"fields": ("cancelled_at", "cancellation_reason")}),
        )

    def get_inlines(self, request, obj):
        # A class being created has nobody on it yet.
        return self.inlines if obj is not None else ()

    def has_delete_permission(self, request, obj=None) -> bool:
        """Only a class nobody has booked or waited for can be deleted (one added by mistake);
        any other is cancelled, so its members are refunded and told."""
        if obj is not None and (obj.bookings.exists() or obj.waitlist_entries.exists()):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request, action_location=admin.ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location=action_location)
        # Bulk deletion would skip the per-class check above.
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description="confirmed", ordering="confirmed_count")
    def confirmed(self, fitness_class: FitnessClass) -> int:
        return getattr(fitness_class, "confirmed_count", 0)

    @admin.display(description="waiting", ordering="waiting_count")
    def waiting(self, fitness_class: FitnessClass) -> int:
        return getattr(fitness_class, "waiting_count", 0)

    @admin.display(description="cancelled", boolean=True, ordering="cancelled_at")
    def is_cancelled(self, fitness_class: FitnessClass) -> bool:
        return fitness_class.cancelled_at is not None

    # --- Saving: the capacity goes through its use case -------------------------------------

    def save_model(self, request, obj, form, change):
        """A new class is saved as typed. On an existing class only the changed fields are
        written, and then a changed capacity goes through `ChangeClassCapacityUseCase`, in the
        admin's transaction: a refusal rolls the whole change back and is shown on the
        capacity field (see `UseCaseSaveMixin`); an accepted increase promotes waiting members
        once that transaction commits."""
        if not change:
            super().save_model(request, obj, form, change)
            return
        obj.save(update_fields=[name for name in form.changed_data if name != "capacity"])
        if "capacity" in form.changed_data:
            try:
                services().change_class_capacity.execute(str(obj.pk), obj.capacity)
            except DomainException as refusal:
                raise RefusedSave("capacity", refusal) from refusal

    # --- Actions -----------------------------------------------------------------------------

    @admin.action(
        description="Cancel this class…",
        description_plural="Cancel selected classes…",
        permissions=["change"],
        location=[admin.ActionLocation.CHANGE_LIST, admin.ActionLocation.CHANGE_FORM],
    )
    def cancel_classes(self, request: HttpRequest, queryset: QuerySet[FitnessClass]):
        values, page = ask(
            self,
            request,
            queryset,
            CancelClassesForm,
            title="Cancel classes",
            intro="Cancel these classes? Every booking is refunded and the waitlist cleared.",
            submit_label="Cancel the classes",
            label=describe_class,
        )
        if page is not None:
            return page
        run_for_each(
            self,
            request,
            queryset,
            lambda fitness_class: services().cancel_class.execute(
                str(fitness_class.pk), values["reason"]
            ),
            succeeded=lambda done: f"Cancelled {count_of(done, 'class', 'classes')}.",
            label=describe_class,
        )
        return None
