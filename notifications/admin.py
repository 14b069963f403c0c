from django.contrib import admin

from locations.scoping import LocationScopedAdmin
from notifications.models import Notification
from web.admin_actions import ReadOnlyAdminMixin


@admin.register(Notification)
class NotificationAdmin(LocationScopedAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """What members were told in the app, read-only: rows come from the notification handler.
    A notice about a class is its location's; one about no class (credits) the chain's."""

    location_path = "fitness_class__location"
    unplaced_visible = True

    list_display = ("created_at", "member", "kind", "title", "read_at")
    list_filter = ("kind", ("read_at", admin.EmptyFieldListFilter))
    search_fields = ("member__name", "member__email", "title")
    list_select_related = ("member",)
    ordering = ("-created_at", "-id")
    show_full_result_count = False
