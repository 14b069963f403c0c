"""ASGI entry point for gymbooking."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gymbooking.settings")

application = get_asgi_application()
