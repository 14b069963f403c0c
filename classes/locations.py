"""A class's location, read in the statement that reads the class (never a query per row),
and written by its name (the domain's `FitnessClass.location`) in the statement that writes
it."""

from django.db.models import Model, OuterRef, Subquery

from locations.models import Location, Room
from members.models import Member

# For the statements over `classes_fitnessclass c` (the schedule, the class page): the
# location's columns, joined.
JOIN = " JOIN locations_location l ON l.id = c.location_id"
COLUMNS = (
    "l.name AS location_name, l.time_zone AS location_time_zone, l.address AS location_address"
)
# The name and clock alone, as subqueries: a row lock (FOR UPDATE) then takes the class's row only,
# not its location's (which every booking at that location would queue behind).
NAME = (
    "(SELECT l.name FROM locations_location l WHERE l.id = c.location_id) AS location_name,"
    " (SELECT l.time_zone FROM locations_location l WHERE l.id = c.location_id)"
    " AS location_time_zone"
)


def with_location[Row: Model](row: Row) -> Row:
    """`row` (read with `COLUMNS`) with its `location` set from them, so that showing it
    reads nothing more."""
    row.location = Location(
        id=row.location_id,
        name=row.location_name,
        time_zone=row.location_time_zone,
        address=row.location_address,
    )
    return row


def named(name: str) -> Subquery:
    """The id of the location named `name`, as a value to write (no location has an empty
    name: writing it fails the row's NOT NULL, as a class without a place should)."""
    return Subquery(Location.objects.filter(name=name).order_by().values("pk")[:1])


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
