from django.urls import path

from classes import views

app_name = "classes"

urlpatterns = [
    path("", views.schedule, name="schedule"),
    path("classes/<uuid:class_id>/", views.detail, name="detail"),
]
