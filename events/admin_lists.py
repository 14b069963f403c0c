"""What keeps the event log's and the deliveries' admin lists fast at millions of rows.

A change list runs, besides its page of rows, a count (for the paginator) and the queries of
its filters. Over millions of rows each of those is a scan of the table, so here:

- the count is estimated past ten thousand rows (`web.admin_lists.EstimatedCountPaginator`);
- the filters offer choices that need no query over the table: event types from the event
  registry; handlers from the latest deliveries only (a bounded read by primary key);
- the lists are ordered by an indexed column (events by `occurred_at`, deliveries by id, which
  grows with time), so the page of rows is read from an index, not sorted from a scan; the
  status filter's rare statuses (failed, dead) have partial indexes of their own.
"""

from django.contrib import admin

from events import registry
from events.models import Delivery

# The handler filter offers the handlers of this many of the latest deliveries.
RECENT_DELIVERIES_FOR_HANDLERS = 1_000


class EventTypeFilter(admin.SimpleListFilter):
    """By event type: every type the registry knows, without reading the log."""

    title = "type"
    parameter_name = "type"

    def lookups(self, request, model_admin):
        return [(name, name) for name in sorted(registry.EVENT_TYPES)]

    def queryset(self, request, queryset):
        return queryset.filter(type=self.value()) if self.value() else queryset


class HandlerFilter(admin.SimpleListFilter):
    """By handler: those of the latest deliveries (a bounded read, not a DISTINCT over the
    table); a handler chosen by URL is filtered on even when it is not among them."""

    title = "handler"
    parameter_name = "handler"

    def lookups(self, request, model_admin):
        recent = Delivery.objects.order_by("-pk").values_list("handler", flat=True)[
            :RECENT_DELIVERIES_FOR_HANDLERS
        ]
        names = set(recent)
        if self.value():
            names.add(self.value())
        return [(name, name) for name in sorted(names)]

    def queryset(self, request, queryset):
        return queryset.filter(handler=self.value()) if self.value() else queryset
