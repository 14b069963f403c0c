"""Read-only inlines of a history that grows for ever (a member's bookings, grants,
waitlist places): the first rows only, and a link to the whole list in its own admin page,
so a page with a thousand rows of history costs what one with twenty does."""

from urllib.parse import urlencode

from django.urls import reverse

from web.admin_actions import ReadOnlyInline


class BoundedFormSet:
    """Mixed into an inline's formset: reads at most `max_rows` rows (one query, one row past
    them to know whether there are more)."""

    max_rows: int
    full_list_url: str = ""
    full_list_label: str = ""

    def get_queryset(self):
        if not hasattr(self, "_bounded"):
            rows = list(super().get_queryset()[: self.max_rows + 1])
            self.has_more = len(rows) > self.max_rows
            self._bounded = rows[: self.max_rows]
        return self._bounded


class BoundedInline(ReadOnlyInline):
    """A read-only inline of the first `max_rows` rows in its order, with a link to the full
    list: the `full_list` admin change list filtered on `parent_field` (the parent's id)."""

    max_rows = 20
    full_list: str  # the change list's URL name, e.g. "admin:bookings_booking_changelist"
    parent_field: str  # its lookup naming the parent, e.g. "member"
    full_list_label: str  # what the link offers: "see all <label>"
    template = "admin/edit_inline/bounded_tabular.html"

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        url = ""
        if obj is not None:
            url = f"{reverse(self.full_list)}?{urlencode({self.parent_field: obj.pk})}"
        return type(
            formset.__name__,
            (BoundedFormSet, formset),
            {
                "max_rows": self.max_rows,
                "full_list_url": url,
                "full_list_label": self.full_list_label,
            },
        )
