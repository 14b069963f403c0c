"""Request middleware: the operators' endpoints answered first, request metrics, and the
request id with the log context.

Order in settings.MIDDLEWARE: `OpsEndpointsMiddleware` first, then `RequestMetricsMiddleware`
(so it times everything below it), then `RequestIdMiddleware`, then Django's.
"""

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from ops import urls, views
from ops.logcontext import request_id_from, request_log_context
from ops.metrics import observe_request

logger = logging.getLogger("ops.requests")

REQUEST_ID_HEADER = "X-Request-ID"


class OpsEndpointsMiddleware:
    """Answers the probes before anything else runs: a load balancer polls them, often with
    its own address as the Host header and over plain HTTP, and they need no session, user,
    CSRF or message machinery. /metrics is answered here only for allowed scrapers; anyone
    else falls through to the URL resolver, whose view answers 404 like any unknown page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.probes = {f"/{urls.LIVE}": views.live, f"/{urls.READY}": views.ready}
        self.metrics_path = f"/{urls.METRICS}"

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = self.probes.get(request.path_info)
        if probe is not None:
            return probe(request)
        if request.path_info == self.metrics_path and views.metrics_allowed(request):
            return views.metrics(request)
        return self.get_response(request)


class RequestMetricsMiddleware:
    """Counts and times every request, by view name (the URL pattern's, so the label values
    are bounded), method and status."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        observe_request(
            view_label(request, self.static_prefix),
            request.method or "",
            response.status_code,
            time.perf_counter() - started,
        )
        return response


def view_label(request: HttpRequest, static_prefix: str = "/static/") -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name
    if request.path_info.startswith(static_prefix):
        return "static"
    return "unresolved"  # 404s, redirects before resolving (APPEND_SLASH, HTTPS)


class RequestIdMiddleware:
    """Gives each request an id (the incoming X-Request-ID when it is a sane token, else a new
    one), puts it and the signed-in user on every log line written for the request, echoes it
    in the response, and logs one line per request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id
        started = time.perf_counter()
        with request_log_context(request, request_id):
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            # The route, not the path: some paths hold a secret (a calendar feed's token).
            match = getattr(request, "resolver_match", None)
            route = f"/{match.route}" if match is not None else request.path[:200]
            logger.info(
                "%s %s %s",
                request.method,
                route,
                response.status_code,
                extra={
                    "method": request.method,
                    "route": route,
                    "view": view_label(request),
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
        return response
