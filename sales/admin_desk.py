"""The front desk's sale pages, "Sell a pack" and "Start a membership": one member named by
`?member=`, a form of what to sell and how it was paid, and the sale made through its use
case under the staff user's name. A refusal is shown on the page and nothing is sold; a sale
goes back to the member's page with what was sold."""

import uuid
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from domain.exceptions import DomainException
from members.models import Member
from web.admin_actions import FORM_PREFIX, form_page


def staff_name(request: HttpRequest) -> str:
    """How a staff user is named on what she records: her full name, else her login."""
    return request.user.get_full_name() or request.user.get_username()


def desk_sale_page(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    form_class: type[forms.Form],
    *,
    sell: Callable[[Member, dict[str, Any]], str],
    title: str,
    intro: str,
) -> HttpResponse:
    """The page, or the sale: `sell(member, cleaned_data)` makes it and says what was sold.
    `intro` names the member as "{name}"."""
    member = Member.objects.filter(pk=_uuid_or_none(request.GET.get("member"))).first()
    if member is None:
        modeladmin.message_user(request, "Choose the member to sell to first.", messages.ERROR)
        return HttpResponseRedirect(reverse("admin:members_member_changelist"))
    back = reverse("admin:members_member_change", args=[member.pk])
    form = form_class(request.POST or None, prefix=FORM_PREFIX)
    if request.method == "POST" and form.is_valid():
        try:
            sold = sell(member, form.cleaned_data)
        except DomainException as refusal:
            modeladmin.message_user(request, f"{member.name}: {refusal}", messages.ERROR)
        else:
            modeladmin.message_user(request, sold, messages.SUCCESS)
            return HttpResponseRedirect(back)
    return form_page(
        modeladmin,
        request,
        form,
        title=title,
        intro=intro.format(name=member.name),
        submit_label="Record the sale",
        objects=[str(member)],
        back_url=back,
    )


def _uuid_or_none(value: str | None) -> str | None:
    """The member id asked for, if it is one (anything else finds nobody)."""
    try:
        return str(uuid.UUID(value or ""))
    except ValueError:
        return None
