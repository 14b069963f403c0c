"""Admin for classes.

Every change staff make to a class goes through a use case, under the class's lock, and is
recorded in the event log with who made it: adding (`ScheduleClassUseCase`), renaming or
relocating (`ChangeClassDetailsUseCase`), moving (`RescheduleClassUseCase`: a class somebody
holds a spot in or waits for keeps its time, shown read-only here and refused under the lock),
resizing (`ChangeClassCapacityUseCase`: it may promote from the waitlist, and it refuses to go
below the confirmed bookings) and deleting (`DeleteClassUseCase`: only a class nobody ever
booked or waited for; any other is refused with a message pointing to cancelling). A refusal
is shown on the form (or as a message) and nothing is saved. A class is cancelled with the
"Cancel selected classes…" action (`CancelClassUseCase`: refunds, waitlist cleared, members
told). A session generated from a series is a class like any other, changed or cancelled on
its own; it cannot be moved onto another session of its series. A class is at one of the
chain's locations and, if staff say so, in one of that location's rooms (checked by the
form), both by name in the domain: relocating it or moving it to another room is a detail
change, recorded like a rename.

Staff see and change the classes of the locations they work at only (`locations.scoping`):
another location's class is a 404, and neither it nor its location is offered anywhere.

A class's page is its roster (`classes.admin.inlines`): the booked members and the waitlist in
promotion order. From there staff add a member ("Add a member to this class…":
`BookClassUseCase` as staff, or `JoinWaitlistUseCase` when the class is full), cancel one
booking as staff and open the class's check-in page.

Permissions (see the staff groups in members/migrations/0004_staff_groups.py): cancelling a
class and changing its capacity need `classes.change_fitnessclass`; adding a member needs
`bookings.add_booking`; the per-row cancel links need `bookings.change_booking` and the
check-in link `bookings.record_attendance`.
"""

import uuid

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse

from bookings.models import Booking
from classes.admin.class_forms import (
    AddMemberForm,
    CancelClassesForm,
    FitnessClassForm,
)
from classes.admin.inlines import ConfirmedBookingInline, WaitlistInline
from classes.admin_filters import (
    CancelledFilter,
    ClassDateFilter,
    InstructorFilter,
    LocationFilter,
    SeriesFilter,
)
from classes.models import FitnessClass
from classes.queries import with_counts
from domain.entities import DETAIL_NAMES
from domain.exceptions import DomainException, OutsideOpeningHoursException
from gymbooking.composition import services
from locations.scoping import LocationScopedAdmin
from members.models import Member
from web import formatting
from web.admin_actions import (
    RefusedSave,
    UseCaseSaveMixin,
    ask,
    ask_then_run_for_each,
    user_may,
)

RECORD_ATTENDANCE = "bookings.record_attendance"


def describe_class(fitness_class: FitnessClass) -> str:
    when = formatting.staff_time(fitness_class.starts_at, fitness_class.time_zone)
    return f"{fitness_class.name}, {when}"


class RefusedDeletion(Exception):
    """`DeleteClassUseCase` refused; raised out of `delete_model` to roll the deletion back."""

    def __init__(self, refusal: DomainException) -> None:
        super().__init__(str(refusal))
        self.refusal = refusal


@admin.register(FitnessClass)
class FitnessClassAdmin(LocationScopedAdmin, UseCaseSaveMixin, admin.ModelAdmin):
    location_path = "location"
    form = FitnessClassForm
    list_display = (
        "name",
        "starts",
        "instructor",
        "location",
        "capacity",
        "confirmed",
        "waiting",
        "is_cancelled",
    )
    list_filter = (ClassDateFilter, InstructorFilter, LocationFilter, CancelledFilter, SeriesFilter)
    search_fields = ("name", "instructor")
    # No date hierarchy: its links are a DISTINCT over every class's date; the date filter
    # (today, tomorrow, the next 7 days, upcoming, past) reads only the classes it shows.
    ordering = ("starts_at", "id")
    readonly_fields = (
        "confirmed",
        "waiting",
        "cancelled_at",
        "cancellation_reason",
        "check_in",
        "series",
    )
    inlines = (ConfirmedBookingInline, WaitlistInline)
    actions = ("cancel_classes", "add_member")
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[FitnessClass]:
        return with_counts(super().get_queryset(request).select_related("location"))

    @admin.display(description="starts at", ordering="starts_at")
    def starts(self, fitness_class: FitnessClass) -> str:
        """On the class's location's clock (the form's times are the installation's)."""
        return formatting.staff_time_with_year(fitness_class.starts_at, fitness_class.time_zone)

    def get_fieldsets(self, request, obj=None):
        details = ("name", "description", "instructor", "location", "room")
        main = (None, {"fields": details})
        when = ("When", {"fields": ("starts_at", "ends_at")})
        if obj is None:
            return (main, when, ("Spots", {"fields": ("capacity",)}))
        main = (None, {"fields": (*details, "series")})
        fieldsets = [
            main,
            when,
            ("Spots", {"fields": ("capacity", "confirmed", "waiting")}),
            ("Cancellation", {"fields": ("cancelled_at", "cancellation_reason")}),
        ]
        if request.user.has_perm(RECORD_ATTENDANCE):
            fieldsets.append(("Front desk", {"fields": ("check_in",)}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        """A class somebody holds a spot in or waits for keeps its time: moving it would move
        their bookings without asking them (cancel it and schedule another instead)."""
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and (self.confirmed(obj) or self.waiting(obj)):
            return (*fields, "starts_at", "ends_at")
        return fields

    def get_inlines(self, request, obj):
        # A class being created has nobody on it yet.
        return self.inlines if obj is not None else ()

    def get_actions(self, request, action_location=admin.ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location=action_location)
        # Bulk deletion would skip the per-class check above.
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description="confirmed", ordering="spots_taken")
    def confirmed(self, fitness_class: FitnessClass) -> int:
        return getattr(fitness_class, "spots_taken", 0)

    @admin.display(description="waiting", ordering="waiting_count")
    def waiting(self, fitness_class: FitnessClass) -> int:
        return getattr(fitness_class, "waiting_count", 0)

    @admin.display(description="cancelled", boolean=True, ordering="cancelled_at")
    def is_cancelled(self, fitness_class: FitnessClass) -> bool:
        return fitness_class.cancelled_at is not None

    @admin.display(description="check-in")
    def check_in(self, fitness_class: FitnessClass) -> str:
        return render_to_string(
            "admin/classes/fitnessclass/check_in_links.html", {"fitness_class": fitness_class}
        )

    # --- Saving: every change goes through its use case ---------------------------------------

    def save_model(self, request, obj, form, change):
        """A new class is scheduled through `ScheduleClassUseCase`. On an existing class each
        kind of change goes through its use case, in the admin's transaction: the details
        (name, description, instructor, location, room), then the time, then the capacity. A refusal
        rolls the whole change back and is shown on the form (see `UseCaseSaveMixin`); an
        accepted capacity increase promotes waiting members once that transaction commits."""
        if not change:
            self._schedule(obj)
            return
        class_id = str(obj.pk)
        changed = set(form.changed_data)
        details = {name: self._detail(obj, name) for name in DETAIL_NAMES if name in changed}
        if details:
            self._run(
                "name" if "name" in details else None,
                services().change_class_details,
                class_id,
                **details,
            )
        if {"starts_at", "ends_at"} & changed:
            self._run(
                "starts_at", services().reschedule_class, class_id, obj.starts_at, obj.ends_at
            )
        if "capacity" in changed:
            self._run("capacity", services().change_class_capacity, class_id, obj.capacity)

    @staticmethod
    def _detail(obj: FitnessClass, name: str) -> str:
        """A detail as the domain has it: the location and the room by their names."""
        if name in ("location", "room"):
            place = getattr(obj, name)
            return place.name if place is not None else ""
        return getattr(obj, name)

    def _schedule(self, obj: FitnessClass) -> None:
        added = self._run(
            None,  # the form checked each field; what is left is about the whole class
            services().schedule_class,
            obj.name,
            obj.capacity,
            starts_at=obj.starts_at,
            ends_at=obj.ends_at,
            description=obj.description,
            instructor=obj.instructor,
            location=obj.location.name,
            room=self._detail(obj, "room"),
        )
        obj.pk = uuid.UUID(added.id)
        obj.refresh_from_db()

    @staticmethod
    def _run(field: str | None, use_case, *args, **kwargs):
        """A refusal shown on `field`; one of the location's opening rules, about the whole
        class, above the form."""
        try:
            return use_case.execute(*args, **kwargs)
        except OutsideOpeningHoursException as refusal:
            raise RefusedSave(None, refusal) from refusal
        except DomainException as refusal:
            raise RefusedSave(field, refusal) from refusal

    # --- Deleting: only through its use case ---------------------------------------------------

    def delete_view(self, request, object_id, extra_context=None):
        """A class that may not be deleted is refused with the rules' words before the
        confirmation page, and again (under the lock) when the deletion is posted: staff go
        back to the class's page, where "Cancel this class…" is, and nothing is deleted."""
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and self.has_delete_permission(request, obj):
            try:
                services().delete_class.ensure_deletable(str(obj.pk))
            except DomainException as refusal:
                return self._refused_deletion(request, obj, refusal)
        try:
            return super().delete_view(request, object_id, extra_context)
        except RefusedDeletion as refused:
            return self._refused_deletion(request, obj, refused.refusal)

    def delete_model(self, request, obj):
        try:
            services().delete_class.execute(str(obj.pk))
        except DomainException as refusal:
            raise RefusedDeletion(refusal) from refusal

    def _refused_deletion(self, request, obj: FitnessClass, refusal: DomainException):
        self.message_user(request, f"{describe_class(obj)}: {refusal}", messages.ERROR)
        return HttpResponseRedirect(reverse("admin:classes_fitnessclass_change", args=[obj.pk]))

    # --- Actions -----------------------------------------------------------------------------

    def has_cancel_classes_permission(self, request: HttpRequest) -> bool:
        """Cancelling a class changes it: `classes.change_fitnessclass` (a manager's)."""
        return user_may(request, FitnessClass, "change_fitnessclass")

    def has_add_member_permission(self, request: HttpRequest) -> bool:
        """Adding a member books them: `bookings.add_booking`."""
        return user_may(request, Booking, "add_booking")

    @admin.action(
        description="Cancel this class…",
        description_plural="Cancel selected classes…",
        permissions=["cancel_classes"],
        location=[admin.ActionLocation.CHANGE_LIST, admin.ActionLocation.CHANGE_FORM],
    )
    def cancel_classes(self, request: HttpRequest, queryset: QuerySet[FitnessClass]):
        return ask_then_run_for_each(
            self,
            request,
            queryset,
            CancelClassesForm,
            lambda fitness_class, values: services().cancel_class.execute(
                str(fitness_class.pk), values["reason"]
            ),
            succeeded=lambda done, _: f"Cancelled {formatting.count(done, 'class', 'classes')}.",
            title="Cancel classes",
            intro="Cancel these classes? Every booking is refunded and the waitlist cleared.",
            submit_label="Cancel the classes",
            label=describe_class,
        )

    @admin.action(
        description="Add a member to this class…",
        permissions=["add_member"],
        location=[admin.ActionLocation.CHANGE_FORM],
    )
    def add_member(self, request: HttpRequest, queryset: QuerySet[FitnessClass]):
        values, page = ask(
            self,
            request,
            queryset,
            AddMemberForm,
            title="Add a member to this class",
            intro=(
                "Book a member on this class: one of their credits is spent. When it is full "
                "they join its waitlist instead. As staff you may book them outside the "
                "booking window, above their upcoming-bookings limit or during a no-show "
                "pause; a spot and a credit are still needed."
            ),
            submit_label="Add the member",
            label=describe_class,
        )
        if page is not None:
            return page
        for fitness_class in queryset:  # the one class whose page this is
            self._add_member(request, fitness_class, values["member"])
        return None

    def _add_member(self, request: HttpRequest, fitness_class: FitnessClass, member: Member):
        """Book `member`, or queue them when the class is full; say which."""
        what = describe_class(fitness_class)
        try:
            added = services().add_member_to_class.execute(str(member.pk), str(fitness_class.pk))
        except DomainException as refusal:
            self.message_user(request, f"{member.name}: {refusal}", messages.ERROR)
        else:
            if added.booking is not None:
                self.message_user(
                    request,
                    f"Booked {member.name} on {what}; one credit was spent.",
                    messages.SUCCESS,
                )
            else:
                self.message_user(
                    request,
                    f"{what} is full: {member.name} is number {added.waitlist_position} on its "
                    "waitlist.",
                    messages.WARNING,
                )
