"""Response headers every page gets, and requests refused before anything reads them.

`SecurityHeadersMiddleware` sits below the static files middleware, so it sees every
response of a URL pattern and none of a static file. Every such response is private in one
way or another: a signed-in page, a form carrying a CSRF token, a download (the data export,
the reports' CSV), or a secret address (the calendar feed). So none is stored by a browser or
a proxy (`Cache-Control: no-store`), whatever the view said; one place, so a new page cannot
forget it. Django's SecurityMiddleware sends Referrer-Policy and Cross-Origin-Opener-Policy,
its CSP middleware the Content-Security-Policy.

`RefuseNulBytesMiddleware` answers 400 to an admin request whose query or form holds a NUL
byte. The admin's list filters, search and autocomplete put query values straight into
queries, and PostgreSQL refuses a NUL in a string: a 500. Refusing it once here covers every
ModelAdmin, present and future. Elsewhere every value goes through a form (Django's fields
refuse a NUL) or a filter that ignores what it does not know, so member pages keep answering.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.loader import render_to_string
from django.urls import reverse

# No page uses any of these browser features.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
)

NUL = "\x00"


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response["Cache-Control"] = "no-store"
        if "Expires" in response:
            del response["Expires"]
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


def _holds_nul(request: HttpRequest) -> bool:
    forms = [request.GET]
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        forms.append(request.POST)
    return any(
        NUL in key or any(NUL in value for value in values)
        for form in forms
        for key, values in form.lists()
    )


class RefuseNulBytesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(reverse("admin:index")) and _holds_nul(request):
            return HttpResponseBadRequest(render_to_string("400.html", request=request))
        return self.get_response(request)
