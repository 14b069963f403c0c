"""The member's purchases: her history of packs bought (and refunded) and membership periods
paid, and each receipt as a page (the e-mailed receipt's content). Another member's purchase
is as absent as one that does not exist (404)."""

import uuid

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from members.decorators import member_required
from sales.queries import purchase_history
from sales.receipts import receipt_of


@require_GET
@member_required
def purchases(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "sales/purchases/history.html",
        {"purchases": purchase_history(str(request.member.pk))},
    )


@require_GET
@member_required
def receipt(request: HttpRequest, receipt_id: uuid.UUID) -> HttpResponse:
    found = receipt_of(str(receipt_id), member_id=str(request.member.pk))
    if found is None:
        raise Http404("You have no purchase with that receipt.")
    return render(request, "sales/purchases/receipt.html", {"receipt": found})
