import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from catalog.permissions import EDITORS_GROUP, editor_permission_codenames, sync_editors_group

pytestmark = pytest.mark.django_db


def group_permissions() -> set[tuple[str, str]]:
    group = Group.objects.get(name=EDITORS_GROUP)
    return set(group.permissions.values_list("content_type__app_label", "codename"))


def test_migrate_creates_the_group_with_exactly_the_catalogue_permissions():
    expected = {("catalog", codename) for codename in editor_permission_codenames()}
    assert len(expected) == 24  # add/change/delete/view on six models
    assert group_permissions() == expected


def test_migrate_twice_keeps_one_group_with_the_same_permissions():
    before = group_permissions()

    call_command("migrate", verbosity=0)
    call_command("migrate", verbosity=0)

    assert Group.objects.filter(name=EDITORS_GROUP).count() == 1
    assert group_permissions() == before


def test_sync_removes_permissions_granted_by_hand():
    group = Group.objects.get(name=EDITORS_GROUP)
    group.permissions.add(Permission.objects.get(codename="view_event"))

    sync_editors_group()
    sync_editors_group()

    assert ("recommendations", "view_event") not in group_permissions()
    assert len(group_permissions()) == 24


def test_sync_recreates_a_deleted_group():
    Group.objects.filter(name=EDITORS_GROUP).delete()
    group = sync_editors_group()
    assert group.name == EDITORS_GROUP
    assert group.permissions.count() == 24
