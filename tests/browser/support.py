"""What the browser tests share besides fixtures: members with logins, times and addresses."""

from datetime import datetime, timedelta

from django.urls import reverse
from django.utils import timezone

from tests.factories import CreditGrantFactory, MemberFactory

PASSWORD = "a-long-browser-test-password"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


def member_with_login(django_user_model, name: str, email: str, credits: int = 0, password=None):
    """A member who signs in with `email` (and `password`, when one is given: hashing is slow,
    so the other tests sign in with a session cookie), holding `credits` credits in one grant."""
    user = django_user_model.objects.create_user(username=email, email=email, password=password)
    member = MemberFactory(name=name, email=email, user=user)
    if credits:
        CreditGrantFactory(member=member, amount=credits)
    return member


def in_hours(hours: float) -> datetime:
    return timezone.now() + timedelta(hours=hours)


def class_page(fitness_class) -> str:
    return reverse("classes:detail", args=[fitness_class.pk])


def schedule_day_of(fitness_class) -> str:
    """The schedule of the day holding the class."""
    day = timezone.localdate(fitness_class.starts_at)
    return f"{reverse('classes:schedule')}?day={day.isoformat()}"


def section(page, heading_id: str):
    """A section of a page (e.g. My bookings' "upcoming-heading"), by the id of its heading."""
    return page.locator(f'section[aria-labelledby="{heading_id}"]')
