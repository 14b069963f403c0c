"""A row's link made without reversing per row (web.links) says what `reverse()` says."""

import uuid

import pytest
from django.urls import get_script_prefix, reverse, set_script_prefix

from classes.wording import class_page_url
from web.links import url_with_id


@pytest.mark.parametrize("view_name", ["classes:detail", "bookings:checkin"])
def test_the_url_of_each_object_is_the_one_reverse_gives(view_name):
    for object_id in (uuid.uuid4(), uuid.uuid4()):
        assert url_with_id(view_name, object_id) == reverse(view_name, args=[object_id])


def test_a_class_page_url_is_the_class_detail_view():
    class_id = uuid.uuid4()
    assert class_page_url(class_id) == reverse("classes:detail", args=[class_id])


def test_a_site_under_a_path_prefix_gets_its_urls_under_it():
    saved = get_script_prefix()
    class_id = uuid.uuid4()
    try:
        set_script_prefix("/gym/")
        assert url_with_id("classes:detail", class_id) == f"/gym/classes/{class_id}/"
        assert url_with_id("bookings:checkin", class_id) == reverse(
            "bookings:checkin", args=[class_id]
        )
    finally:
        set_script_prefix(saved)
    assert url_with_id("classes:detail", class_id) == f"/classes/{class_id}/"
