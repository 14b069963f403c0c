"""A class's location, read in the statement that reads the class (never a query per row),
and written by its name (the domain's `FitnessClass.location`) in the statement that writes
it."""

from zoneinfo import ZoneInfo

from django.db.models import Model, OuterRef, Subquery

from domain.values import BookingPolicy
from locations.models import Location, Room
from locations.rules import RULE_COLUMNS, location_rules
from members.models import Member

# For the statements over `classes_fitnessclass c` (the schedule, the class page, the class
# repository): the location's columns, joined — its name, clock and booking rules. A row lock
# takes the class's row only (`sql.for_update(of="c")`), not its location's, which every
# booking at that location would queue behind.
JOIN = " JOIN locations_location l ON l.id = c.location_id"
RULES = ", ".join(f"l.{column}" for column in RULE_COLUMNS)
NAME = f"l.name AS location_name, l.time_zone AS location_time_zone, {RULES}"
COLUMNS = f"{NAME}, l.address AS location_address"


def with_location[Row: Model](row: Row) -> Row:
    """`row` (read with `COLUMNS`) with its `location` set from them, so that showing it
    reads nothing more."""
    row.location = Location(
        id=row.location_id,
        name=row.location_name,
        time_zone=row.location_time_zone,
        address=row.location_address,
        **{column: getattr(row, column) for column in RULE_COLUMNS},
    )
    return row


def policy_of(fitness_class: Model, default: BookingPolicy) -> BookingPolicy:
    """The chain's `default` policy as the class's location keeps it (its own rules, its
    clock), for a page that previews a rule: the class's location read with it."""
    location = fitness_class.location
    return default.at(location_rules(location), ZoneInfo(location.time_zone))


def named(name: str) -> Subquery:
    """The id of the location named `name`, as a value to write (no location has an empty
    name: writing it fails the row's NOT NULL, as a class without a place should)."""
    return Subquery(Location.objects.filter(name=name).order_by().values("pk")[:1])


def room_named(room: str, location: str) -> Subquery | None:
    """The id of the room named `room` at the location named `location`, as a value to write
    (none for no room, or a room of another location)."""
    if not room:
        return None
    found = Room.objects.filter(name=room, location__name=location)
    return Subquery(found.order_by().values("pk")[:1])


def room_kept_at(name: str) -> Subquery:
    """The row's room while it is one of the location named `name`'s, else none: an update
    that moves a class or series to another location takes it out of the old one's room."""
    kept = Room.objects.filter(pk=OuterRef("room_id"), location__name=name)
    return Subquery(kept.order_by().values("pk")[:1])


def home_location_name(member: Member) -> str:
    """The location whose schedule and day `member` sees first: her home location's name, or
    "" (none chosen, or hers was closed) for the first location by name. The signed-in login
    is read with her member and home location (members/auth.py), so this reads nothing."""
    return member.home_location.name if member.home_location_id is not None else ""
