"""The class page's URL made without reversing per row says what `reverse()` says."""

import uuid

from django.urls import get_script_prefix, reverse, set_script_prefix

from classes.wording import class_page_url


def test_the_url_of_each_class_is_the_one_reverse_gives():
    for class_id in (uuid.uuid4(), uuid.uuid4()):
        assert class_page_url(class_id) == reverse("classes:detail", args=[class_id])


def test_a_site_under_a_path_prefix_gets_its_urls_under_it():
    saved = get_script_prefix()
    class_id = uuid.uuid4()
    try:
        set_script_prefix("/gym/")
        assert class_page_url(class_id) == f"/gym/classes/{class_id}/"
        assert class_page_url(class_id) == reverse("classes:detail", args=[class_id])
    finally:
        set_script_prefix(saved)
    assert class_page_url(class_id) == f"/classes/{class_id}/"
