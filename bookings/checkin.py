"""The front desk's check-in: a class's roster on a tablet, each booking marked attended or
no-show, one at a time or in bulk; and today's classes, to find the one starting now.

Staff only: a signed-out visitor is sent to the admin sign-in, and a signed-in user needs
`bookings.record_attendance` (the "Front desk" and "Manager" groups hold it) or gets a 403.
Staff check in at the locations they work at (`locations.scoping`): the menu offers only
those, and another location's class is a 404, as a class that does not exist is.

Every mark is a POST (CSRF-checked by the middleware) that runs `RecordAttendanceUseCase`
through `run_use_case`, so a refusal (check-in not open yet, a cancelled booking) is shown in
the domain's words, then redirects back to the roster (Post/Redirect/Get). The pages work
without JavaScript: a row's two buttons are a form of their own, and the checkboxes belong to
the bulk form through their `form` attribute. Each page runs a fixed number of queries,
however many bookings or classes it shows; today's classes are listed a page at a time,
opening at the first class not over yet.
"""

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, QuerySet
from django.db.models.functions import Coalesce
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_POST

from bookings.models import Booking
from classes import day_reads
from classes.models import FitnessClass
from classes.queries import classes_between, count_of
from classes.wording import class_times_html
from domain.entities import CHECK_IN_OPENS, SPOT_HOLDING_STATUSES, BookingStatus
from gymbooking.composition import services
from locations import scoping
from web import formatting, paging
from web.links import url_with_id
from web.pages import run_use_case

RECORD_ATTENDANCE = "bookings.record_attendance"
# The `outcome` a form posts → whether the member came.
OUTCOMES = {"attended": True, "no_show": False}
# Today's classes are listed this many a page: what a tablet shows at once (a busy gym runs
# dozens a day, and the desk wants those starting now).
CLASSES_PER_PAGE = 12
# A booking's mark as the roster shows it: (CSS modifier of `.badge-…`, words).
MARKS = {
    BookingStatus.CONFIRMED: ("booked", "Not marked"),
    BookingStatus.ATTENDED: ("attended", "Attended"),
    BookingStatus.NO_SHOW: ("no-show", "No-show"),
}


def front_desk_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in (else to the admin sign-in), staff and allowed to record attendance (else
    403)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        if not (user.is_staff and user.has_perm(RECORD_ATTENDANCE)):
            raise PermissionDenied("Checking members in needs the front desk's permission.")
        return view(request, *args, **kwargs)

    return wrapper


# --- Reads (one query each) -------------------------------------------------------------------


def roster(class_id: uuid.UUID) -> list[Booking]:
    """The class's bookings that hold a spot — confirmed, attended or no-show — with their
    member, by the member's name."""
    return list(
        Booking.objects.filter(fitness_class_id=class_id, status__in=SPOT_HOLDING_STATUSES)
        .select_related("member")
        .only("id", "status", "fitness_class_id", "member__id", "member__name")
        .order_by("member__name", "member_id", "id")
    )


def classes_of(request: HttpRequest) -> QuerySet[FitnessClass]:
    """The classes of the locations the user works at: another location's class is a 404,
    as a class that does not exist is."""
    return scoping.within(FitnessClass.objects.all(), request.user, "location")


def unmarked_booking_ids(class_id: uuid.UUID) -> list[str]:
    """The class's confirmed bookings nobody has marked yet."""
    rows = Booking.objects.filter(
        fitness_class_id=class_id, status=BookingStatus.CONFIRMED
    ).order_by("id")
    return [str(pk) for pk in rows.values_list("pk", flat=True)]


def todays_menu(request: HttpRequest, now: datetime) -> day_reads.DayMenu:
    """The location asked for (`?location=`; the first by name without one) among those the
    user works at, and its calendar day of `now`, on its clock: one query (and the user's
    locations, once a request)."""
    asked = request.GET.get("location", "").strip()
    if "\x00" in asked:  # no location has one (and PostgreSQL refuses it): ignored
        asked = ""
    return day_reads.day_menu(
        asked,
        lambda zone: timezone.localdate(now, zone),
        now.astimezone(UTC).date(),
        {},
        among=scoping.location_ids(request.user),
    )


def todays_classes(menu: day_reads.DayMenu) -> QuerySet[FitnessClass]:
    """The menu's location's classes of its day, in order of start (none without one: the
    user works at no location, or there is none)."""
    if not menu.location.name:
        return FitnessClass.objects.none()
    return classes_between(menu.start, menu.end, location=menu.location.name)


def with_marks(classes: QuerySet[FitnessClass]) -> QuerySet[FitnessClass]:
    """`classes`, each with how many members are booked and how many were marked attended
    or no-show (subqueries: computed for the rows read, not for the whole day)."""

    def bookings(*statuses: str) -> Coalesce:
        return count_of(Booking.objects.filter(fitness_class=OuterRef("pk"), status__in=statuses))

    return classes.annotate(
        booked=bookings(*SPOT_HOLDING_STATUSES),
        attended=bookings(BookingStatus.ATTENDED),
        no_shows=bookings(BookingStatus.NO_SHOW),
    )


def first_page_not_over(menu: day_reads.DayMenu, now: datetime) -> int:
    """The page holding the first of the day's classes not over at `now`, or the last page
    when all are."""
    return max(min(menu.over_by(now), len(menu.ends) - 1), 0) // CLASSES_PER_PAGE + 1


# --- Pages ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterRow:
    booking: Booking
    mark: str  # CSS modifier: booked (not marked), attended, no-show
    mark_label: str

    @property
    def is_attended(self) -> bool:
        return self.mark == "attended"

    @property
    def is_no_show(self) -> bool:
        return self.mark == "no-show"


# One of today's classes, made in one piece: a template node per cell cost the page more than
# its queries, as on the schedule.
TODAY_ROW = """<tr>
              <td data-label="Time">{times}</td>
              <th scope="row" data-label="Class">{name}</th>
              <td data-label="Instructor">{instructor}</td>
              <td data-label="Location">{location}</td>
              <td data-label="Booked">{booked}</td>
              <td data-label="Attended">{attended}</td>
              <td data-label="No-show">{no_shows}</td>
              <td data-label="Check-in">
                {check_in}
              </td>
            </tr>"""
CANCELLED_BADGE = '<span class="badge badge-cancelled">Cancelled</span>'
CHECK_IN_LINK = (
    '<a class="button" href="{url}">Check in'
    '<span class="visually-hidden"> {name}, {start}</span></a>'
)


def today_row_html(fitness_class: FitnessClass) -> SafeString:
    """One of today's classes (annotated by `with_marks`) as the list shows it."""
    name = escape(fitness_class.name)
    if fitness_class.cancelled_at:
        check_in = CANCELLED_BADGE
    else:
        check_in = CHECK_IN_LINK.format(
            url=escape(url_with_id("bookings:checkin", fitness_class.pk)),
            name=name,
            start=f"{formatting.local(fitness_class.starts_at, fitness_class.time_zone):%H:%M}",
        )
    return mark_safe(
        TODAY_ROW.format(
            times=class_times_html(fitness_class),
            name=name,
            instructor=escape(fitness_class.instructor or "—"),
            location=escape(fitness_class.location.name),
            booked=fitness_class.booked,
            attended=fitness_class.attended,
            no_shows=fitness_class.no_shows,
            check_in=check_in,
        )
    )


@require_GET
@front_desk_required
def today(request: HttpRequest) -> HttpResponse:
    """A location's classes of its today (on its clock), a page at a time; `?location=`
    chooses the location, the first by name without one."""
    now = timezone.now()
    menu = todays_menu(request, now)
    page = paging.requested_page(request) or first_page_not_over(menu, now)
    shown = paging.window(with_marks(todays_classes(menu)), page, CLASSES_PER_PAGE)
    return render(
        request,
        "bookings/checkin_today.html",
        {
            "classes": shown.rows,
            "rows": [today_row_html(fitness_class) for fitness_class in shown.rows],
            "window": shown,
            "today": menu.day,
            "location": menu.location.name,
            "locations": menu.choices.locations,
        },
    )


@require_GET
@front_desk_required
def class_roster(request: HttpRequest, class_id: uuid.UUID) -> HttpResponse:
    fitness_class = get_object_or_404(classes_of(request).select_related("location"), pk=class_id)
    rows = [RosterRow(booking, *MARKS[booking.status]) for booking in roster(class_id)]
    marks = Counter(row.mark for row in rows)
    opens_at = fitness_class.starts_at - CHECK_IN_OPENS
    with timezone.override(fitness_class.time_zone):  # the class's location's clock
        return render(
            request,
            "bookings/checkin.html",
            {
                "fitness_class": fitness_class,
                "rows": rows,
                "attended": marks["attended"],
                "no_shows": marks["no-show"],
                "unmarked": marks["booked"],
                "opens_at": opens_at,
                "not_open_yet": timezone.now() < opens_at,
            },
        )


@require_POST
@front_desk_required
def mark(request: HttpRequest, class_id: uuid.UUID) -> HttpResponse:
    """Mark the posted `booking`s (one from a row's buttons, or the ticked ones) with the
    posted `outcome`: "attended" or "no_show"."""
    attended = OUTCOMES.get(request.POST.get("outcome", ""))
    if attended is None:
        return HttpResponseBadRequest("Say whether the members attended.")
    try:
        ids = {uuid.UUID(value) for value in request.POST.getlist("booking")}
    except ValueError:
        return HttpResponseBadRequest("That is not a booking.")
    back = reverse("bookings:checkin", args=[class_id])
    if not ids:
        messages.warning(request, "Tick the members to mark first.")
        return HttpResponseRedirect(back)
    bookings = scoping.within(Booking.objects.all(), request.user, "fitness_class__location")
    chosen = list(
        bookings.filter(fitness_class_id=class_id, pk__in=ids)
        .select_related("member")
        .only("id", "member__id", "member__name")
    )
    if len(chosen) != len(ids):
        raise Http404("That booking is not on this class.")
    word = "attended" if attended else "no-show"
    if len(chosen) == 1:
        success = f"{chosen[0].member.name}: {word}."
        back += f"#booking-{chosen[0].pk}"
    else:
        success = f"Marked {len(chosen)} members {'attended' if attended else 'as no-shows'}."
    run_use_case(
        request,
        lambda: services().record_attendance.execute([str(b.pk) for b in chosen], attended),
        success,
    )
    return HttpResponseRedirect(back)


@require_POST
@front_desk_required
def mark_unmarked_attended(request: HttpRequest, class_id: uuid.UUID) -> HttpResponse:
    """Everyone still unmarked came: the usual end of a check-in."""
    fitness_class = get_object_or_404(classes_of(request).only("id"), pk=class_id)
    ids = unmarked_booking_ids(fitness_class.pk)
    if not ids:
        messages.info(request, "Nobody is left to mark.")
    else:
        run_use_case(
            request,
            lambda: services().record_attendance.execute(ids, True),
            lambda done: f"Marked {formatting.count(done, 'member', 'members')} attended.",
        )
    return HttpResponseRedirect(reverse("bookings:checkin", args=[class_id]))
