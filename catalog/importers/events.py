"""Loading many imported events fast and idempotently.

PostgreSQL: COPY the rows into a temporary table, then one INSERT ... SELECT of the rows not yet
stored (matched on the key of the partial unique index on imported events, so a re-import is a
no-op). That is several times faster than multi-row INSERTs and never builds model instances.
Other databases (SQLite in development and tests): executemany in chunks, ignoring conflicts.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import IntegrityError, connection
from django.db.models.constants import OnConflict

from catalog.importers.errors import ImportDataError
from catalog.importers.movielens_files import Ratings
from catalog.importers.progress import Progress
from recommendations.models import Event

CHUNK_ROWS = 50_000
STAGING_TABLE = "marquee_import_ratings"


def insert_rating_events(
    ratings: Ratings,
    *,
    user_pks: dict[int, int],
    title_pks: dict[int, int],
    source: str,
    progress: Progress,
) -> int:
    """Insert one "rate" event per rating; returns how many were new (the rest already existed)."""
    if connection.vendor == "postgresql":
        return _copy_ratings(ratings, user_pks, title_pks, source, progress)
    return _insert_many_ratings(ratings, user_pks, title_pks, source, progress)


def _copy_ratings(
    ratings: Ratings, user_pks: dict[int, int], title_pks: dict[int, int], source: str, progress: Progress
) -> int:
    quote = connection.ops.quote_name
    columns = {
        name: quote(Event._meta.get_field(name).column)
        for name in ("user", "title", "type", "value", "timestamp", "source")
    }
    with connection.cursor() as cursor:
        # Dropped explicitly too: ON COMMIT DROP alone would clash with a second import in one transaction.
        cursor.execute(f"DROP TABLE IF EXISTS {STAGING_TABLE}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {STAGING_TABLE} "
            "(user_id bigint, title_id bigint, value double precision, ts bigint) ON COMMIT DROP"
        )
        copy_sql = f"COPY {STAGING_TABLE} (user_id, title_id, value, ts) FROM STDIN"
        with progress.bar("copy ratings", total=len(ratings), unit="rows") as bar, cursor.cursor.copy(copy_sql) as copy:
            for start in range(0, len(ratings), CHUNK_ROWS):
                rows = ratings.rows(start, start + CHUNK_ROWS)
                copy.write("".join(f"{user_pks[u]}\t{title_pks[m]}\t{v!r}\t{t}\n" for u, m, v, t in rows))
                bar.update(min(CHUNK_ROWS, len(ratings) - start))
        cursor.execute(f"ANALYZE {STAGING_TABLE}")  # temporary tables are never auto-analysed
        with progress.bar("insert events", total=1, unit="statement") as bar:
            try:
                cursor.execute(_insert_new_events_sql(columns), {"type": Event.Type.RATE.value, "source": source})
            except IntegrityError as error:
                raise ImportDataError(
                    f"another import of {source} wrote the same events meanwhile; run this import again"
                ) from error
            created = cursor.rowcount
            bar.update(1)
        cursor.execute(f"DROP TABLE {STAGING_TABLE}")
    return created


def _insert_new_events_sql(columns: dict[str, str]) -> str:
    """INSERT ... SELECT of the staged ratings that are not stored yet.

    An anti-join plus a plain INSERT, rather than ON CONFLICT DO NOTHING: speculative insertion
    costs an extra unique-index probe per row, about 5 s of 25 s for a million events here
    (docs/benchmarks.md). DISTINCT ON drops repeats within the file; the NOT EXISTS matches the
    partial unique index on imported events, which still guards against concurrent imports.
    """
    event = connection.ops.quote_name(Event._meta.db_table)
    c = columns
    return (
        f"INSERT INTO {event} ({c['user']}, {c['title']}, {c['type']}, {c['value']}, {c['timestamp']}, {c['source']}) "  # noqa: S608
        f"SELECT DISTINCT ON (s.user_id, s.title_id, s.ts) "
        f"s.user_id, s.title_id, %(type)s, s.value, to_timestamp(s.ts), %(source)s FROM {STAGING_TABLE} s "
        f"WHERE NOT EXISTS (SELECT 1 FROM {event} e WHERE e.{c['source']} = %(source)s AND e.{c['type']} = %(type)s "
        f"AND e.{c['user']} = s.user_id AND e.{c['title']} = s.title_id AND e.{c['timestamp']} = to_timestamp(s.ts)) "
        "ORDER BY s.user_id, s.title_id, s.ts"
    )


def _insert_many_ratings(
    ratings: Ratings, user_pks: dict[int, int], title_pks: dict[int, int], source: str, progress: Progress
) -> int:
    """Plain multi-row executemany with the backend's "ignore conflicts" insert.

    About ten times faster than bulk_create on SQLite, which compiles SQL and builds a model
    instance per row; values go through the backend's own adapters, exactly as the ORM stores them.
    """
    fields = [Event._meta.get_field(name) for name in ("user", "title", "type", "value", "timestamp", "source")]
    quote = connection.ops.quote_name
    insert_sql = (
        f"{connection.ops.insert_statement(on_conflict=OnConflict.IGNORE)} {quote(Event._meta.db_table)} "
        f"({', '.join(quote(field.column) for field in fields)}) VALUES ({', '.join(['%s'] * len(fields))}) "
        + connection.ops.on_conflict_suffix_sql(fields, OnConflict.IGNORE, None, None)
    )
    adapt_time = connection.ops.adapt_datetimefield_value
    rate = Event.Type.RATE.value
    before = Event.objects.filter(source=source).count()
    with progress.bar("insert events", total=len(ratings), unit="rows") as bar, connection.cursor() as cursor:
        for start in range(0, len(ratings), CHUNK_ROWS):
            rows = [
                (user_pks[u], title_pks[m], rate, v, adapt_time(datetime.fromtimestamp(t, tz=UTC)), source)
                for u, m, v, t in ratings.rows(start, start + CHUNK_ROWS)
            ]
            cursor.executemany(insert_sql, rows)
            bar.update(len(rows))
    return Event.objects.filter(source=source).count() - before
