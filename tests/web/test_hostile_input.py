"""Hostile input never makes a 500: a NUL byte in an admin request's query or form
(PostgreSQL refuses it in a string) is refused with a 400 before any view reads it, and
overlong values in the admin's search, filters and autocomplete are answered like any other
value. Every admin changelist is tried, so a new one is covered; pages outside the admin
answer a NUL through their forms and filters."""

import pytest
from django.contrib import admin
from django.urls import reverse

from members.models import Member

pytestmark = pytest.mark.django_db

NUL = "\x00"
LONG = "é" * 5000


def changelists() -> list[tuple[str, list[str]]]:
    """(changelist URL, the query parameter names of its list filters) of every ModelAdmin."""
    found = []
    for model, model_admin in admin.site._registry.items():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        parameters = []
        for list_filter in model_admin.list_filter:
            if isinstance(list_filter, str):
                parameters.append(f"{list_filter}__exact")
            elif isinstance(list_filter, tuple):
                parameters.append(f"{list_filter[0]}__exact")
            else:
                parameters.append(list_filter.parameter_name)
        found.append((url, parameters or ["unknown"]))
    return sorted(found)


CHANGELISTS = changelists()


def autocomplete(term: str, model: str = "member") -> dict:
    return {"term": term, "app_label": "bookings", "model_name": "booking", "field_name": model}


@pytest.mark.parametrize(("url", "parameters"), CHANGELISTS, ids=[url for url, _ in CHANGELISTS])
def test_a_nul_byte_in_a_changelist_search_or_filter_is_a_400(admin_client, url, parameters):
    answers = [admin_client.get(url, {"q": f"ana{NUL}"}).status_code]
    answers += [admin_client.get(url, {name: NUL}).status_code for name in parameters]

    assert set(answers) == {400}


@pytest.mark.parametrize(("url", "parameters"), CHANGELISTS, ids=[url for url, _ in CHANGELISTS])
def test_overlong_searches_and_filters_are_answered_without_an_error(admin_client, url, parameters):
    answers = [admin_client.get(url, {"q": LONG}).status_code]
    answers += [admin_client.get(url, {name: LONG}).status_code for name in parameters]

    assert all(answer in (200, 302) for answer in answers), answers


def test_a_nul_byte_in_the_autocomplete_is_a_400(admin_client):
    response = admin_client.get(reverse("admin:autocomplete"), autocomplete(f"a{NUL}"))

    assert response.status_code == 400


def test_an_overlong_autocomplete_term_is_no_error(admin_client):
    response = admin_client.get(reverse("admin:autocomplete"), autocomplete(LONG))

    assert response.status_code < 500


def test_the_400_page_says_nothing_was_changed_in_the_site_s_layout(admin_client):
    response = admin_client.get(reverse("admin:members_member_changelist"), {"q": NUL})

    page = response.content.decode()
    assert "This request could not be read" in page
    assert "nothing was changed" in page
    assert 'class="site-header"' in page


def test_a_nul_byte_in_a_posted_form_changes_nothing(admin_client):
    response = admin_client.post(
        reverse("admin:members_member_add"), {"name": f"Eve{NUL}", "email": "eve@example.com"}
    )

    assert response.status_code == 400
    assert not Member.objects.exists()


def test_member_and_staff_pages_outside_the_admin_answer_a_nul_byte_without_an_error(
    member_client, admin_client
):
    # Their values go through forms, which refuse a NUL, or filters that ignore it.
    answers = [
        member_client.get(reverse("classes:schedule"), {"week": NUL, "name": NUL}).status_code,
        admin_client.get(reverse("reports:report"), {"start": NUL, "group": NUL}).status_code,
        admin_client.get(reverse("bookings:checkin_today"), {"day": NUL}).status_code,
    ]

    assert all(answer < 500 for answer in answers), answers


def test_a_nul_byte_in_an_admin_object_s_address_is_no_error(admin_client):
    response = admin_client.get("/admin/members/member/%00/change/")

    assert response.status_code in (302, 404)
