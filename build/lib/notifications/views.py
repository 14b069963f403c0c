"""The member's notifications: the list, and marking them all as read (an explicit action:
opening the list changes nothing)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from members.decorators import member_required
from notifications import in_app, queries
from web import formatting


@require_GET
@member_required
def notification_list(request: HttpRequest) -> HttpResponse:
    page = queries.notifications_page(request.member.pk, request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@require_POST
@member_required
def mark_all_read(request: HttpRequest) -> HttpResponse:
    marked = in_app.mark_all_read(request.member.pk, now=timezone.now())
    if marked:
        marked_read = formatting.count(marked, "notification", "notifications")
        messages.success(request, f"Marked {marked_read} as read.")
    else:
        messages.info(request, "You have no unread notifications.")
    return redirect("notifications:list")
