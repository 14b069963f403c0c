"""Paying online: a pack's "Buy online" button and the page Stripe sends her back to, a
membership plan's "Join online" button, and Stripe's webhook. Each only translates to and
from the use cases (`payments.webhooks` and `payments.membership_webhooks` for the events)."""

import uuid

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from domain.exceptions import DomainException, NotFoundException, OnlinePaymentUnavailableException
from gymbooking.composition import services, stripe_api
from members.decorators import member_required
from payments import queries, webhooks

# Stripe puts the session's id where this stands in the success URL.
SESSION_ID_TEMPLATE = "{CHECKOUT_SESSION_ID}"


@require_POST
@member_required
def buy(request: HttpRequest, product_id: uuid.UUID) -> HttpResponse:
    """To Stripe's payment page for the pack; back to the shop, saying why, when she may not
    buy it or Stripe cannot be reached (nothing charged)."""
    paid_url = request.build_absolute_uri(reverse("payments:paid"))
    try:
        session = services().start_checkout.execute(
            str(request.member.pk),
            str(product_id),
            success_url=f"{paid_url}?session_id={SESSION_ID_TEMPLATE}",
            cancel_url=request.build_absolute_uri(reverse("sales:shop")),
        )
    except NotFoundException as error:
        raise Http404(str(error)) from error
    except DomainException as refusal:
        messages.error(request, str(refusal))
        return redirect("sales:shop")
    return HttpResponseRedirect(session.url)


@require_POST
@member_required
def join(request: HttpRequest, plan_id: uuid.UUID) -> HttpResponse:
    """To Stripe's page to subscribe to the plan; back to the shop, saying why, when she may
    not start it or Stripe cannot be reached (nothing charged). Once paid she is back on her
    membership page, which shows it as soon as Stripe has confirmed the payment."""
    joined_url = request.build_absolute_uri(reverse("memberships:mine"))
    try:
        session = services().start_membership_checkout.execute(
            str(request.member.pk),
            str(plan_id),
            success_url=f"{joined_url}?joined=1",
            cancel_url=request.build_absolute_uri(reverse("sales:shop")),
        )
    except NotFoundException as error:
        raise Http404(str(error)) from error
    except DomainException as refusal:
        messages.error(request, str(refusal))
        return redirect("sales:shop")
    return HttpResponseRedirect(session.url)


@require_GET
@member_required
def paid(request: HttpRequest) -> HttpResponse:
    """Back from paying: her credits once Stripe has confirmed the payment (usually before
    she is back), else that they appear as soon as it does."""
    result = queries.checkout_result(request.member.pk, request.GET.get("session_id", ""))
    return render(request, "payments/paid.html", {"result": result})


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Stripe's events, signed with the webhook secret: 400 for anything unsigned, badly
    signed, too old or unreadable (nothing changes); 503 while an event cannot be acted on
    yet (Stripe delivers it again); 200 otherwise, also for a replay or an ignored type."""
    api = stripe_api()
    if api is None or not settings.STRIPE_WEBHOOK_SECRET:
        return _text("Stripe webhooks are not configured on this site.", status=404)
    try:
        event = api.verified_event(request.body, request.headers.get("Stripe-Signature"))
    except ValueError as error:
        return _text(str(error), status=400)
    try:
        outcome = webhooks.process(services(), event)
    except OnlinePaymentUnavailableException as error:
        return _text(str(error), status=503)
    except (KeyError, TypeError, ValueError, DomainException) as error:
        return _text(f"The event could not be acted on: {error}", status=400)
    return _text(outcome)


def _text(body: str, *, status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")
