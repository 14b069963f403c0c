from django.urls import path

from sales import purchase_views

app_name = "purchases"

urlpatterns = [
    path("me/purchases/", purchase_views.purchases, name="history"),
    path("me/purchases/<uuid:receipt_id>/", purchase_views.receipt, name="receipt"),
]
