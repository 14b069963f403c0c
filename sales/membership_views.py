"""The member's membership page: what it includes, what she used this week or month, when it
renews; she freezes it (a form: first and last day), unfreezes it, and cancels it at the end
of its period (confirmed), or undoes that — told to Stripe first for one billed online
(`membership_changes`). Memberships are sold at the front desk, and online in the shop."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from domain.exceptions import DomainException
from gymbooking.composition import services
from members.decorators import member_required
from sales.membership_queries import membership_overview, plans_on_sale

PAGE = "memberships:mine"


class FreezeForm(forms.Form):
    starts_on = forms.DateField(label="First day", widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label="Last day", widget=forms.DateInput(attrs={"type": "date"}))


class CancelForm(forms.Form):
    confirm = forms.BooleanField(
        label="Yes, end my membership at the end of this period",
        error_messages={"required": "Tick the box to confirm the cancellation."},
    )


@require_GET
@member_required
def membership(request: HttpRequest) -> HttpResponse:
    return _page(request, FreezeForm(), CancelForm())


def _page(request: HttpRequest, freeze: FreezeForm, cancel: CancelForm) -> HttpResponse:
    overview = membership_overview(str(request.member.pk), timezone.now())
    context = {
        "overview": overview,
        "plans": [] if overview else plans_on_sale(),
        "freeze_form": freeze,
        "cancel_form": cancel,
        "joined": "joined" in request.GET,
    }
    return render(request, "memberships/membership.html", context)


def _run(request: HttpRequest, change, done: str) -> HttpResponse:
    """Run a change of her membership; its refusal, or `done`, is the message shown."""
    try:
        change()
    except DomainException as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, done)
    return redirect(PAGE)


@require_POST
@member_required
def freeze(request: HttpRequest) -> HttpResponse:
    form = FreezeForm(request.POST)
    if not form.is_valid():
        return _page(request, form, CancelForm())
    first, last = form.cleaned_data["starts_on"], form.cleaned_data["ends_on"]
    return _run(
        request,
        lambda: services().membership_changes.freeze(str(request.member.pk), first, last),
        f"Your membership is frozen from {first:%-d %B} to {last:%-d %B %Y}: it renews "
        "that many days later.",
    )


@require_POST
@member_required
def unfreeze(request: HttpRequest) -> HttpResponse:
    return _run(
        request,
        lambda: services().membership_changes.unfreeze(str(request.member.pk)),
        "Your membership is unfrozen: you can book on it again.",
    )


@require_POST
@member_required
def cancel(request: HttpRequest) -> HttpResponse:
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _page(request, FreezeForm(), form)
    return _run(
        request,
        lambda: services().membership_changes.cancel_at_period_end(str(request.member.pk)),
        "Your membership ends at the end of this period; nothing more will be charged.",
    )


@require_POST
@member_required
def undo_cancel(request: HttpRequest) -> HttpResponse:
    return _run(
        request,
        lambda: services().membership_changes.cancel_at_period_end(
            str(request.member.pk), undo=True
        ),
        "Your membership will renew as before.",
    )
