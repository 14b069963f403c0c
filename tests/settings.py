"""The settings the tests run with: the project's, in development mode.

DEBUG is off by default (production fails closed); the tests, like `make run`, turn it on
explicitly, so that static files need no collectstatic and no HTTPS redirect applies.
pytest-django still runs each test with `settings.DEBUG = False`, as Django's runner does.
"""

import os

os.environ["DEBUG"] = "True"

from gymbooking.settings import *  # noqa: F403
