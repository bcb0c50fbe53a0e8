"""Bring Raygun tables written before v3 support to the shared v1/v3 schema, in place.

Tables written by earlier versions have an integer ``session_id`` and no ``source_api`` or
``application_id``. Every row they hold came from v1, so the migration, in one transaction per
table: turns ``session_id`` into text (an id becomes its decimal text, so ``WHERE session_id = 42``
and ``= '42'`` still find it), adds the two columns, fills them with ``v1`` and the configured v1
application id, and makes them NOT NULL. A table already migrated, or not yet created, is left alone,
so running it before every write costs a catalog query.
"""

from __future__ import annotations

import duckdb

from rum_assets.raygun.tables import ALL_TABLES, SCOPE_COLUMNS, V1
from rum_assets.warehouse.tables import Connection, Table, existing_columns


class MigrationError(RuntimeError):
    """A table could not be migrated; it is left as it was."""


def _columns(conn: Connection, table: Table) -> dict[str, tuple[str, bool]]:
    """Column name -> (DuckDB type, nullable) of the table as it exists; empty when it does not."""
    return {name: (data_type, nullable) for name, data_type, nullable in existing_columns(conn, table.schema, table.name)}


def migrate_table(conn: Connection, table: Table, v1_application_id: str) -> bool:
    """Migrate one table; True when anything changed."""
    columns = _columns(conn, table)
    if not columns:
        return False
    fills = {"source_api": V1, "application_id": v1_application_id}
    needs_type = columns.get("session_id", ("VARCHAR", False))[0] != "VARCHAR"
    needs_scope = any(name not in columns or columns[name][1] for name in SCOPE_COLUMNS)
    if not (needs_type or needs_scope):
        return False
    conn.execute("BEGIN TRANSACTION")
    try:
        if needs_type:
            conn.execute(f"ALTER TABLE {table.qualified_name} ALTER session_id TYPE VARCHAR")
        for name in SCOPE_COLUMNS:
            if name not in columns:
                # A default fills the existing rows: DuckDB cannot add NOT NULL after an UPDATE in one transaction.
                literal = fills[name].replace("'", "''")
                conn.execute(f"ALTER TABLE {table.qualified_name} ADD COLUMN {name} VARCHAR DEFAULT '{literal}'")
                conn.execute(f"ALTER TABLE {table.qualified_name} ALTER {name} DROP DEFAULT")
            elif columns[name][1]:
                conn.execute(f"UPDATE {table.qualified_name} SET {name} = ? WHERE {name} IS NULL", [fills[name]])
                conn.execute("COMMIT")
                conn.execute("BEGIN TRANSACTION")
            conn.execute(f"ALTER TABLE {table.qualified_name} ALTER {name} SET NOT NULL")
        conn.execute("COMMIT")
    except duckdb.Error as exc:
        conn.execute("ROLLBACK")
        raise MigrationError(
            f"migrating {table.qualified_name} to the v1/v3 schema failed and was rolled back: {exc}. DuckDB cannot change "
            "a column of a table that has an index or a dependent object: drop those, run again, then recreate them"
        ) from exc
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return True


def migrate_raygun_tables(conn: Connection, v1_application_id: str) -> list[str]:
    """Migrate every Raygun table that needs it; the names of those migrated."""
    return [table.qualified_name for table in ALL_TABLES if migrate_table(conn, table, v1_application_id)]
