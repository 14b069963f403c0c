"""Admin for bookings and waitlist entries: read-only records of what the use cases did.

A booking changes only through a use case: staff cancel one with the "Cancel selected bookings
as staff…" action, or with the "Cancel as staff…" link beside each booked member on a class's
page, which opens the booking's own staff-cancel page (`StaffCancelBookingUseCase`: no
cancellation window, always refunded, the freed spot offered to the waitlist). Both need
`bookings.change_booking`. Attendance is recorded on the check-in page (`bookings.checkin`),
never here. Waitlist entries are listed for reference; members join and leave through their
own pages and promotion happens by itself.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from bookings.models import Booking, WaitlistEntry
from classes.admin_filters import ClassDateFilter
from gymbooking.composition import services
from locations.scoping import LocationScopedAdmin
from web import formatting
from web.admin_actions import (
    FORM_PREFIX,
    ReadOnlyAdminMixin,
    ask_then_run_for_each,
    form_page,
    run_for_each,
    user_may,
)
from web.admin_lists import EstimatedCountPaginator


class ClassStartFilter(ClassDateFilter):
    """The date filter of classes, applied to the class a row belongs to."""

    title = "class date"
    starts_at_field = "fitness_class__starts_at"
    location_field = "fitness_class__location"


class StaffCancelForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The member is told this. Left blank: “Cancelled by the gym”. "
        "The credit is always refunded.",
    )


class FitnessClassColumns:
    """List columns showing the class a row belongs to, with its local start."""

    @admin.display(description="class", ordering="fitness_class__name")
    def class_name(self, row) -> str:
        return row.fitness_class.name

    @admin.display(description="class starts", ordering="fitness_class__starts_at")
    def class_starts_at(self, row):
        """On the class's location's clock."""
        return formatting.staff_time(row.fitness_class.starts_at, row.fitness_class.time_zone)


def describe_booking(booking: Booking) -> str:
    fitness_class = booking.fitness_class
    when = formatting.staff_time(fitness_class.starts_at, fitness_class.time_zone)
    return f"{booking.member.name}: {fitness_class.name}, {when}"


@admin.register(Booking)
class BookingAdmin(LocationScopedAdmin, ReadOnlyAdminMixin, FitnessClassColumns, admin.ModelAdmin):
    location_path = "fitness_class__location"
    list_display = (
        "member",
        "class_name",
        "class_starts_at",
        "status",
        "created_at",
        "cancelled_at",
    )
    list_filter = ("status", ClassStartFilter)
    search_fields = ("member__name", "member__email", "fitness_class__name")
    ordering = ("-created_at", "id")
    fields = (
        "member",
        "fitness_class",
        "status",
        "created_at",
        "cancelled_at",
        "cancellation_reason",
        "credit_grant",
        "refund_grant",
    )
    readonly_fields = fields
    actions = ("cancel_as_staff",)
    list_per_page = 50
    # The table grows with every booking: its total is estimated past ten thousand rows, and
    # a filtered list runs no second COUNT over all of it. Newest first, from an index.
    paginator = EstimatedCountPaginator
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Booking]:
        return super().get_queryset(request).select_related("member", "fitness_class__location")

    def has_cancel_permission(self, request: HttpRequest) -> bool:
        """Cancelling is the one change staff make to a booking: `bookings.change_booking`."""
        return user_may(request, Booking, "change_booking")

    def get_urls(self):
        own = [
            path(
                "<path:object_id>/cancel-as-staff/",
                self.admin_site.admin_view(self.staff_cancel_view),
                name="bookings_booking_staff_cancel",
            ),
        ]
        return own + super().get_urls()

    def staff_cancel_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Cancel one booking as staff: a reason, then `StaffCancelBookingUseCase`. Linked
        from the roster on a class's page; goes back to `next` (an address on this site,
        e.g. that class's page) or else to the booking."""
        if not self.has_cancel_permission(request):
            raise PermissionDenied
        booking = self.get_object(request, unquote(object_id))
        if booking is None:
            raise Http404("That booking does not exist.")
        back = self._next_url(request, booking)
        if request.method == "POST":
            form = StaffCancelForm(request.POST, prefix=FORM_PREFIX)
            if form.is_valid():
                run_for_each(
                    self,
                    request,
                    [booking],
                    lambda chosen: services().staff_cancel_booking.execute(
                        str(chosen.pk), form.cleaned_data["reason"]
                    ),
                    succeeded=lambda done: (
                        f"Cancelled the booking of {describe_booking(booking)} "
                        "and refunded the credit."
                    ),
                    label=describe_booking,
                )
                return HttpResponseRedirect(back)
        else:
            form = StaffCancelForm(prefix=FORM_PREFIX)
        return form_page(
            self,
            request,
            form,
            title="Cancel a booking as staff",
            intro="Cancel this booking? The member gets their credit back.",
            submit_label="Cancel the booking",
            objects=[describe_booking(booking)],
            back_url=back,
            carried=[("next", back)],
        )

    def _next_url(self, request: HttpRequest, booking: Booking) -> str:
        target = request.POST.get("next") or request.GET.get("next", "")
        if url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return target
        return reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[booking.pk]
        )

    @admin.action(
        description="Cancel this booking as staff…",
        description_plural="Cancel selected bookings as staff…",
        permissions=["cancel"],
        location=[admin.ActionLocation.CHANGE_LIST, admin.ActionLocation.CHANGE_FORM],
    )
    def cancel_as_staff(self, request: HttpRequest, queryset: QuerySet[Booking]):
        return ask_then_run_for_each(
            self,
            request,
            queryset,
            StaffCancelForm,
            lambda booking, values: services().staff_cancel_booking.execute(
                str(booking.pk), values["reason"]
            ),
            succeeded=lambda done, _: (
                f"Cancelled {formatting.count(done, 'booking', 'bookings')} and refunded the "
                "credits."
            ),
            title="Cancel bookings as staff",
            intro="Cancel these bookings? Each member gets their credit back.",
            submit_label="Cancel the bookings",
            label=describe_booking,
        )


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(
    LocationScopedAdmin, ReadOnlyAdminMixin, FitnessClassColumns, admin.ModelAdmin
):
    """Who waits for what. The order of a class's waitlist is shown on the class's page."""

    location_path = "fitness_class__location"
    list_display = ("member", "class_name", "class_starts_at", "created_at")
    list_filter = (ClassStartFilter,)
    search_fields = ("member__name", "member__email", "fitness_class__name")
    ordering = ("fitness_class__starts_at", "created_at", "id")
    fields = ("member", "fitness_class", "created_at")
    readonly_fields = fields
    list_per_page = 50
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[WaitlistEntry]:
        return super().get_queryset(request).select_related("member", "fitness_class__location")
