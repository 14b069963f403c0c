from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("me/notifications/", views.notification_list, name="list"),
    path("me/notifications/read/", views.mark_all_read, name="mark_all_read"),
]
