"""The member's shop: what the gym sells and what each pack includes. Where online payment is
configured each pack has a "Buy online" button (`payments`); otherwise packs are sold at the
front desk only, and the page says so."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from members.decorators import member_required
from sales.queries import packs_on_sale


@require_GET
@member_required
def shop(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "sales/shop.html",
        {"packs": packs_on_sale(), "online": bool(settings.STRIPE_SECRET_KEY)},
    )
