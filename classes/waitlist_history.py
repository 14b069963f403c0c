"""The waitlist history behind a class's odds (`domain.waitlist_odds`): every join of the
waitlist of a past class like it, and whether that member got a spot, read from the event log
in two queries (the like classes, then their joins and promotions)."""

from datetime import datetime, timedelta

from classes.models import FitnessClass
from domain.waitlist_odds import WaitlistOdds, at_a_like_time, odds_at
from events.models import StoredEvent
from web import formatting

# How far back the history goes: a season, as a timetable changes.
LOOKBACK = timedelta(days=180)
JOINED, PROMOTED = "MemberJoinedWaitlist", "MemberPromotedFromWaitlist"


def odds_for(fitness_class: FitnessClass, position: int, now: datetime) -> WaitlistOdds:
    """The odds of number `position` on `fitness_class`'s waitlist."""
    zone = formatting.zone_of(fitness_class.time_zone)
    its_time = fitness_class.starts_at.astimezone(zone).time()
    past = FitnessClass.objects.filter(
        location_id=fitness_class.location_id,
        name__iexact=fitness_class.name,
        starts_at__gte=now - LOOKBACK,
        starts_at__lt=now,
        cancelled_at__isnull=True,
    ).values_list("pk", "starts_at")
    like = [
        pk for pk, starts_at in past if at_a_like_time(starts_at.astimezone(zone).time(), its_time)
    ]
    logged = StoredEvent.objects.filter(class_id__in=like, type__in=(JOINED, PROMOTED))
    rows = list(logged.values_list("type", "payload")) if like else []
    promoted = {payload["waitlist_entry_id"] for kind, payload in rows if kind == PROMOTED}
    outcomes = [
        (payload["position"], payload["waitlist_entry_id"] in promoted)
        for kind, payload in rows
        if kind == JOINED
    ]
    return odds_at(position, outcomes)
