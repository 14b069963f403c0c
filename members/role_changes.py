"""Noticing that a login's role changed, however it was changed (admin, a command, the ORM):
its staff status, superuser status or "active", its groups, or its own permissions, from
either side of the relation (`user.groups.add(g)` or `g.user_set.add(user)`).

Each change is sent once as `role_changed` with a `RoleChange`; the sessions end on it
(members/sessions.py) and the security log records it (members/security_log.py). A login
created with staff or superuser status is sent too (`new_login`). A group's own permissions
changing (from either side too) is sent as `group_permissions_changed` with a
`GroupPermissionsChange`: the role of every login in the group changed.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import Signal, receiver

PRIVILEGES = ("is_staff", "is_superuser", "is_active")

# Sent with `change`, a RoleChange.
role_changed = Signal()
# Sent with `change`, a GroupPermissionsChange.
group_permissions_changed = Signal()


@dataclass(frozen=True)
class RoleChange:
    user_id: int
    username: str
    flags: dict[str, bool] = field(default_factory=dict)  # the new value of each that changed
    groups_added: tuple[str, ...] = ()
    groups_removed: tuple[str, ...] = ()
    permissions_added: tuple[str, ...] = ()
    permissions_removed: tuple[str, ...] = ()
    new_login: bool = False


@dataclass(frozen=True)
class GroupPermissionsChange:
    group: Group
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


User = get_user_model()


@receiver(pre_save, sender=User)
def _remember_privileges(sender, instance, update_fields=None, **kwargs) -> None:
    instance._privileges_before = None
    if instance.pk is None or (update_fields is not None and not set(PRIVILEGES) & update_fields):
        return
    instance._privileges_before = sender.objects.filter(pk=instance.pk).values(*PRIVILEGES).first()


@receiver(post_save, sender=User)
def _privileges_saved(sender, instance, created, **kwargs) -> None:
    if created:
        flags = {name: True for name in ("is_staff", "is_superuser") if getattr(instance, name)}
        if flags:
            _send(RoleChange(instance.pk, instance.get_username(), flags, new_login=True))
        return
    before = getattr(instance, "_privileges_before", None) or {}
    flags = {
        name: getattr(instance, name)
        for name, value in before.items()
        if value != getattr(instance, name)
    }
    if flags:
        _send(RoleChange(instance.pk, instance.get_username(), flags))


def _relation_changed(sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
    """A login's groups or own permissions changed, from either side of the relation."""
    relation = "groups" if sender is User.groups.through else "permissions"
    related = instance.user_set if reverse else getattr(instance, _field(relation))
    changed = _changed(instance, action, pk_set, related)
    if changed is None:
        return
    how, pks = changed
    if not reverse:
        names = _names(model, pks)
        _send(RoleChange(instance.pk, instance.get_username(), **{f"{relation}_{how}": names}))
        return
    name = _name(instance)
    for user_id, username in User.objects.filter(pk__in=pks).values_list("pk", "username"):
        _send(RoleChange(user_id, username, **{f"{relation}_{how}": (name,)}))


def _group_permissions_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    """A group's permissions changed (`group.permissions` or `permission.group_set`)."""
    related = instance.group_set if reverse else instance.permissions
    changed = _changed(instance, action, pk_set, related)
    if changed is None:
        return
    how, pks = changed
    if reverse:
        changes = [(group, (_name(instance),)) for group in Group.objects.filter(pk__in=pks)]
    else:
        changes = [(instance, _names(Permission, pks))]
    for group, names in changes:
        group_permissions_changed.send(
            sender=GroupPermissionsChange, change=GroupPermissionsChange(group, **{how: names})
        )


def _changed(instance, action: str, pk_set, related) -> tuple[str, Iterable[int]] | None:
    """("added" or "removed", the primary keys on the relation's other side) once a change
    of a many-to-many relation is made; None before, or when nothing changed. What a clear
    takes is gone by its end: noted from `related` (the manager cleared) when it begins."""
    if action == "pre_clear":
        instance._cleared = list(related.values_list("pk", flat=True))
        return None
    if action not in ("post_add", "post_remove", "post_clear"):
        return None
    pks = pk_set if action != "post_clear" else getattr(instance, "_cleared", [])
    if not pks:
        return None
    return ("added" if action == "post_add" else "removed"), pks


def _field(relation: str) -> str:
    return "groups" if relation == "groups" else "user_permissions"


def _names(model, pks) -> tuple[str, ...]:
    rows = model.objects.filter(pk__in=pks)
    if model is Permission:
        rows = rows.select_related("content_type")
    return tuple(sorted(_name(row) for row in rows))


def _name(row: Group | Permission) -> str:
    if isinstance(row, Permission):
        return f"{row.content_type.app_label}.{row.codename}"
    return row.name


def _send(change: RoleChange) -> None:
    role_changed.send(sender=RoleChange, change=change)


m2m_changed.connect(_relation_changed, sender=User.groups.through)
m2m_changed.connect(_relation_changed, sender=User.user_permissions.through)
m2m_changed.connect(_group_permissions_changed, sender=Group.permissions.through)
