"""The schedule (the member's home page) and the class page.

Views translate only: the reads are in `classes.queries`, the rules in the domain. The member's
state on a class (booked, waiting, full, open…) is worked out from those reads here, once, for
both pages.
"""

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from html import escape

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from application.claims import booking_refusal
from classes import day_reads, locations, queries, waitlist_history
from classes.member_reads import member_reads
from classes.models import FitnessClass
from classes.wording import class_page_url, class_times_html
from domain.eligibility import (
    PROMOTION_NEEDS,
    Hindrance,
    Standing,
    hindrance,
    waiting_hindrance,
)
from domain.entities import BookingStatus
from domain.fees import FeeKind, FeeTerms
from domain.values import CancellationTerms
from gymbooking.composition import services
from locations.opening import rules_on
from members.decorators import member_required
from web import formatting, paging

# Short forms of the reasons for the schedule's status column.
BLOCKED_LABELS = {
    Hindrance.PAUSED: "booking paused",
    Hindrance.AT_LIMIT: "booking limit reached",
    Hindrance.OVERLAPPING: "clashes with a booking",
    Hindrance.NO_CREDIT: "no credit",
    Hindrance.PROMOTION_CLOSED: "waitlist closed",
}


# A state's badge: its CSS modifier, and its words where they do not depend on the class.
BADGES = {
    "cancelled": "cancelled",
    "past": "past",
    "booked": "booked",
    "checked_in": "attended",
    "waiting": "waitlist",
    "full": "full",
    "not_open": "not-open",
    "open": "open",
}
STATUS_WORDS = {
    "cancelled": "Cancelled",
    "past": "Past",
    "booked": "Booked",
    "checked_in": "Checked in",
    "open": "Open",
}


# A schedule row, made in one piece (see `ClassRow.html`).
ROW = """<tr class="class-row class-row-{state}">
              <td data-label="Time">{times}</td>
              <th scope="row" data-label="Class"><a href="{url}">{name}</a></th>
              <td data-label="Instructor">{instructor}</td>
              <td data-label="Location">{location}</td>
              <td data-label="Spots left" class="spots-left">{spots}</td>
              <td data-label="Status">{status}</td>
            </tr>"""


@dataclass(frozen=True)
class ClassRow:
    """A class as one member sees it."""

    fitness_class: FitnessClass
    state: str  # cancelled, past, booked, checked_in, waiting, full, not_open or open
    spots_left: int
    waiting: int
    position: int | None = None
    booking_id: uuid.UUID | None = None
    free_cancellation_until: datetime | None = None
    booking_opens: str = ""  # not_open: when booking opens, on the installation's clock
    blocked: Hindrance | None = None  # why the action on offer would be refused now
    blocked_message: str = ""  # … in the rule's own words (what the use case would say)
    promotion_needs: str = ""  # waiting, or about to: what a promotion would need of her

    @property
    def blocked_label(self) -> str:
        return BLOCKED_LABELS.get(self.blocked, "") if self.blocked else ""

    # What the pages show, worked out here once rather than by tags and filters per row.

    @property
    def badge(self) -> str:
        """The CSS modifier of the state's `.badge-…`."""
        return BADGES[self.state]

    @property
    def status(self) -> str:
        """The state in words."""
        if self.state == "waiting":
            return f"On the waitlist at position {self.position}"
        if self.state == "full":
            return f"Full with {self.waiting} waiting" if self.waiting else "Full"
        if self.state == "not_open":
            return self.booking_opens
        return STATUS_WORDS[self.state]

    @property
    def status_note(self) -> str:
        """Why the action on offer would be refused, or what a waiting member's place needs."""
        if self.blocked:
            note = self.blocked_label
        elif self.state == "waiting":
            note = self.promotion_needs
        else:
            return ""
        return note[:1].upper() + note[1:]

    @property
    def url(self) -> str:
        return class_page_url(self.fitness_class.pk)

    @property
    def instructor(self) -> str:
        return self.fitness_class.instructor or "—"

    @property
    def location(self) -> str:
        return self.fitness_class.location.name

    @property
    def spots(self) -> str:
        if self.state == "cancelled":
            return "—"
        return f"{self.spots_left} of {self.fitness_class.capacity}"

    @property
    def status_html(self) -> SafeString:
        """The state's badge, and the note saying why she cannot act or what she needs."""
        badge = f'<span class="badge badge-{self.badge}">{escape(self.status)}</span>'
        note = self.status_note
        if note:
            badge += f' <span class="status-note">{escape(note)}</span>'
        return mark_safe(badge)

    @property
    def html(self) -> SafeString:
        """The schedule's row as one piece of markup: a template node per cell cost the page
        more than its queries (and the standard library's `escape`, Django's without its
        lazy-text wrapper and safe-string type, is what the row's cells need)."""
        return mark_safe(
            ROW.format(
                state=self.state,
                times=class_times_html(self.fitness_class),
                url=escape(self.url),
                name=escape(self.fitness_class.name),
                instructor=escape(self.instructor),
                location=escape(self.location),
                spots=escape(self.spots),
                status=self.status_html,
            )
        )


def class_row(
    fitness_class: FitnessClass,
    now: datetime,
    booking: tuple[uuid.UUID, str, datetime | None] | None,
    position: int | None,
    facts: queries.MemberFacts,
) -> ClassRow:
    """The member's state on a class read with its counts (`classes.day_reads`), and what the
    rules would answer to the action it offers (`domain.eligibility`, as the use cases ask
    it)."""
    spots_left = max(fitness_class.capacity - fitness_class.spots_taken, 0)
    if fitness_class.cancelled_at is not None:
        state = "cancelled"
    elif fitness_class.starts_at <= now:
        state = "past"
    elif booking is not None:
        # Checked in (marked attended or no-show) before the start: nothing left to do.
        state = "booked" if booking[1] == BookingStatus.CONFIRMED else "checked_in"
    elif position is not None:
        state = "waiting"
    elif spots_left == 0:
        state = "full"
    else:
        state = "open"
    row = ClassRow(
        fitness_class=fitness_class,
        state=state,
        spots_left=spots_left,
        waiting=fitness_class.waiting_count,
        position=position,
        booking_id=booking[0] if booking else None,
        free_cancellation_until=booking[2] if booking else None,
    )
    if state in ("open", "full", "waiting"):
        return _with_the_rules_answer(row, facts, now)
    return row


def _with_the_rules_answer(row: ClassRow, facts: queries.MemberFacts, now: datetime) -> ClassRow:
    standing = facts.standing_for(row.fitness_class)
    policy = facts.policy_for(locations.policy_of(row.fitness_class, services().policy))
    starts_at = row.fitness_class.starts_at
    books = row.state == "open" or (row.state == "waiting" and row.spots_left > 0)
    if row.state == "full":
        reason = waiting_hindrance(standing, starts_at, now, policy=policy)
    elif books:
        reason = hindrance(standing, starts_at, now, limits=policy)
    else:
        reason = None  # waiting for a full class: leaving is always possible
    if reason is Hindrance.BOOKING_NOT_OPEN:
        return replace(row, state="not_open", booking_opens=policy.booking_opens_message(starts_at))
    needs = ""
    if not books:
        needs = _promotion_needs(standing, row.fitness_class, now)
    return replace(
        row,
        blocked=reason,
        blocked_message=booking_refusal(
            reason, standing, starts_at, policy, credits_anywhere=facts.credits
        ).message
        if reason
        else "",
        promotion_needs=needs,
    )


def _promotion_needs(standing: Standing, fitness_class: FitnessClass, now: datetime) -> str:
    """What a waiting member lacks to be promoted, in words ("" when nothing)."""
    policy = locations.policy_of(fitness_class, services().policy)
    closes_before = policy.promotion_closes_before
    if now >= fitness_class.starts_at - closes_before:
        return "nobody is promoted from the waitlist this close to the start"
    reason = hindrance(standing, fitness_class.starts_at, now, limits=policy, booking_window=False)
    return f"you need {PROMOTION_NEEDS[reason]} to be promoted" if reason else ""


# --- Schedule --------------------------------------------------------------------------------

# A page of the schedule lists at most this many classes: a busy day has more pages, so the
# page costs the same however many classes the gym runs.
CLASSES_PER_PAGE = 20


@dataclass(frozen=True)
class DayLink:
    """A day of the shown week, in the day strip."""

    date: date
    day: str  # its `?day=` value
    current: bool
    today: bool


def _asked_day(request: HttpRequest) -> date | None:
    """The day asked for (`?day=YYYY-MM-DD`, or the older `?week=`); None when it is missing,
    malformed or too close to the ends of the calendar to page from."""
    try:
        day = date.fromisoformat(request.GET.get("day") or request.GET.get("week") or "")
    except ValueError:
        return None
    return day if date.min.year < day.year < date.max.year else None


def _filter_value(request: HttpRequest, field: str) -> str:
    """The chosen value of a filter; one with a NUL byte (no class has one, and PostgreSQL
    refuses it in a query) is ignored."""
    value = request.GET.get(field, "").strip()
    return "" if "\x00" in value else value


def _options_html(values: list[str], chosen: str) -> SafeString:
    """A filter menu's options, made in one piece: three template nodes an option cost a busy
    day's page more than its rows."""
    return mark_safe(
        "\n          ".join(
            f'<option value="{escape(value)}"{" selected" if value == chosen else ""}>'
            f"{escape(value)}</option>"
            for value in values
        )
    )


@member_required
def schedule(request: HttpRequest) -> HttpResponse:
    """One location's day of classes, a page of them at a time, with the day's week to move
    around in. The day is the location's calendar day (midnight to midnight on its clock);
    `?location=` names the location (the old filter of that name), and without it the
    member's home location is shown (`home_location_name`)."""
    now = timezone.now()
    chosen = {field: _filter_value(request, field) for field in day_reads.FILTERS}
    asked = _asked_day(request)
    menu = day_reads.day_menu(
        chosen["location"] or locations.home_location_name(request.member),
        lambda zone: asked or timezone.localdate(now, zone),
        asked or now.astimezone(UTC).date(),
        chosen,
    )
    chosen["location"] = menu.location.name
    today, day = timezone.localdate(now, menu.location.time_zone), menu.day
    # One query more than the menu's: which day's hours apply is known only once the menu's
    # statement has read the location's clock.
    opening = rules_on(menu.location.name, menu.location.time_zone, day).describe_day(day)
    start, end = menu.start, menu.end
    shown = day_reads.day_page(
        start, end, chosen, paging.requested_page(request) or 1, CLASSES_PER_PAGE
    )
    classes = shown.rows
    rows = []
    if classes:
        ids = [fitness_class.pk for fitness_class in classes]
        hers = member_reads(
            request.member,
            now,
            ids,
            classes[0].starts_at,
            max(c.ends_at for c in classes),
            classes[0].location_id,
        )
        booked, positions = hers.bookings, hers.positions
        rows = [
            class_row(c, now, booked.get(c.pk), positions.get(c.pk), hers.facts) for c in classes
        ]

    choices = menu.choices
    monday = day - timedelta(days=day.weekday())
    week = [monday + timedelta(days=offset) for offset in range(7)]
    # The chosen filters alone, kept by the day and page links (empty ones are left out).
    filter_query = {field: value for field, value in chosen.items() if value}
    filters = {field: value for field, value in filter_query.items() if field != "location"}
    return render(
        request,
        "classes/schedule.html",
        {
            "rows": rows,
            "day": day,
            "today": today,
            "is_today": day == today,
            "week_days": [
                DayLink(d, d.isoformat(), current=d == day, today=d == today) for d in week
            ],
            "previous_day": (day - timedelta(days=1)).isoformat(),
            "next_day": (day + timedelta(days=1)).isoformat(),
            "previous_week": (day - timedelta(days=7)).isoformat(),
            "next_week": (day + timedelta(days=7)).isoformat(),
            "day_value": day.isoformat(),
            "page": shown.page,
            "earlier_page": shown.earlier,
            "later_page": shown.later,
            "choices": choices,
            "options": {
                "name": _options_html(choices.names, chosen["name"]),
                "instructor": _options_html(choices.instructors, chosen["instructor"]),
                "location": _options_html(choices.locations, chosen["location"]),
            },
            "chosen": chosen,
            "filter_query": filter_query,
            "location": menu.location,
            "opening": opening,
            "filtered": bool(filters),
            "class_count": len(rows),
        },
    )


# --- Class page ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """The one thing the member can do on a class page, and what it will mean."""

    name: str  # book, cancel, join_waitlist or leave_waitlist; "" when nothing applies
    credits: int | None = None
    terms: CancellationTerms | None = None
    next_position: int | None = None


def _action(row: ClassRow, now: datetime, credits: int) -> Action:
    if row.state in ("cancelled", "past", "checked_in", "not_open") or row.blocked:
        return Action("")
    policy = locations.policy_of(row.fitness_class, services().policy)
    if row.state == "booked":
        terms = policy.cancellation_terms(
            row.fitness_class.starts_at, now, free_until=row.free_cancellation_until
        )
        return Action("cancel", terms=terms)
    if row.state == "full":
        return Action("join_waitlist", next_position=row.waiting + 1)
    if row.state == "waiting" and row.spots_left == 0:
        return Action("leave_waitlist")
    # Open, or waiting while a spot is free (nobody eligible was promoted into it): book it.
    # Inside the cancellation window the form asks her to accept that first.
    terms = policy.cancellation_terms(row.fitness_class.starts_at, now)
    return Action("book", credits=credits, terms=terms)


def _membership_note(terms: FeeTerms) -> str:
    """What her membership's plan may cost, for the late-booking consent ("" for nothing)."""
    parts = [
        f"a {kind.label.lower()} fee of {fee}" for kind in FeeKind if (fee := terms.fee_for(kind))
    ]
    return f"Your membership charges {' and '.join(parts)}." if parts else ""


@member_required
def detail(request: HttpRequest, class_id: uuid.UUID) -> HttpResponse:
    now = timezone.now()
    fitness_class = day_reads.class_with_counts(class_id)
    if fitness_class is None:
        raise Http404("That class does not exist.")
    hers = member_reads(
        request.member,
        now,
        [class_id],
        fitness_class.starts_at,
        fitness_class.ends_at,
        fitness_class.location_id,
    )
    facts = hers.facts
    row = class_row(
        fitness_class, now, hers.bookings.get(class_id), hers.positions.get(class_id), facts
    )
    zone = formatting.zone_of(fitness_class.time_zone)
    action = _action(row, now, facts.credits_for(fitness_class))
    # Her odds at her number on the waitlist, or at the one she would take joining it.
    number = row.position if row.state == "waiting" else action.next_position
    odds = waitlist_history.odds_for(fitness_class, number, now) if number else None
    consent_fees = ""
    if action.name == "book" and action.terms.needs_consent_to_book:
        # The late-booking consent names the fees of what would pay: her membership or a credit.
        fees = services().fee_terms.for_next_booking(str(request.member.pk), str(class_id))
        consent_fees = (
            _membership_note(fees.terms) if fees.by_membership else fees.terms.consent_note
        )
    # The page is the class's: its times on its location's clock, and the schedule link
    # back to its day there.
    with timezone.override(zone):
        return render(
            request,
            "classes/detail.html",
            {
                "row": row,
                "fitness_class": fitness_class,
                "action": action,
                "consent_fees": consent_fees,
                "odds": odds,
                "day": timezone.localdate(fitness_class.starts_at, zone).isoformat(),
                "location_name": fitness_class.location.name,
            },
        )
