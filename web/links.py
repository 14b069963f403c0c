"""Links to an object's page, made for every row of a list: `reverse()` once per view name,
URL prefix and URLconf, then the id put in, as reversing per row cost a list page more than
any of the row's cells."""

import uuid
from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

_ANY_ID = uuid.UUID(int=0)


def url_with_id(view_name: str, object_id: uuid.UUID) -> str:
    """`reverse(view_name, args=[object_id])`, for a view whose one argument is a UUID."""
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    pattern = _pattern(view_name, get_script_prefix(), urlconf)
    return pattern.replace(str(_ANY_ID), str(object_id))


@lru_cache(maxsize=64)
def _pattern(view_name: str, script_prefix: str, urlconf: str) -> str:
    return reverse(view_name, args=[_ANY_ID], urlconf=urlconf)
