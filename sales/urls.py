from django.urls import path
from django.views.generic import RedirectView

from sales import views

app_name = "sales"

urlpatterns = [
    path("shop/", views.shop, name="shop"),
    # The packs page's old address, kept for bookmarks and old e-mails.
    path(
        "me/packs/",
        RedirectView.as_view(pattern_name="sales:shop", permanent=True),
        name="packs",
    ),
]
