from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CatalogConfig(AppConfig):
    name = "catalog"

    def ready(self) -> None:
        from catalog.permissions import sync_editors_group_after_migrate

        # Only for the catalog's own post_migrate, which comes after its permissions can exist.
        post_migrate.connect(sync_editors_group_after_migrate, sender=self, dispatch_uid="catalog.editors_group")
