"""The site's URLs plus `/bench/bare/`: a view doing one query and nothing else, through the
same middleware in the same server, so what a page costs beyond Django's floor can be told
from the machine's speed."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from classes.models import FitnessClass
from gymbooking.urls import urlpatterns as site_urlpatterns

BARE_PATH = "bench/bare/"


def bare(request: HttpRequest) -> HttpResponse:
    """One query (the first class's name), answered as plain text."""
    name = FitnessClass.objects.order_by("starts_at").values_list("name", flat=True).first()
    return HttpResponse(name or "", content_type="text/plain")


urlpatterns = [path(BARE_PATH, bare, name="bench_bare"), *site_urlpatterns]
