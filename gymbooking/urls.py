"""URL configuration for gymbooking.

Static files are served by WhiteNoise's middleware (see settings.MIDDLEWARE), so no static
route is needed here, in development or in production.
"""

from django.contrib import admin
from django.urls import path

urlpatterns = [
    path("admin/", admin.site.urls),
]
