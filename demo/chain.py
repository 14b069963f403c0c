"""The demo's chain: staff who work at one gym each and a manager of every gym, members with
a home gym, a member booked at both gyms on the same day, and each gym's opening hours and a
closure after the demo's week (seed_demo).

Staff logins are made as `create_staff` makes them (staff status, a staff group) and assigned
to their gyms through `Location.staff`; the chain manager holds `work_at_every_location`
instead. With DEBUG on (the demo's only mode) no second factor is asked of them; with
`GYM_STAFF_MFA_REQUIRED` on they would enrol one at their first sign-in.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from classes.models import FitnessClass
from locations.models import Closure, Location, OpeningHours
from members.models import Member

EVERY_LOCATION = "work_at_every_location"  # of the locations app


@dataclass(frozen=True)
class DemoStaff:
    username: str
    name: str
    group: str
    locations: tuple[str, ...]  # the gyms she works at; () with `every_location`
    every_location: bool = False

    @property
    def role(self) -> str:
        where = "every location" if self.every_location else " and ".join(self.locations) + " only"
        return f"{self.group.lower()}, {where}"


STAFF = (
    DemoStaff("oldtown-desk", "Olive Desk", "Front desk", ("Old Town",)),
    DemoStaff("riverside-desk", "Rita Desk", "Front desk", ("Riverside",)),
    DemoStaff("chain-manager", "Cam Manager", "Manager", (), every_location=True),
)
# Home gyms, in the order of the demo's members: Old Town, Riverside, then none (the schedule
# opens at the first gym by name), and round again.
HOMES = ("Old Town", "Riverside", None)
# The member booked at both gyms on the same day, that many days from today.
TRAVELLER = "ana@example.com"
TRAVEL_DAYS = 2


# Each gym's week: weekdays 06:00-22:00, weekends 07:00-21:00, which every demo class fits
# (the first starts at 07:00, the last ends by 20:45). A closure follows the demo's week.
WEEKDAY_HOURS = (time(6), time(22))
WEEKEND_HOURS = (time(7), time(21))
CLOSURE_REASON = "Staff training"


def give_opening_rules(names: Iterable[str], now: datetime, days: int) -> None:
    """The gyms `names` get the demo's weekly hours and a closure on the day after their
    `days` of classes (each on its own clock); a gym that has hours is left as it is."""
    for location in Location.objects.filter(name__in=list(names)):
        if location.opening_hours.exists():
            continue
        OpeningHours.objects.bulk_create(
            OpeningHours(location=location, weekday=weekday, opens=opens, closes=closes)
            for weekday in range(7)
            for opens, closes in [WEEKDAY_HOURS if weekday < 5 else WEEKEND_HOURS]
        )
        closed = timezone.localdate(now, ZoneInfo(location.time_zone)) + timedelta(days=days)
        Closure.objects.create(
            location=location, first_day=closed, last_day=closed, reason=CLOSURE_REASON
        )


def create_staff(password: str, write: Callable[[str], object]) -> None:
    """The demo's staff logins (signing in with `password`), each in her group and at her
    gyms; one that exists is left as it is."""
    users = get_user_model().objects
    password_hash = make_password(password)
    every_location = Permission.objects.get(
        content_type__app_label="locations", codename=EVERY_LOCATION
    )
    groups = Group.objects.in_bulk({staff.group for staff in STAFF}, field_name="name")
    for staff in STAFF:
        if users.filter(username=staff.username).exists():
            write(f"User “{staff.username}” already exists; left as it is.")
            continue
        if staff.group not in groups:  # the members migrations make them; a flush drops them
            write(f"There is no “{staff.group}” group (run migrate): {staff.username} not made.")
            continue
        first_name, _, last_name = staff.name.partition(" ")
        user = users.create(
            username=staff.username,
            email=f"{staff.username}@gymbooking.local",
            first_name=first_name,
            last_name=last_name,
            password=password_hash,
            is_staff=True,
        )
        user.groups.add(groups[staff.group])
        if staff.every_location:
            user.user_permissions.add(every_location)
        for location in Location.objects.filter(name__in=staff.locations):
            location.staff.add(user)


def give_home_locations(member_ids: list[str]) -> None:
    """Each demo member's home gym, in turn from `HOMES`: one UPDATE a gym."""
    for index, home in enumerate(HOMES):
        chosen = member_ids[index :: len(HOMES)]
        location = Location.objects.filter(name=home).first() if home else None
        Member.objects.filter(pk__in=chosen).update(home_location=location)


def travel_classes(classes: Iterable[FitnessClass], now: datetime) -> list[FitnessClass]:
    """One class at each gym on the same local day `TRAVEL_DAYS` ahead, the first of it at
    each: what the travelling member books."""
    chosen: dict[str, FitnessClass] = {}
    for fitness_class in sorted(classes, key=lambda c: c.starts_at):
        zone = ZoneInfo(fitness_class.location.time_zone)
        day = timezone.localdate(now, zone) + timedelta(days=TRAVEL_DAYS)
        if timezone.localdate(fitness_class.starts_at, zone) == day:
            chosen.setdefault(fitness_class.location.name, fitness_class)
    return [chosen[name] for name in sorted(chosen)]


def staff_login_lines(password: str) -> list[str]:
    return [f"  {staff.role}  {staff.username} / {password}" for staff in STAFF]


def home_and_bookings(email: str) -> str:
    """“home Old Town; booked at Old Town and Riverside”, for the printed logins."""
    member = Member.objects.select_related("home_location").filter(email=email).first()
    if member is None:
        return ""
    home = member.home_location.name if member.home_location else "no home gym"
    booked = (
        FitnessClass.objects.filter(bookings__member=member, bookings__status="confirmed")
        .order_by("location__name")
        .values_list("location__name", flat=True)
        .distinct()
    )
    at = f"; booked at {' and '.join(booked)}" if booked else ""
    return f"home {home}{at}"
