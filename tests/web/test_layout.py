"""The base layout every member page shares, and the error pages.

The notifications list stands in for "a member page" and a missing URL for "a page anyone can
reach": both extend base.html, as every page does.
"""

import re

import pytest
from django.contrib.staticfiles import finders
from django.template.loader import get_template
from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db

MEMBER_PAGE = reverse("notifications:list")
MISSING_PAGE = "/no-such-page/"
STYLESHEET = '<link rel="stylesheet" href="/static/css/gymbooking.css">'


def html_of(response) -> str:
    return response.content.decode()


def test_a_member_page_has_the_skip_link_landmarks_and_the_stylesheet(member_client):
    html = html_of(member_client.get(MEMBER_PAGE))

    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert STYLESHEET in html
    # the skip link is the first thing in the body and leads to the main landmark
    body = html[html.index("<body>") :]
    assert re.match(r'<body>\s*<a class="skip-link" href="#content">Skip to content</a>', body)
    assert '<main id="content"' in html
    assert '<header class="site-header">' in html
    assert '<nav class="site-nav" aria-label="Main">' in html
    assert '<nav class="account-nav" aria-label="Account">' in html
    assert '<footer class="site-footer">' in html


def test_a_member_sees_the_navigation_with_the_current_page_marked(member_client):
    html = html_of(member_client.get(MEMBER_PAGE))

    for name in (
        "classes:schedule",
        "bookings:mine",
        "members:credits",
        "notifications:list",
        "members:calendar",
        "password_change",
    ):
        assert f'href="{reverse(name)}"' in html, name
    assert f'<a href="{MEMBER_PAGE}" aria-current="page">Notifications' in html
    assert html.count('aria-current="page"') == 1
    assert f'href="{reverse("login")}"' not in html


def test_signing_out_is_a_post_form_with_the_csrf_token(member_client):
    html = html_of(member_client.get(MEMBER_PAGE))

    form = re.search(rf'<form method="post" action="{reverse("logout")}">(.*?)</form>', html, re.S)
    assert form is not None
    assert 'name="csrfmiddlewaretoken"' in form.group(1)
    assert '<button type="submit" class="link-button">Sign out</button>' in form.group(1)


def test_staff_members_also_get_a_link_to_the_admin(member_client, member):
    member.user.is_staff = True
    member.user.save()
    member_client.force_login(member.user)  # a change of privileges ends the sessions

    html = html_of(member_client.get(MEMBER_PAGE))

    assert f'href="{reverse("admin:index")}"' in html


@pytest.mark.parametrize("signup", [True, False], ids=["sign-up open", "sign-up closed"])
def test_a_visitor_is_offered_sign_in_and_sign_up_only_when_it_is_open(client, settings, signup):
    settings.GYM_SELF_SIGNUP = signup

    html = html_of(client.get(MISSING_PAGE))

    assert f'href="{reverse("login")}"' in html
    assert (f'href="{reverse("members:signup")}"' in html) is signup
    assert 'aria-label="Main"' not in html
    assert "Sign out" not in html


def test_messages_are_shown_in_a_status_region(member_client, member):
    response = member_client.post(reverse("notifications:mark_all_read"), follow=True)

    html = html_of(response)
    region = re.search(r'<div class="messages" role="status">(.*?)</div>', html, re.S)
    assert region is not None
    assert '<li class="message message-info">You have no unread notifications.</li>' in (
        region.group(1)
    )


def test_the_404_page_is_styled_and_offers_a_way_back(client, settings):
    settings.DEBUG = False

    response = client.get(MISSING_PAGE)

    assert response.status_code == 404
    html = html_of(response)
    assert STYLESHEET in html
    assert "<h1>Page not found</h1>" in html
    assert f'href="{reverse("classes:schedule")}"' in html
    assert '<a class="skip-link" href="#content">' in html


def test_the_404_page_keeps_the_navigation_for_a_signed_in_member(member_client, settings):
    settings.DEBUG = False

    response = member_client.get(MISSING_PAGE)

    assert response.status_code == 404
    assert 'aria-label="Main"' in html_of(response)


def test_the_500_page_renders_without_any_context():
    html = get_template("500.html").render()

    assert "<h1>Sorry, something went wrong</h1>" in html
    assert "<style>" in html  # self-contained: no static files, no template tags
    assert "{%" not in html


def test_the_500_view_serves_the_500_page(settings):
    settings.DEBUG = False

    response = server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    assert "Sorry, something went wrong" in response.content.decode()


def test_the_stylesheet_is_local_and_loads_nothing_from_elsewhere():
    path = finders.find("css/gymbooking.css")
    assert path is not None
    with open(path, encoding="utf-8") as css:
        text = css.read()

    assert "@import" not in text
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", text)
    assert ":focus-visible" in text


def test_the_base_layout_loads_nothing_from_another_site(member_client):
    html = html_of(member_client.get(MEMBER_PAGE))

    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<script" not in html
