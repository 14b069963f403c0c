"""Admin for classes.

Staff add classes with the plain form. On an existing class the descriptive fields are saved as
typed, but the capacity only changes through `ChangeClassCapacityUseCase` (it may promote from
the waitlist, and it refuses to go below the confirmed bookings); a class is cancelled with the
"Cancel selected classes…" action (`CancelClassUseCase`: refunds, waitlist cleared, members
told). A session generated from a series is a class like any other, changed or cancelled on
its own.

A class's page is its roster (`classes.admin.inlines`): the booked members and the waitlist in
promotion order. From there staff add a member ("Add a member to this class…":
`BookClassUseCase` as staff, or `JoinWaitlistUseCase` when the class is full), cancel one
booking as staff and open the class's check-in page.

Permissions (see the staff groups in members/migrations/0004_staff_groups.py): cancelling a
class and changing its capacity need `classes.change_fitnessclass`; adding a member needs
`bookings.add_booking`; the per-row cancel links need `bookings.change_booking` and the
check-in link `bookings.record_attendance`.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string

from bookings.models import Booking
from classes.admin.inlines import ConfirmedBookingInline, WaitlistInline
from classes.admin_filters import CancelledFilter, ClassDateFilter, SeriesFilter
from classes.models import FitnessClass
from classes.queries import with_counts
from domain.exceptions import DomainException
from gymbooking.composition import services
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
    return f"{fitness_class.name}, {formatting.staff_time(fitness_class.starts_at)}"


class FitnessClassForm(forms.ModelForm):
    """The plain fields of a class, checked as input; rules are the use cases' business."""

    capacity = forms.IntegerField(min_value=1, help_text="How many members can book.")

    def clean(self):
        cleaned = super().clean()
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", "The class must end after it starts.")
        return cleaned


class AddMemberForm(forms.Form):
    member = forms.ModelChoiceField(
        queryset=Member.objects.all(),
        # Searched by name or e-mail as staff type (the member admin's search fields).
        widget=AutocompleteSelect(Booking._meta.get_field("member"), admin.site),
        help_text="Type part of the member's name or e-mail address.",
    )


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
    list_filter = (ClassDateFilter, "instructor", "location", CancelledFilter, SeriesFilter)
    search_fields = ("name", "instructor")
    date_hierarchy = "starts_at"
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
        return with_counts(super().get_queryset(request))

    def get_fieldsets(self, request, obj=None):
        main = (None, {"fields": ("name", "description", "instructor", "location")})
        when = ("When", {"fields": ("starts_at", "ends_at")})
        if obj is None:
            return (main, when, ("Spots", {"fields": ("capacity",)}))
        main = (None, {"fields": ("name", "description", "instructor", "location", "series")})
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
