"""What the admin modules share: read-only admin pieces; change forms whose save goes through a
use case; actions that ask for a few values, then hand each selected object to a use case
and report the outcome with the messages framework; and the same small form page for admin
views of their own (`form_page`), and the permission check actions declare (`user_may`).

Admin code only translates (HackSoft): from a selection and a small form to use case calls, and
from the results and `DomainException`s to messages. The rules themselves live in the use
cases, so an action never checks them first. A refusal becomes an error message naming the
object; anything else is a bug and is not caught.

Each use case call is its own transaction (a savepoint when the admin already opened one), so
one refused object never undoes the others.
"""

from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Model
from django.http import HttpRequest
from django.template.response import TemplateResponse

from domain.exceptions import DomainException

# The name of the intermediate page's submit button and the prefix of its form's fields.
APPLY = "_apply_action"
FORM_PREFIX = "action_form"
# How many of the selected objects the intermediate page lists by name.
LISTED_OBJECTS = 20


def ask(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset,
    form_class: type[forms.Form],
    *,
    title: str,
    intro: str,
    submit_label: str,
    label: Callable[[Any], str] = str,
) -> tuple[dict[str, Any] | None, TemplateResponse | None]:
    """The values an action needs, asked for on an intermediate page.

    Returns `(cleaned_data, None)` once the page was submitted with valid values, otherwise
    `(None, page)`: the action returns the page as its response. The page lists the selected
    objects by `label(obj)`. The page posts back to the
    same URL with the original action's fields (action name, selection, select-across) carried
    over, so Django routes the answer to the same action, on the change list or a change form.
    """
    if APPLY in request.POST:
        form = form_class(request.POST, prefix=FORM_PREFIX)
        if form.is_valid():
            return form.cleaned_data, None
    else:
        form = form_class(prefix=FORM_PREFIX)
    listed = list(queryset[: LISTED_OBJECTS + 1])
    more = queryset.count() - LISTED_OBJECTS if len(listed) > LISTED_OBJECTS else 0
    return None, form_page(
        modeladmin,
        request,
        form,
        title=title,
        intro=intro,
        submit_label=submit_label,
        objects=[label(obj) for obj in listed[:LISTED_OBJECTS]],
        more=more,
        carried=_carried_fields(request),
        back_url=request.get_full_path(),
    )


def form_page(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    form: forms.Form,
    *,
    title: str,
    intro: str,
    submit_label: str,
    objects: Iterable[str],
    back_url: str,
    more: int = 0,
    carried: Iterable[tuple[str, str]] = (),
) -> TemplateResponse:
    """The admin page of `ask` (admin/action_form.html): `intro`, the `objects` concerned
    (and `more` not listed), `form` (bound with `FORM_PREFIX`) and a submit button named
    `APPLY`, posting back to the same URL with the `carried` fields. Admin views of their own
    use it as it is."""
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.opts,
        "title": title,
        "intro": intro,
        "submit_label": submit_label,
        "objects": list(objects),
        "more": more,
        "form": form,
        "apply": APPLY,
        "carried": list(carried),
        "back_url": back_url,
    }
    return TemplateResponse(request, "admin/action_form.html", context)


def _carried_fields(request: HttpRequest) -> list[tuple[str, str]]:
    """The POSTed fields that chose the action and its objects, to send back unchanged."""
    own = ("csrfmiddlewaretoken", APPLY)
    return [
        (name, value)
        for name, values in request.POST.lists()
        if name not in own and not name.startswith(f"{FORM_PREFIX}-")
        for value in values
    ]


def run_for_each[T](
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    objects: Iterable[T],
    operation: Callable[[T], object],
    *,
    succeeded: Callable[[int], str],
    label: Callable[[T], str] = str,
) -> int:
    """Run `operation` (a use case call) on each object and report: one success message with
    the count from `succeeded(count)`, one error message per refusal naming the object by
    `label(obj)`. Returns the count."""
    done = 0
    for obj in objects:
        try:
            operation(obj)
        except DomainException as refusal:
            modeladmin.message_user(request, f"{label(obj)}: {refusal}", messages.ERROR)
        else:
            done += 1
    if done:
        modeladmin.message_user(request, succeeded(done), messages.SUCCESS)
    return done


def ask_then_run_for_each[T](
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset,
    form_class: type[forms.Form],
    operation: Callable[[T, dict[str, Any]], object],
    *,
    succeeded: Callable[[int, dict[str, Any]], str],
    title: str,
    intro: str,
    submit_label: str,
    label: Callable[[T], str] = str,
) -> TemplateResponse | None:
    """The common action: ask for values (`ask`), then run `operation(obj, values)` on each
    selected object (`run_for_each`). Returns the page while it is being asked, else None."""
    values, page = ask(
        modeladmin,
        request,
        queryset,
        form_class,
        title=title,
        intro=intro,
        submit_label=submit_label,
        label=label,
    )
    if page is not None:
        return page
    run_for_each(
        modeladmin,
        request,
        queryset,
        lambda obj: operation(obj, values),
        succeeded=lambda done: succeeded(done, values),
        label=label,
    )
    return None


def user_may(request: HttpRequest, model: type[Model], codename: str) -> bool:
    """Whether the signed-in user holds `<app_label>.<codename>` of `model`'s app: what an
    action's `has_<name>_permission` method answers. Which staff group holds which
    permission is set by members/migrations/0004_staff_groups.py."""
    return request.user.has_perm(f"{model._meta.app_label}.{codename}")


class ReadOnlyAdminMixin:
    """For rows that only use cases write: listed and shown, never added, changed or deleted
    by hand. Actions still run (they need their own permissions)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    """An inline that shows rows and never adds, changes or deletes them."""

    extra = 0
    can_delete = False
    show_change_link = True


class RefusedSave(Exception):
    """A use case refused what a change form asked for; raised out of `save_model`."""

    def __init__(self, field: str | None, refusal: DomainException) -> None:
        super().__init__(str(refusal))
        self.field = field
        self.message = str(refusal)


class UseCaseSaveMixin:
    """For a ModelAdmin whose `save_model` hands (part of) the change to a use case.

    A use case judges only while it runs (under its locks), so its refusal cannot come from
    form validation: it comes from `save_model`, after every form and inline has validated.
    There, `save_model` raises `RefusedSave(field, refusal)`. Django's admin runs the whole
    POST in one transaction (`changeform_view`), so raising out of it rolls back everything the
    attempt wrote: no half-saved object, no log entry, no success message. The mixin then
    validates the same POST again with the domain's message as an error on `field` (None: the
    whole form), so staff see the form as they typed it, with the refusal in the rules' words.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except RefusedSave as refused:
            request._refused_save = refused
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        refused = getattr(request, "_refused_save", None)
        return form if refused is None else _with_error(form, refused.field, refused.message)


def _with_error(form_class: type[forms.BaseForm], field: str | None, message: str):
    """`form_class`, always invalid with `message` on `field`."""

    class Refused(form_class):
        def clean(self):
            cleaned = super().clean()
            # A field that has become read-only since (a booked class's times) has no place
            # on the form: the refusal is then the whole form's.
            self.add_error(field if field in self.fields else None, message)
            return cleaned

    Refused.__name__ = form_class.__name__
    return Refused
