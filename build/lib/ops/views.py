"""The operators' endpoints: liveness, readiness and metrics.

They are answered by `OpsEndpointsMiddleware` before the rest of the middleware (no session,
no cookies, no host check, no HTTPS redirect, not counted in the request metrics), and are
also routed in `ops.urls`, so they answer the same without it.
"""

import hmac
import ipaddress
import logging
import timeit
from functools import cache

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_safe
from health_check.base import HealthCheck, HealthCheckResult
from health_check.checks import Database
from health_check.exceptions import HealthCheckException
from prometheus_client.exposition import choose_encoder

from ops.checks import DeliveriesOnTime, MigrationsApplied
from ops.metrics import scrape_registry

logger = logging.getLogger(__name__)


def _no_store(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    return response


# --- Health -----------------------------------------------------------------------------------


@require_safe
def live(request: HttpRequest) -> HttpResponse:
    """The process is up and answering. Touches nothing else (no database)."""
    return _no_store(HttpResponse("ok\n", content_type="text/plain; charset=utf-8"))


# What "ready to take traffic" means: the database answers, its schema is this release's, and
# the workers keep up with the deliveries. The mail server is deliberately not among them: it
# is the workers' business, and a web instance can serve while it is down.
READINESS_CHECKS: tuple[tuple[str, HealthCheck], ...] = (
    ("database", Database()),
    ("migrations", MigrationsApplied()),
    ("deliveries", DeliveriesOnTime()),
)


def run_check(check: HealthCheck) -> HealthCheckResult:
    """Run one django-health-check check in the request's thread, on the request's database
    connection (no connection opened per probe, none left open in a pool thread), mapping its
    outcome as the library's own runner does.

    Not the library's asyncio runner: Django refuses database work in a thread that runs an
    event loop, and handing the checks to a thread pool would give each its own connection.
    So only synchronous checks can be used here.
    """
    started = timeit.default_timer()
    error: HealthCheckException | None = None
    try:
        check.run()
    except HealthCheckException as failure:
        error = failure
    except Exception:
        logger.exception("Readiness check %r raised", check)
        error = HealthCheckException("unknown error")
    return HealthCheckResult(check=check, error=error, time_taken=timeit.default_timer() - started)


def run_checks(checks=READINESS_CHECKS) -> list[tuple[str, HealthCheckResult]]:
    """Each check in turn; the database check first, so the others find the connection open."""
    return [(name, run_check(check)) for name, check in checks]


@require_safe
def ready(request: HttpRequest) -> HttpResponse:
    """200 when every readiness check passes, else 503 naming the ones that failed. Plain
    text, or JSON when asked for (`Accept: application/json` or `?format=json`)."""
    results = run_checks()
    failed = {name: str(result.error) for name, result in results if result.error}
    status = 503 if failed else 200
    if failed:
        logger.warning(
            "Not ready: %s",
            "; ".join(f"{name}: {error}" for name, error in failed.items()),
            extra={"failed_checks": sorted(failed)},
        )
    if request.GET.get("format") == "json" or "application/json" in request.headers.get(
        "Accept", ""
    ):
        body = {
            "status": "unavailable" if failed else "ok",
            "checks": {name: failed.get(name, "ok") for name, _ in results},
        }
        response = JsonResponse(body, status=status)
    else:
        text = "".join(f"{name}: {error}\n" for name, error in failed.items()) or "ok\n"
        response = HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")
    # Logged above, once, as a warning: not also as an error by django.request (which Sentry
    # would report on every poll of the load balancer while the database is down).
    response._has_been_logged = True
    return _no_store(response)


# --- Metrics ----------------------------------------------------------------------------------

# Headers a proxy adds: a request carrying one came through a proxy, whose address says
# nothing about who asked, so it is not let in by address.
_FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


@cache
def _allowed_networks(addresses: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(address.strip(), strict=False) for address in addresses)


def metrics_allowed(request: HttpRequest) -> bool:
    """A valid bearer token (GYM_METRICS_TOKEN), or a direct request from an address in
    GYM_METRICS_ALLOWED_IPS (addresses or networks: 10.0.0.0/8)."""
    token = settings.GYM_METRICS_TOKEN
    if token:
        scheme, _, offered = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            offered.strip().encode(), token.encode()
        ):
            return True
    if any(header in request.META for header in _FORWARDING_HEADERS):
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(
        address in network for network in _allowed_networks(tuple(settings.GYM_METRICS_ALLOWED_IPS))
    )


@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text format (or OpenMetrics, if the scraper asks for it). Anyone not
    allowed gets the site's ordinary 404, as if there were nothing here."""
    if not metrics_allowed(request):
        raise Http404
    encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
    output = encoder(scrape_registry())
    return _no_store(HttpResponse(output, content_type=content_type))
