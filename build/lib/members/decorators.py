"""Who may open a member page: a signed-in user with a member profile."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from members.models import Member


def member_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in, with a member profile (set as `request.member`); staff without one go to
    the admin, anyone else gets a 404."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        member = Member.objects.filter(user=request.user).first()
        if member is None:
            if request.user.is_staff:
                return redirect("admin:index")  # staff signing in on the member site
            raise Http404("This account has no member profile.")
        request.member = member
        return view(request, *args, **kwargs)

    return wrapper
