from django.contrib import admin

from ops.models import JobRun, WorkerHeartbeat


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written by the workers and jobs; staff may only look, and delete the row of a worker
    that is gone for good (so its stale heartbeat stops alerting)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ["name", "beat_at"]


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    list_display = ["job", "succeeded_at", "failed_at"]
