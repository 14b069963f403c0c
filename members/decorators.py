"""Who may open a member page: a signed-in user with a member profile."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from members.forms import AccountSetupForm


def member_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in, with a member profile (set as `request.member`); staff without one go to
    the admin. Anyone else — a login whose member is gone or was never made — gets the page
    that says so and what to do (set the account up, or ask the front desk), never a "not
    found" on every member page."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Read with the login by members.auth.EmailBackend; a query only for another backend.
        member = getattr(request.user, "member", None)
        if member is None:
            if request.user.is_staff:
                return redirect("admin:index")  # staff signing in on the member site
            return no_member_profile(request)
        request.member = member
        return view(request, *args, **kwargs)

    return wrapper


def no_member_profile(request: HttpRequest, form: AccountSetupForm | None = None) -> HttpResponse:
    """What a signed-in login without a member sees instead of a member page (403): that the
    login has no member account, and how to get one — set it up there when the gym allows
    sign-up, or ask the front desk — or sign out."""
    user = request.user
    if form is None:
        form = AccountSetupForm(initial={"name": user.get_full_name()})
    context = {"form": form, "email": user.get_username(), "may_set_up": settings.GYM_SELF_SIGNUP}
    return render(request, "members/no_member.html", context, status=403)
