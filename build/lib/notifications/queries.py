"""The reads behind the notification pages: a fixed number of queries whatever the rows."""

from django.core.paginator import Page, Paginator

from notifications.models import Notification

PAGE_SIZE = 25


def notifications_page(member_id: object, page_number: object) -> Page:
    """One page of the member's notifications, newest first (two queries: count and rows).

    Only the class's id is read (for the link), so no join is needed; it is empty when the
    class has been deleted."""
    rows = Notification.objects.filter(member_id=member_id).order_by("-created_at", "-id")
    return Paginator(rows, PAGE_SIZE).get_page(page_number)


def unread_count(*, member_id: object = None, user_id: object = None) -> int:
    """Unread notifications of a member, named by their id or by their login: one query."""
    unread = Notification.objects.filter(read_at__isnull=True)
    if member_id is not None:
        return unread.filter(member_id=member_id).count()
    return unread.filter(member__user_id=user_id).count()
