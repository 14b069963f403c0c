"""The "Security log" in admin: the event log's sign-ins, failed sign-ins, lockouts, password
and role changes (`application.security.SECURITY_EVENTS`), read-only, for the staff who hold
`events.view_securityevent` (the Manager group; not the Front desk).

Like the event log's list it never runs a query per row and stays fast at millions of rows:
the login's current name comes from a subquery in the list's own query, the type filter's
choices from `SECURITY_EVENTS`, the count is estimated, the order is the indexed
`occurred_at`.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import BigIntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.http import HttpRequest

from application.security import SECURITY_EVENTS
from events.admin import StoredEventAdmin, local_time
from events.models import SecurityEvent
from events.security_log import describe
from web.admin_actions import ReadOnlyAdminMixin
from web.admin_lists import EstimatedCountPaginator


class SecurityEventTypeFilter(admin.SimpleListFilter):
    title = "what"
    parameter_name = "type"

    def lookups(self, request, model_admin):
        return [(kind.name, kind.label) for kind in SECURITY_EVENTS]

    def queryset(self, request, queryset):
        return queryset.filter(type=self.value()) if self.value() else queryset


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Newest first: when, what, which login, from which address, and by whom."""

    list_display = ("when", "what", "login", "client_address", "by_whom")
    list_filter = (SecurityEventTypeFilter, "occurred_at")
    paginator = EstimatedCountPaginator
    search_fields = ("actor_label",)
    search_help_text = "A login name (or part of one): the login's events, and what it did."
    ordering = ("-occurred_at", "-recorded_at")
    show_full_result_count = False
    actions = None
    list_per_page = 50
    fields = ("id", "when", "what", "login", "client_address", "by_whom", "pretty_payload")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[SecurityEvent]:
        """Each event with the current name of the login its payload names, in one query."""
        login_id = Cast(KeyTextTransform("user_id", "payload"), BigIntegerField())
        logins = get_user_model().objects.filter(pk=OuterRef("login_id"))
        return (
            super()
            .get_queryset(request)
            .annotate(login_id=login_id, login_name=Subquery(logins.values("username")[:1]))
        )

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(
            Q(payload__username__icontains=term)
            | Q(login_name__icontains=term)
            | Q(actor_label__icontains=term)
        ), False

    @admin.display(description="when (local time)", ordering="occurred_at")
    def when(self, event: SecurityEvent) -> str:
        return local_time(event.occurred_at)

    @admin.display(description="what")
    def what(self, event: SecurityEvent) -> str:
        return describe(event.type, event.payload)

    @admin.display(description="login")
    def login(self, event: SecurityEvent) -> str:
        named = event.payload.get("username") or getattr(event, "login_name", None)
        if named:
            return named
        user_id = event.payload.get("user_id")
        return f"login #{user_id} (deleted)" if user_id else "—"

    @admin.display(description="client address")
    def client_address(self, event: SecurityEvent) -> str:
        return event.payload.get("client_ip") or "—"

    @admin.display(description="by whom")
    def by_whom(self, event: SecurityEvent) -> str:
        return event.actor_label or event.actor_kind

    pretty_payload = StoredEventAdmin.pretty_payload
