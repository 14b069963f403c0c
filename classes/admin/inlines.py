"""The read-only tables on a class's and a series' pages.

A class's page is its roster: the booked members and the waitlist in promotion order, each with
the member's spendable credits (one query each), and a link per booking to its staff-cancel
page. A series' page lists its upcoming sessions, each a class of its own. Each shows its
first `ROWS` rows and links to the whole list, so a page costs the same however long they are.
"""

from django.contrib import admin
from django.db.models import OuterRef, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from bookings.models import Booking, WaitlistEntry
from bookings.queries import waitlist_position
from classes.models import FitnessClass
from classes.queries import with_counts
from domain.entities import SPOT_HOLDING_STATUSES, BookingStatus
from locations.scoping import LocationScopedInline
from members.queries import spendable_credits_of
from web import formatting
from web.admin_actions import user_may
from web.admin_inlines import BoundedInline

# Rows of each table on a class's or series' page; more are a link away.
ROWS = 100


class MemberBalanceColumn:
    """The member's spendable credits, from the `member_balance` annotation of the inline's
    own query (never a query per row)."""

    @admin.display(description="credits")
    def credit_balance(self, row) -> int:
        return getattr(row, "member_balance", 0)


def with_member_balances(rows: QuerySet) -> QuerySet:
    """Roster rows with their member, class (each row's title names both) and
    `member_balance`, in one query."""
    return rows.select_related("member", "fitness_class__location").annotate(
        member_balance=spendable_credits_of(OuterRef("member"), timezone.now())
    )


class ConfirmedBookingInline(LocationScopedInline, MemberBalanceColumn, BoundedInline):
    """The roster: members holding a spot (booked, or already marked at check-in)."""

    model = Booking
    location_path = "fitness_class__location"
    max_rows = ROWS
    full_list = "admin:bookings_booking_changelist"
    parent_field = "fitness_class"
    full_list_label = "its bookings"
    verbose_name = "booked member"
    verbose_name_plural = "roster: booked members (confirmed, attended or no-show)"
    fields = ("member", "booked_at", "status", "credit_balance", "staff_cancel")
    readonly_fields = fields

    def get_queryset(self, request):
        rows = super().get_queryset(request).filter(status__in=SPOT_HOLDING_STATUSES)
        return with_member_balances(rows).order_by("created_at", "id")

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if not user_may(request, Booking, "change_booking"):
            fields = [name for name in fields if name != "staff_cancel"]
        return fields

    @admin.display(description="booked at")
    def booked_at(self, booking: Booking) -> str:
        return formatting.staff_time(booking.created_at, booking.fitness_class.time_zone)

    @admin.display(description="cancel")
    def staff_cancel(self, booking: Booking) -> str:
        """A link to the booking's staff-cancel page, which comes back here afterwards."""
        if booking.status != BookingStatus.CONFIRMED:
            return "—"
        back = reverse("admin:classes_fitnessclass_change", args=[booking.fitness_class_id])
        url = reverse("admin:bookings_booking_staff_cancel", args=[booking.pk])
        return render_to_string(
            "admin/classes/fitnessclass/staff_cancel_link.html",
            {"href": f"{url}?{urlencode({'next': back})}", "member_name": booking.member.name},
        )


class WaitlistInline(LocationScopedInline, MemberBalanceColumn, BoundedInline):
    model = WaitlistEntry
    location_path = "fitness_class__location"
    max_rows = ROWS
    full_list = "admin:bookings_waitlistentry_changelist"
    parent_field = "fitness_class"
    full_list_label = "its waiting members"
    verbose_name = "waiting member"
    verbose_name_plural = "waitlist (in order: the first eligible member gets the next spot)"
    fields = ("position", "member", "created_at", "credit_balance")
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            with_member_balances(super().get_queryset(request))
            .annotate(position_in_line=waitlist_position())
            .order_by("created_at", "id")
        )

    @admin.display(description="position")
    def position(self, entry: WaitlistEntry) -> int | None:
        return getattr(entry, "position_in_line", None)


class UpcomingSessionInline(LocationScopedInline, BoundedInline):
    """The series' sessions from now on, each a class of its own (edit or cancel it there)."""

    model = FitnessClass
    location_path = "location"
    fk_name = "series"
    max_rows = ROWS
    full_list = "admin:classes_fitnessclass_changelist"
    parent_field = "series"
    full_list_label = "its sessions"
    verbose_name = "upcoming session"
    verbose_name_plural = "upcoming sessions (each can be changed or cancelled on its own)"
    fields = ("starts", "instructor", "location", "capacity", "confirmed", "waiting", "cancelled")
    readonly_fields = fields

    def get_queryset(self, request):
        upcoming = super().get_queryset(request).filter(starts_at__gte=timezone.now())
        return with_counts(upcoming.select_related("location")).order_by("starts_at", "id")

    @admin.display(description="starts")
    def starts(self, fitness_class: FitnessClass) -> str:
        return formatting.staff_time(fitness_class.starts_at, fitness_class.time_zone)

    @admin.display(description="confirmed")
    def confirmed(self, fitness_class: FitnessClass) -> int:
        return getattr(fitness_class, "spots_taken", 0)

    @admin.display(description="waiting")
    def waiting(self, fitness_class: FitnessClass) -> int:
        return getattr(fitness_class, "waiting_count", 0)

    @admin.display(description="cancelled", boolean=True)
    def cancelled(self, fitness_class: FitnessClass) -> bool:
        return fitness_class.cancelled_at is not None
