"""Staff see and change only the locations they work at: the one place that says so.

A staff user works at the locations whose `staff` they are in; the chain's managers
(superusers and holders of `locations.work_at_every_location`) work at every one. Every read
staff make of something that belongs to a location goes through `within`, given the lookup
from the row to its location ("location", "fitness_class__location", "pk" for a location):
admin lists, object pages, actions, autocomplete, filter choices, check-in and reports. A row
of another location is then as absent as a row that does not exist (a 404), so its name never
reaches the page.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from locations.models import Location

EVERY_LOCATION = "locations.work_at_every_location"
# Where a user's location ids are kept for the rest of the request (the user object lives
# as long as the request does).
CACHE = "_gym_location_ids"


def _is_staff(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.is_staff


def works_everywhere(user) -> bool:
    """The chain's managers: superusers and holders of `work_at_every_location`."""
    return user.is_superuser or user.has_perm(EVERY_LOCATION)


def location_ids(user) -> frozenset[int] | None:
    """The ids of the locations `user` works at, or None for every location: one query per
    request, then remembered on the user."""
    if not _is_staff(user):
        return frozenset()
    if works_everywhere(user):
        return None
    ids = getattr(user, CACHE, None)
    if ids is None:
        ids = frozenset(user.staffed_locations.values_list("pk", flat=True))
        setattr(user, CACHE, ids)
    return ids


def within[M: Model](
    queryset: QuerySet[M], user, path: str, *, unplaced: bool = False
) -> QuerySet[M]:
    """`queryset`'s rows whose location (reached by the lookup `path`) `user` works at, and
    with `unplaced` those of no location (a member's notice about no class)."""
    ids = location_ids(user)
    if ids is None:
        return queryset
    placed = Q(**{f"{path}__in": sorted(ids)})
    return queryset.filter(placed | Q(**{f"{path}__isnull": True}) if unplaced else placed)


def about_classes_within[M: Model](
    queryset: QuerySet[M], user, class_field: str, classes: QuerySet
) -> QuerySet[M]:
    """Rows naming a class by its id alone (the event log: an event outlives its class): those
    about a class of `classes` at the user's locations, and those about no class."""
    if location_ids(user) is None:
        return queryset
    mine = within(classes, user, "location").values("pk")
    return queryset.filter(
        Q(**{f"{class_field}__isnull": True}) | Q(**{f"{class_field}__in": mine})
    )


def locations_of(user) -> QuerySet[Location]:
    """The locations `user` works at, by name (read with them, not after their ids)."""
    if not _is_staff(user):
        return Location.objects.none()
    if works_everywhere(user):
        return Location.objects.all()
    return user.staffed_locations.all()


def location_id_of(obj: Model, path: str) -> int | None:
    """The id of the location `obj` belongs to, following `path` through loaded rows."""
    *through, last = path.split("__")
    for name in through:
        obj = getattr(obj, name)
        if obj is None:
            return None
    return obj.pk if last == "pk" else getattr(obj, f"{last}_id")


def may_work_on(user, obj: Model, path: str, *, unplaced: bool = False) -> bool:
    ids = location_ids(user)
    if ids is None:
        return True
    location_id = location_id_of(obj, path)
    return location_id in ids or (unplaced and location_id is None)


def scoped_choices(admin_site: admin.AdminSite, db_field, request, kwargs: dict) -> None:
    """A foreign key to a row of a location offers only the user's locations' rows: the
    related model's admin says how to reach its location."""
    related_admin = admin_site._registry.get(db_field.related_model)
    if isinstance(related_admin, LocationScopedAdmin) and "queryset" not in kwargs:
        related = db_field.remote_field.model._default_manager.using(kwargs.get("using"))
        kwargs["queryset"] = within(related.all(), request.user, related_admin.location_path)


class WorkplaceFilter(admin.RelatedFieldListFilter):
    """A list filter on a foreign key to a location (a member's home gym) offering only the
    locations the user works at: the others' names stay off the page."""

    def field_choices(self, field, request, model_admin):
        return [(location.pk, str(location)) for location in locations_of(request.user)]


def workplaces_and(user, kept: Location | None) -> QuerySet[Location]:
    """The locations `user` works at and `kept`, the one a row already points to (a
    member's home gym elsewhere), so that saving the row never drops it."""
    if kept is None or location_ids(user) is None:
        return locations_of(user)
    return Location.objects.filter(Q(pk__in=locations_of(user).values("pk")) | Q(pk=kept.pk))


class NotFoundAdmin:
    """A ModelAdmin whose object pages answer 404 for a row out of the user's reach, as for
    one that does not exist (Django's "doesn't exist" redirect names neither); staff who may
    see none of its rows are refused (403), as for a row they could reach."""

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        raise Http404(f"There is no {opts.verbose_name} with that ID at your locations.")


class LocationScopedAdmin(NotFoundAdmin):
    """A ModelAdmin whose rows belong to a location (`location_path` leads to it): its list,
    search, autocomplete, actions and object pages hold only the user's locations' rows, its
    foreign keys offer only theirs, and another location's row is a 404 like a missing one."""

    location_path: str
    unplaced_visible = False  # rows of no location are the chain's: everyone's

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        return within(rows, request.user, self.location_path, unplaced=self.unplaced_visible)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        scoped_choices(self.admin_site, db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _may_work_on(self, request, obj) -> bool:
        return obj is None or may_work_on(
            request.user, obj, self.location_path, unplaced=self.unplaced_visible
        )

    def has_view_permission(self, request, obj=None) -> bool:
        return self._may_work_on(request, obj) and super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._may_work_on(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._may_work_on(request, obj) and super().has_delete_permission(request, obj)


class LocationScopedInline:
    """An inline whose rows belong to a location: only the user's locations' rows (a
    member's history lists her bookings at the desk's locations only)."""

    location_path: str

    def get_queryset(self, request):
        return within(super().get_queryset(request), request.user, self.location_path)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        scoped_choices(self.admin_site, db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class LocationStaffAdmin(LocationScopedAdmin):
    """The location admin: staff see the locations they work at; who works where (`staff`,
    the staff logins side by side) is the chain managers' to change. A staff user who adds a
    location works there (else it would vanish from their list as it is saved)."""

    location_path = "pk"
    filter_horizontal = ("staff",)

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if works_everywhere(request.user):
            fieldsets.append(("Staff", {"fields": ("staff",)}))
        return fieldsets

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "staff":
            kwargs["queryset"] = get_user_model().objects.filter(is_staff=True).order_by("username")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change and not works_everywhere(request.user):
            form.instance.staff.add(request.user)
            setattr(request.user, CACHE, None)
