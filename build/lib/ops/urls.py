from django.urls import path

from ops import views

app_name = "ops"

LIVE = "health/live"
READY = "health/ready"
METRICS = "metrics"

urlpatterns = [
    path(LIVE, views.live, name="live"),
    path(READY, views.ready, name="ready"),
    path(METRICS, views.metrics, name="metrics"),
]
