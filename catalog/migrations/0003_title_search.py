"""Search support on PostgreSQL: the pg_trgm extension and a GIN trigram index on the title.

Both are no-ops elsewhere (SQLite has neither), which is why the index is created with SQL in a
RunPython guarded by the database vendor rather than declared in Title.Meta.indexes: a GinIndex
there would make every database try to build it.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEX = "catalog_title_title_trgm"


def create_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON catalog_title USING gin (title gin_trgm_ops)")


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_builtin_facets")]
    operations = [
        TrigramExtension(),
        migrations.RunPython(create_trigram_index, drop_trigram_index, elidable=False),
    ]
