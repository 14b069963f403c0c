"""The member's page of class packs: what the gym sells and what each includes. Packs are
sold at the front desk for now, and the page says so."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from members.decorators import member_required
from sales.queries import packs_on_sale


@require_GET
@member_required
def packs(request: HttpRequest) -> HttpResponse:
    return render(request, "sales/packs.html", {"packs": packs_on_sale()})
