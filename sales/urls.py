from django.urls import path

from sales import views

app_name = "sales"

urlpatterns = [
    path("me/packs/", views.packs, name="packs"),
]
