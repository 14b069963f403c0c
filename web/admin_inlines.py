"""Read-only inlines of a history that grows for ever (a member's bookings, grants,
waitlist places): the first rows only, and a link to the whole list in its own admin page,
so a page with a thousand rows of history costs what one with twenty does."""

from urllib.parse import urlencode

from django import template
from django.contrib.admin.helpers import InlineAdminFormSet
from django.contrib.admin.templatetags.admin_urls import admin_urlname
from django.contrib.admin.utils import quote
from django.forms import BoundField
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from web.admin_actions import ReadOnlyInline

# The template library of `bounded_tabular.html` (TEMPLATES' "libraries": bounded_inlines).
register = template.Library()


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


# A row as Django's tabular inline shows a read-only one: its object, a link to it, the
# hidden id and parent inputs the formset posts back, then a cell per field.
ROW = (
    '<tr class="form-row has_original" id="{}-{}"><td class="original"><p>{} {}</p>{}{}</td>'
    '{}<td class="delete"></td></tr>'
)


@register.simple_tag
def bounded_rows(inline_admin_formset: InlineAdminFormSet) -> SafeString:
    """The inline's rows, made in Python: the tabular template's nodes per cell cost more
    than the cells themselves (every cell here is read-only: no widget, no error)."""
    inline = inline_admin_formset.opts
    prefix = inline_admin_formset.formset.prefix
    link = _link_to_row(inline_admin_formset)
    linked = inline.show_change_link and inline.has_registered_model
    rows = []
    for index, admin_form in enumerate(inline_admin_formset):
        original = admin_form.original
        parent = admin_form.fk_field()
        cells = format_html_join(
            "",
            '<td class="field-{}"><p>{}</p></td>',
            (
                (field.field["name"], field.contents())
                for fieldset in admin_form
                for line in fieldset
                for field in line
            ),
        )
        rows.append(
            format_html(
                ROW,
                prefix,
                index,
                original,
                link(original) if linked else "",
                hidden_input(admin_form.pk_field().field)
                if admin_form.needs_explicit_pk_field()
                else "",
                hidden_input(parent.field) if parent else "",
                cells,
            )
        )
    return SafeString("".join(rows))


def hidden_input(field: BoundField) -> SafeString:
    """`field` as its hidden widget renders it, without a template per input: rendering the
    id and parent inputs through the form renderer was most of a history row's cost."""
    value = field.field.widget.format_value(field.value())
    return format_html(
        '<input type="hidden" name="{}"{} id="{}">',
        field.html_name,
        format_html(' value="{}"', value) if value is not None else "",
        field.auto_id,
    )


def _link_to_row(inline_admin_formset: InlineAdminFormSet):
    """The link from a row to its object's own admin page, its URL reversed once."""
    opts = inline_admin_formset.opts.opts
    pattern = reverse(admin_urlname(opts, "change"), args=["__pk__"])
    label = "Change" if inline_admin_formset.has_change_permission else "View"
    css = "inlinechangelink" if inline_admin_formset.has_change_permission else "inlineviewlink"
    return lambda row: format_html(
        '<a href="{}" class="{}">{}</a>', pattern.replace("__pk__", quote(str(row.pk))), css, label
    )
