"""The "Editors" group: staff members in it can change the catalogue and nothing else.

The group's permissions live in code, not in the database: `sync_editors_group` runs after every
`migrate` and resets the group to exactly the set below, so a permission granted by hand in the
admin does not quietly outlive the next deploy. Change EDITOR_MODELS to change what editors may do.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import DEFAULT_DB_ALIAS, router

EDITORS_GROUP = "Editors"
EDITOR_MODELS = ("title", "tag", "tagsynonym", "facet", "person", "credit")
EDITOR_ACTIONS = ("add", "change", "delete", "view")


def editor_permission_codenames() -> set[str]:
    return {f"{action}_{model}" for model in EDITOR_MODELS for action in EDITOR_ACTIONS}


def sync_editors_group(*, using: str = DEFAULT_DB_ALIAS, apps=global_apps):
    """Create the Editors group if needed and set its permissions to exactly the editor set.

    Idempotent. `apps` is the migration state during `migrate`, the real registry otherwise.
    Returns the group.
    """
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.using(using).filter(
        content_type__app_label="catalog",
        content_type__model__in=EDITOR_MODELS,
        codename__in=editor_permission_codenames(),
    )
    group, _ = Group.objects.using(using).get_or_create(name=EDITORS_GROUP)
    group.permissions.set(permissions)
    return group


def sync_editors_group_after_migrate(sender, app_config, using=DEFAULT_DB_ALIAS, apps=global_apps, **kwargs) -> None:
    """post_migrate receiver for the catalog app (see CatalogConfig.ready)."""
    try:
        Group = apps.get_model("auth", "Group")
        apps.get_model("catalog", "Title")
    except LookupError:
        return  # auth or catalog is not migrated on this database yet
    if not router.allow_migrate_model(using, Group):
        return
    # auth creates permissions in its own post_migrate receiver; whether it has already run for the
    # catalog depends on receiver order, so create them here first (it skips existing ones).
    create_permissions(app_config, verbosity=0, using=using, apps=apps)
    sync_editors_group(using=using, apps=apps)
