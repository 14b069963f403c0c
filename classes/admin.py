"""Admin for the class schedule.

Staff add classes with the plain form. On an existing class the descriptive fields are saved as
typed, but the capacity only changes through `ChangeClassCapacityUseCase` (it may promote from
the waitlist, and it refuses to go below the confirmed bookings); a class is cancelled with the
"Cancel selected classes…" action (`CancelClassUseCase`: refunds, waitlist cleared, members
told).

A class series is added with the plain form (checked by the domain's `ClassSeries`); its
sessions are created by the "Generate sessions…" action (`GenerateClassesUseCase`, as
`manage.py generate_classes` does). A change to a series goes through `UpdateSeriesUseCase`:
the upcoming sessions nobody has booked follow it; when booked sessions were left alone, the
admin lists them and asks before giving them the series' details (an explicit second step).
A session generated from a series is a class like any other, changed or cancelled on its own.

A class's page is its roster: the booked members and the waitlist in promotion order, each
with the member's spendable credits (one query each, however long), read-only. From there
staff add a member ("Add a member to this class…": `BookClassUseCase` as staff, or
`JoinWaitlistUseCase` when the class is full), cancel one booking as staff (a link per row
to the booking's own staff-cancel page) and open the class's check-in page.

Permissions (see the staff groups in members/migrations/0004_staff_groups.py): cancelling a
class and changing its capacity need `classes.change_fitnessclass`; adding a member needs
`bookings.add_booking`; the per-row cancel links need `bookings.change_booking` and the
check-in link `bookings.record_attendance`.
"""

from collections.abc import Mapping
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.template import engines
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode

from application.series import DEFAULT_WEEKS_AHEAD, GenerationSummary, SeriesUpdate
from bookings.models import ACTIVE_STATUSES, Booking, WaitlistEntry
from bookings.queries import waitlist_position
from classes.admin_filters import CancelledFilter, ClassDateFilter, SeriesFilter
from classes.models import ClassSeries, FitnessClass
from classes.queries import with_counts
from classes.wording import local_time
from domain import series as domain_series
from domain.entities import BookingStatus
from domain.exceptions import ClassFullException, DomainException
from gymbooking.admin_actions import (
    ReadOnlyInline,
    RefusedSave,
    UseCaseSaveMixin,
    ask,
    ask_then_run_for_each,
    count_of,
    run_for_each,
    user_may,
)
from gymbooking.composition import services
from members.models import Member
from members.queries import spendable_credits_of

CONFIRMED = BookingStatus.CONFIRMED.value
RECORD_ATTENDANCE = "bookings.record_attendance"


def describe_class(fitness_class: FitnessClass) -> str:
    return f"{fitness_class.name}, {local_time(fitness_class.starts_at)}"


class MemberBalanceColumn:
    """The member's spendable credits, from the `member_balance` annotation of the inline's
    own query (never a query per row)."""

    @admin.display(description="credits")
    def credit_balance(self, row) -> int:
        return getattr(row, "member_balance", 0)


def with_member_balances(rows: QuerySet) -> QuerySet:
    """Roster rows with their member, class (each row's title names both) and
    `member_balance`, in one query."""
    return rows.select_related("member", "fitness_class").annotate(
        member_balance=spendable_credits_of(OuterRef("member"), timezone.now())
    )


class ConfirmedBookingInline(MemberBalanceColumn, ReadOnlyInline):
    """The roster: members holding a spot (booked, or already marked at check-in)."""

    model = Booking
    verbose_name = "booked member"
    verbose_name_plural = "roster: booked members (confirmed, attended or no-show)"
    fields = ("member", "booked_at", "status", "credit_balance", "staff_cancel")
    readonly_fields = fields

    def get_queryset(self, request):
        rows = super().get_queryset(request).filter(status__in=ACTIVE_STATUSES)
        return with_member_balances(rows).order_by("created_at", "id")

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if not user_may(request, Booking, "change_booking"):
            fields = [name for name in fields if name != "staff_cancel"]
        return fields

    @admin.display(description="booked at")
    def booked_at(self, booking: Booking) -> str:
        return local_time(booking.created_at)

    @admin.display(description="cancel")
    def staff_cancel(self, booking: Booking) -> str:
        """A link to the booking's staff-cancel page, which comes back here afterwards."""
        if booking.status != CONFIRMED:
            return "—"
        back = reverse("admin:classes_fitnessclass_change", args=[booking.fitness_class_id])
        url = reverse("admin:bookings_booking_staff_cancel", args=[booking.pk])
        return format_html(
            '<a href="{}?{}">Cancel as staff…<span class="visually-hidden"> {}</span></a>',
            url,
            urlencode({"next": back}),
            booking.member.name,
        )


class WaitlistInline(MemberBalanceColumn, ReadOnlyInline):
    model = WaitlistEntry
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

    @admin.display(description="confirmed", ordering="confirmed_count")
    def confirmed(self, fitness_class: FitnessClass) -> int:
        return getattr(fitness_class, "confirmed_count", 0)

    @admin.display(description="waiting", ordering="waiting_count")
    def waiting(self, fitness_class: FitnessClass) -> int:
        return getattr(fitness_class, "waiting_count", 0)

    @admin.display(description="cancelled", boolean=True, ordering="cancelled_at")
    def is_cancelled(self, fitness_class: FitnessClass) -> bool:
        return fitness_class.cancelled_at is not None

    @admin.display(description="check-in")
    def check_in(self, fitness_class: FitnessClass) -> str:
        return format_html(
            '<a href="{}">Open the check-in page</a> · <a href="{}">Today\'s classes</a>',
            reverse("bookings:checkin", args=[fitness_class.pk]),
            reverse("bookings:checkin_today"),
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
            succeeded=lambda done, _: f"Cancelled {count_of(done, 'class', 'classes')}.",
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
        """Book `member`, or queue them when the use case says the class is full; say which."""
        what = describe_class(fitness_class)
        try:
            services().book_class.execute(str(member.pk), str(fitness_class.pk), by_staff=True)
        except ClassFullException:
            try:
                position = services().join_waitlist.execute(
                    str(member.pk), str(fitness_class.pk), by_staff=True
                )
            except DomainException as refusal:
                self.message_user(request, f"{member.name}: {refusal}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"{what} is full: {member.name} is number {position} on its waitlist.",
                    messages.WARNING,
                )
        except DomainException as refusal:
            self.message_user(request, f"{member.name}: {refusal}", messages.ERROR)
        else:
            self.message_user(
                request, f"Booked {member.name} on {what}; one credit was spent.", messages.SUCCESS
            )


# --- Class series ---------------------------------------------------------------------------------

WEEKDAY_CHOICES = list(enumerate(domain_series.WEEKDAY_NAMES))


def series_details(cleaned: Mapping[str, object]) -> dict[str, object]:
    """The domain's `ClassSeries` fields, from the series form's cleaned values."""
    return {
        "name": cleaned.get("name") or "",
        "description": cleaned.get("description") or "",
        "instructor": cleaned.get("instructor") or "",
        "location": cleaned.get("location") or "",
        "weekdays": frozenset(cleaned.get("weekdays") or ()),
        "start_time": cleaned.get("start_time"),
        "duration": timedelta(minutes=cleaned.get("duration_minutes") or 0),
        "capacity": cleaned.get("capacity"),
        "first_date": cleaned.get("first_date"),
        "last_date": cleaned.get("last_date"),
    }


def describe_series(series: ClassSeries) -> str:
    """“Spin (Mon, Wed 18:00)”."""
    days = domain_series.describe_weekdays(series.weekdays)
    return f"{series.name} ({days} {series.start_time:%H:%M})"


class ClassSeriesForm(forms.ModelForm):
    """The fields of a series as input; whether they make a series is the domain's call."""

    weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAY_CHOICES, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    duration_minutes = forms.IntegerField(min_value=1, label="Duration (minutes)")
    capacity = forms.IntegerField(min_value=1, help_text="How many members can book a session.")

    class Meta:
        model = ClassSeries
        fields = (
            "name",
            "description",
            "instructor",
            "location",
            "weekdays",
            "start_time",
            "duration_minutes",
            "capacity",
            "first_date",
            "last_date",
        )

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                domain_series.ClassSeries.create(**series_details(cleaned))
            except domain_series.InvalidSeriesException as refusal:
                raise ValidationError(str(refusal)) from refusal
        return cleaned

    def validate_constraints(self):
        """The table's constraints repeat the domain's rules, already checked in `clean`:
        only checked again when the domain found nothing, so no refusal is said twice."""
        if not self.errors:
            super().validate_constraints()


class GenerateSessionsForm(forms.Form):
    weeks = forms.IntegerField(
        initial=DEFAULT_WEEKS_AHEAD,
        help_text=(
            f"From today, today included: 1 to {domain_series.MAX_WEEKS_AHEAD}. Dates that "
            "already have their session are left as they are."
        ),
    )


class UpcomingSessionInline(ReadOnlyInline):
    """The series' sessions from now on, each a class of its own (edit or cancel it there)."""

    model = FitnessClass
    fk_name = "series"
    verbose_name = "upcoming session"
    verbose_name_plural = "upcoming sessions (each can be changed or cancelled on its own)"
    fields = ("starts", "instructor", "location", "capacity", "confirmed", "waiting", "cancelled")
    readonly_fields = fields

    def get_queryset(self, request):
        upcoming = super().get_queryset(request).filter(starts_at__gte=timezone.now())
        return with_counts(upcoming).order_by("starts_at", "id")

    @admin.display(description="starts")
    def starts(self, fitness_class: FitnessClass) -> str:
        return local_time(fitness_class.starts_at)

    @admin.display(description="confirmed")
    def confirmed(self, fitness_class: FitnessClass) -> int:
        return getattr(fitness_class, "confirmed_count", 0)

    @admin.display(description="waiting")
    def waiting(self, fitness_class: FitnessClass) -> int:
        return getattr(fitness_class, "waiting_count", 0)

    @admin.display(description="cancelled", boolean=True)
    def cancelled(self, fitness_class: FitnessClass) -> bool:
        return fitness_class.cancelled_at is not None


BOOKED_SESSIONS_TEMPLATE = """\
{% extends "admin/base_site.html" %}
{% load i18n admin_urls %}
{% block bodyclass %}{{ block.super }} app-classes model-classseries change-form{% endblock %}
{% block breadcrumbs %}
<div class="breadcrumbs">
<a href="{% url 'admin:index' %}">{% translate 'Home' %}</a>
&rsaquo; <a href="{% url 'admin:app_list' app_label=opts.app_label %}">
{{ opts.app_config.verbose_name }}</a>
&rsaquo; <a href="{% url opts|admin_urlname:'changelist' %}">
{{ opts.verbose_name_plural|capfirst }}</a>
&rsaquo; <a href="{{ back_url }}">{{ series }}</a>
&rsaquo; {{ title }}
</div>
{% endblock %}
{% block content %}
<div id="content-main">
<p>These upcoming sessions of {{ series }} have bookings or a waitlist, so the change to the
series was not applied to them. Give the chosen ones the series' details and capacity?</p>
<p>Their times stay as they are: move a booked session on its own page if you need to.
A capacity below a session's bookings is refused for that session.</p>
<form method="post">{% csrf_token %}
<table>
<thead><tr><th scope="col">Apply</th><th scope="col">Session</th>
<th scope="col">Booked</th><th scope="col">Waiting</th>
<th scope="col">What would change</th></tr></thead>
<tbody>
{% for row in rows %}
<tr>
<td><input type="checkbox" name="session" value="{{ row.class_id }}"
 id="session-{{ forloop.counter }}" checked></td>
<td><label for="session-{{ forloop.counter }}">{{ row.when }}</label></td>
<td>{{ row.confirmed }}</td>
<td>{{ row.waiting }}</td>
<td><ul>{% for field, old, new in row.changes %}
<li>{{ field|capfirst }}: {{ old|default:"(empty)"|truncatechars:60 }} &rarr;
{{ new|default:"(empty)"|truncatechars:60 }}</li>{% endfor %}</ul></td>
</tr>
{% endfor %}
</tbody>
</table>
<div class="submit-row">
<input type="submit" value="Apply to the chosen sessions" class="default">
<a href="{{ back_url }}" class="button cancel-link">Leave them as they are</a>
</div>
</form>
</div>
{% endblock %}
"""


@admin.register(ClassSeries)
class ClassSeriesAdmin(UseCaseSaveMixin, admin.ModelAdmin):
    form = ClassSeriesForm
    list_display = (
        "name",
        "days",
        "start_time",
        "duration_minutes",
        "instructor",
        "location",
        "capacity",
        "first_date",
        "last_date",
        "sessions",
    )
    search_fields = ("name", "instructor")
    ordering = ("name", "id")
    readonly_fields = ("sessions", "booked_sessions")
    inlines = (UpcomingSessionInline,)
    actions = ("generate_sessions",)
    fieldsets = (
        (None, {"fields": ("name", "description", "instructor", "location")}),
        (
            "When",
            {"fields": ("weekdays", "start_time", "duration_minutes", "first_date", "last_date")},
        ),
        ("Spots", {"fields": ("capacity",)}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[ClassSeries]:
        upcoming = Q(sessions__starts_at__gte=timezone.now())
        return super().get_queryset(request).annotate(upcoming_count=Count("sessions", upcoming))

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.fieldsets
        return (*self.fieldsets, ("Sessions", {"fields": ("sessions", "booked_sessions")}))

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else ()

    def has_delete_permission(self, request, obj=None) -> bool:
        """A series with sessions is ended with a last date, never deleted."""
        if obj is not None and obj.sessions.exists():
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request, action_location=admin.ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location=action_location)
        actions.pop("delete_selected", None)  # it would skip the check above
        return actions

    def get_urls(self):
        booked = path(
            "<path:object_id>/booked-sessions/",
            self.admin_site.admin_view(self.booked_sessions_view),
            name="classes_classseries_booked_sessions",
        )
        return [booked, *super().get_urls()]

    @admin.display(description="weekdays")
    def days(self, series: ClassSeries) -> str:
        return domain_series.describe_weekdays(series.weekdays)

    @admin.display(description="upcoming sessions", ordering="upcoming_count")
    def sessions(self, series: ClassSeries) -> str:
        url = reverse("admin:classes_fitnessclass_changelist")
        count = getattr(series, "upcoming_count", None)
        if count is None:  # the change page's object is not annotated
            count = series.sessions.filter(starts_at__gte=timezone.now()).count()
        return format_html(
            '<a href="{}?series={}&amp;when=upcoming">{}</a>',
            url,
            series.pk,
            count_of(count, "session", "sessions"),
        )

    @admin.display(description="booked sessions")
    def booked_sessions(self, series: ClassSeries) -> str:
        return format_html(
            '<a href="{}">Give booked sessions the series\' details…</a>',
            reverse("admin:classes_classseries_booked_sessions", args=[series.pk]),
        )

    # --- Saving: a change goes through UpdateSeriesUseCase ------------------------------------

    def save_model(self, request, obj, form, change):
        """A new series is saved as typed (the form had the domain check it). A change goes
        through `UpdateSeriesUseCase` in the admin's transaction: the series and the upcoming
        sessions nobody has booked change together; booked ones are reported."""
        if not change:
            super().save_model(request, obj, form, change)
            return
        try:
            request._series_update = services().update_series.execute(
                str(obj.pk), **series_details(form.cleaned_data)
            )
        except DomainException as refusal:
            raise RefusedSave(None, refusal) from refusal

    def response_change(self, request, obj):
        response = super().response_change(request, obj)
        update: SeriesUpdate | None = getattr(request, "_series_update", None)
        if update is None:
            return response
        for text, level in _update_messages(update):
            self.message_user(request, text, level)
        if update.held and services().update_series.booked_sessions_to_confirm(str(obj.pk)):
            return HttpResponseRedirect(
                reverse("admin:classes_classseries_booked_sessions", args=[obj.pk])
            )
        return response

    # --- The second step: booked sessions, once staff confirm ---------------------------------

    def booked_sessions_view(self, request: HttpRequest, object_id: str):
        series = self.get_object(request, unquote(object_id))
        if series is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, series):
            raise PermissionDenied
        back_url = reverse("admin:classes_classseries_change", args=[series.pk])
        use_case = services().update_series
        if request.method == "POST":
            chosen = request.POST.getlist("session")
            if not chosen:
                self.message_user(request, "No session was chosen: nothing changed.")
                return HttpResponseRedirect(back_url)
            result = use_case.apply_to_booked(str(series.pk), chosen)
            for _, starts_at, why in result.refused:
                when = local_time(starts_at) if starts_at else "a session"
                self.message_user(request, f"{series.name}, {when}: {why}", messages.ERROR)
            if result.updated:
                done = count_of(len(result.updated), "booked session", "booked sessions")
                self.message_user(request, f"Gave {done} the series' details.", messages.SUCCESS)
            return HttpResponseRedirect(back_url)
        changes = use_case.booked_sessions_to_confirm(str(series.pk))
        if not changes:
            self.message_user(request, "Every upcoming booked session has the series' details.")
            return HttpResponseRedirect(back_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Booked sessions",
            "series": series,
            "back_url": back_url,
            "rows": [
                {
                    "class_id": change.class_id,
                    "when": local_time(change.starts_at),
                    "confirmed": change.confirmed,
                    "waiting": change.waiting,
                    "changes": change.changes,
                }
                for change in changes
            ],
        }
        template = engines["django"].from_string(BOOKED_SESSIONS_TEMPLATE)
        return TemplateResponse(request, template, context)

    # --- Actions -------------------------------------------------------------------------------

    @admin.action(
        description="Generate sessions…",
        permissions=["change"],
        location=[admin.ActionLocation.CHANGE_LIST, admin.ActionLocation.CHANGE_FORM],
    )
    def generate_sessions(self, request: HttpRequest, queryset: QuerySet[ClassSeries]):
        values, page = ask(
            self,
            request,
            queryset,
            GenerateSessionsForm,
            title="Generate sessions",
            intro=(
                "Create the missing sessions of these series, from today up to the chosen "
                "number of weeks ahead?"
            ),
            submit_label="Generate sessions",
            label=describe_series,
        )
        if page is not None:
            return page
        summaries: list[GenerationSummary] = []
        run_for_each(
            self,
            request,
            queryset,
            lambda series: summaries.append(
                services().generate_classes.execute(values["weeks"], series_id=str(series.pk))
            ),
            succeeded=lambda done: _combined(summaries).describe(),
            label=describe_series,
        )
        return None


def _combined(summaries: list[GenerationSummary]) -> GenerationSummary:
    """One summary of several runs over the same weeks."""
    results = tuple(result for summary in summaries for result in summary.results)
    return GenerationSummary(results, summaries[0].first_date, summaries[0].last_date)


def _update_messages(update: SeriesUpdate) -> list[tuple[str, int]]:
    """What a change to a series did, as admin messages."""
    if not update.changed:
        return []
    followed = count_of(update.updated, "upcoming session", "upcoming sessions")
    found = [(f"{followed} nobody had booked now follow the series.", messages.INFO)]
    if update.removed:
        removed = count_of(update.removed, "session", "sessions")
        found.append(
            (
                f"Removed {removed} nobody had booked on dates no longer on the schedule.",
                messages.INFO,
            )
        )
    if update.held:
        held = count_of(len(update.held), "booked session was", "booked sessions were")
        keep = " Booked sessions keep their times." if update.schedule_changed else ""
        found.append((f"{held} left as before.{keep}", messages.WARNING))
    if {"weekdays", "first_date", "last_date"} & set(update.schedule_changed):
        found.append(
            (
                "Sessions on the schedule's new dates are created by the next generation.",
                messages.INFO,
            )
        )
    return found
