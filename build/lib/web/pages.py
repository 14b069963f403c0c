"""How a use case's answer becomes a message on a page. Business refusals are shown in the
domain's own words; "not found" (including another member's booking) is a 404, never a hint
that the thing exists."""

from collections.abc import Callable

from django.contrib import messages
from django.http import Http404, HttpRequest

from domain.exceptions import DomainException, NotFoundException


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
