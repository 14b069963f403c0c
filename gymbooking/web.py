"""What every member page shares: who the member is, and how a use case's answer becomes a
message. Business refusals are shown in the domain's own words; "not found" (including
another member's booking) is a 404, never a hint that the thing exists."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from domain.exceptions import DomainException, NotFoundException
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


def run_use_case[T](
    request: HttpRequest, action: Callable[[], T], success: str | Callable[[T], str]
) -> T | None:
    """Run `action`; on success show `success` (or `success(result)`), on a refusal show why.

    Returns None when refused."""
    try:
        result = action()
    except NotFoundException as exc:
        raise Http404(str(exc)) from exc
    except DomainException as exc:
        messages.error(request, str(exc))
        return None
    messages.success(request, success(result) if callable(success) else success)
    return result
