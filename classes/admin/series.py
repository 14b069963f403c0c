"""Admin for class series.

A series is added with the plain form (checked by the domain's `ClassSeries`); its sessions are
created by the "Generate sessions…" action (`GenerateClassesUseCase`, as
`manage.py generate_classes` does). A change to a series goes through `UpdateSeriesUseCase`:
the upcoming sessions nobody has booked follow it; when booked sessions were left alone, the
admin lists them and asks before giving them the series' details (an explicit second step).
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from application.series import GenerationSummary, SeriesUpdate
from classes.admin.fields import put_in_room
from classes.admin.inlines import UpcomingSessionInline
from classes.admin.series_forms import ClassSeriesForm, GenerateSessionsForm, series_details
from classes.models import ClassSeries
from domain import series as domain_series
from domain.exceptions import DomainException
from gymbooking.composition import services
from locations.scoping import LocationScopedAdmin
from web import formatting
from web.admin_actions import (
    RefusedSave,
    UseCaseSaveMixin,
    ask,
    run_for_each,
)


def describe_series(series: ClassSeries) -> str:
    """“Spin (Mon, Wed 18:00)”."""
    days = domain_series.describe_weekdays(series.weekdays)
    return f"{series.name} ({days} {series.start_time:%H:%M})"


@admin.register(ClassSeries)
class ClassSeriesAdmin(LocationScopedAdmin, UseCaseSaveMixin, admin.ModelAdmin):
    location_path = "location"
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
        (None, {"fields": ("name", "description", "instructor", "location", "room")}),
        (
            "When",
            {"fields": ("weekdays", "start_time", "duration_minutes", "first_date", "last_date")},
        ),
        ("Spots", {"fields": ("capacity",)}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[ClassSeries]:
        upcoming = Q(sessions__starts_at__gte=timezone.now())
        series = super().get_queryset(request).select_related("location")
        return series.annotate(upcoming_count=Count("sessions", upcoming))

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
            formatting.count(count, "session", "sessions"),
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
        sessions nobody has booked change together; booked ones are reported. The room is
        the series' own: the sessions generated from then on take it."""
        if not change:
            super().save_model(request, obj, form, change)
            return
        try:
            request._series_update = services().update_series.execute(
                str(obj.pk), **series_details(form.cleaned_data)
            )
        except DomainException as refusal:
            raise RefusedSave(None, refusal) from refusal
        if "room" in form.changed_data:
            put_in_room(obj)

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
        zone = series.location.time_zone  # its sessions' times are on its location's clock
        use_case = services().update_series
        if request.method == "POST":
            chosen = request.POST.getlist("session")
            if not chosen:
                self.message_user(request, "No session was chosen: nothing changed.")
                return HttpResponseRedirect(back_url)
            result = use_case.apply_to_booked(str(series.pk), chosen)
            for _, starts_at, why in result.refused:
                when = formatting.staff_time(starts_at, zone) if starts_at else "a session"
                self.message_user(request, f"{series.name}, {when}: {why}", messages.ERROR)
            if result.updated:
                done = formatting.count(len(result.updated), "booked session", "booked sessions")
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
                    "when": formatting.staff_time(change.starts_at, zone),
                    "confirmed": change.confirmed,
                    "waiting": change.waiting,
                    "changes": change.changes,
                }
                for change in changes
            ],
        }
        return TemplateResponse(request, "admin/classes/classseries/booked_sessions.html", context)

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
    followed = formatting.count(update.updated, "upcoming session", "upcoming sessions")
    found = [(f"{followed} nobody had booked now follow the series.", messages.INFO)]
    if update.removed:
        removed = formatting.count(update.removed, "session", "sessions")
        found.append(
            (
                f"Removed {removed} nobody had booked on dates no longer on the schedule.",
                messages.INFO,
            )
        )
    if update.held:
        held = formatting.count(len(update.held), "booked session was", "booked sessions were")
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
