"""The benchmarks' server settings: the site's own, with the bare view's URL added.

Only `benchmarks/http_load.py` and `benchmarks/rush.py` load it (DJANGO_SETTINGS_MODULE); the
production URLs never have the bare view.
"""

from gymbooking.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.bench_urls"
