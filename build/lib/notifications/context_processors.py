"""What the base layout needs on every page: the unread count and whether sign-up is open."""

from functools import cache

from django.conf import settings
from django.http import HttpRequest

from notifications import queries


def unread_notifications(request: HttpRequest) -> dict[str, object]:
    """`unread_notification_count` and `self_signup_enabled`.

    The count is a callable that templates call (and cache) when they first use it: one query
    for a signed-in user, none for an anonymous one, and none on pages that do not show it
    (the admin's)."""

    @cache
    def unread_notification_count() -> int:
        member = getattr(request, "member", None)  # set by member_required
        if member is not None:
            return queries.unread_count(member_id=member.pk)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return 0
        return queries.unread_count(user_id=user.pk)

    return {
        "unread_notification_count": unread_notification_count,
        "self_signup_enabled": settings.GYM_SELF_SIGNUP,
    }
