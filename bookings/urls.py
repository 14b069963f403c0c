from django.urls import path

from bookings import views

app_name = "bookings"

urlpatterns = [
    path("classes/<uuid:class_id>/book/", views.book, name="book"),
    path("classes/<uuid:class_id>/waitlist/join/", views.join_waitlist, name="join_waitlist"),
    path("classes/<uuid:class_id>/waitlist/leave/", views.leave_waitlist, name="leave_waitlist"),
    path("bookings/<uuid:booking_id>/cancel/", views.cancel, name="cancel"),
    path("me/bookings/", views.my_bookings, name="mine"),
]
