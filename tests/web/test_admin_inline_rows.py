"""The admin's bounded history inlines make their rows in Python (web.admin_inlines): what
they write must be what Django's own widgets and links would."""

import pytest
from django.urls import reverse

from tests.factories import BookingFactory, WaitlistEntryFactory, member_with_credits
from web.admin_inlines import hidden_input

pytestmark = pytest.mark.django_db


@pytest.fixture
def members_page(admin_client):
    ana = member_with_credits(1, name="Ana")
    BookingFactory(member=ana)
    WaitlistEntryFactory(member=ana)
    return admin_client.get(reverse("admin:members_member_change", args=[ana.pk]))


def test_a_rows_hidden_inputs_are_what_its_widgets_render(members_page):
    checked = 0
    for inline in members_page.context["inline_admin_formsets"]:
        for form in inline.formset.forms:
            for name in (inline.formset._pk_field.name, inline.formset.fk.name):
                assert hidden_input(form[name]) == str(form[name])
                checked += 1
    assert checked == 6, "the id and the member of a grant, a booking and a waitlist place"


def test_each_row_links_to_its_own_admin_page_and_posts_its_inputs_back(members_page):
    html = members_page.content.decode()
    for inline in members_page.context["inline_admin_formsets"]:
        for form in inline.formset.forms:
            row = form.instance
            url = reverse(
                f"admin:{row._meta.app_label}_{row._meta.model_name}_change", args=[row.pk]
            )
            assert f'<a href="{url}" class="inlineviewlink">View</a>' in html
            assert str(form[inline.formset._pk_field.name]) in html
