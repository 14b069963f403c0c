"""WSGI entry point for gymbooking."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gymbooking.settings")

application = get_wsgi_application()
