"""Many-row inserts for the crawl's hottest tables (links, snapshots, link checks).

SQLAlchemy's Core ``executemany`` builds a parameter dict per row through the compiled
statement; for the ~30 link rows of every crawled page that cost more CPU than SQLite's own
work (bench: ~7 % of a crawl worker). Here the statement is compiled once per table and
column set, each column's bind processor (datetime, JSON, binary, boolean) is still
applied, and the rows go to the driver as plain tuples in one ``executemany`` — or, on
PostgreSQL, in one COPY when there are many and no conflict is to be skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Table, insert

# dialects whose INSERT accepts "ON CONFLICT DO NOTHING" (SQLite 3.24+, PostgreSQL 9.5+)
_ON_CONFLICT = {"sqlite", "postgresql"}
# positional placeholders by DB-API paramstyle (sqlite3: qmark; psycopg: pyformat/format)
_MARKS = {"qmark": "?", "format": "%s", "pyformat": "%s"}
# (SQL, bind processors by position, Python-side defaults of the columns rows leave out)
_Plan = tuple[str, list[tuple[int, Callable[[Any], Any]]], list[Callable[[], Any]]]
_plans: dict[tuple[str, str, tuple[str, ...], bool], _Plan] = {}


def _plan(conn: Connection, table: Table, columns: tuple[str, ...],
          ignore_conflicts: bool) -> _Plan:
    dialect = conn.dialect
    key = (dialect.name, table.name, columns, ignore_conflicts)
    plan = _plans.get(key)
    if plan is None:
        defaults: list[Callable[[], Any]] = []
        defaulted = []
        for col in table.columns:
            if col.name in columns or col.default is None or col.default.is_sequence:
                continue
            if col.default.is_scalar:
                defaults.append(lambda v=col.default.arg: v)
            elif col.default.is_callable:  # SQLAlchemy wraps it to take an execution context
                defaults.append(lambda f=col.default.arg: f(None))
            else:
                continue
            defaulted.append(col.name)
        columns = columns + tuple(defaulted)
        mark = _MARKS[dialect.paramstyle]
        prep = dialect.identifier_preparer
        sql = (f"INSERT INTO {prep.format_table(table)} "
               f"({', '.join(prep.quote(c) for c in columns)}) "
               f"VALUES ({', '.join([mark] * len(columns))})")
        if ignore_conflicts:
            sql += " ON CONFLICT DO NOTHING"
        processors = [(i, proc) for i, c in enumerate(columns)
                      if (proc := table.c[c].type._cached_bind_processor(dialect)) is not None]
        plan = _plans[key] = (sql, processors, defaults)
    return plan


def insert_many(conn: Connection, table: Table, rows: Sequence[dict[str, Any]],
                ignore_conflicts: bool = False) -> None:
    """INSERT ``rows`` (dicts of column values) into ``table``: one executemany per set of
    keys. Columns a row leaves out get the model's Python-side default, as with Core.

    ``ignore_conflicts`` skips rows that would break a unique constraint. On SQLite and
    PostgreSQL the rows go to the driver directly; elsewhere through Core's insert, and
    without that skip.
    """
    if not rows:
        return
    dialect = conn.dialect
    direct = dialect.name in _ON_CONFLICT and dialect.paramstyle in _MARKS
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(row), []).append(row)
    for columns, same in groups.items():
        if not direct:
            conn.execute(insert(table), same)
            continue
        sql, processors, defaults = _plan(conn, table, columns, ignore_conflicts)
        if processors or defaults:
            params = []
            for row in same:
                values = [row[c] for c in columns]
                values.extend(d() for d in defaults)
                for i, proc in processors:
                    values[i] = proc(values[i])
                params.append(tuple(values))
        else:
            params = [tuple(row[c] for c in columns) for row in same]
        if dialect.name == "postgresql" and not ignore_conflicts and len(params) >= COPY_MIN:
            _copy(conn, sql, params)
        else:
            conn.exec_driver_sql(sql, params)


# PostgreSQL: from this many rows on, COPY instead of an INSERT executemany. The bench's
# 290k link rows of a 10k-page crawl cost 6 s of client and 16 s of server CPU inserted,
# 0.8 s and ~10 s copied (the rest is the server maintaining the indexes).
COPY_MIN = 50


def _copy(conn: Connection, insert_sql: str, params: list[tuple[Any, ...]]) -> None:
    """The rows of ``insert_sql`` sent with PostgreSQL's COPY … FROM STDIN, in the
    connection's transaction (psycopg adapts each value as it would bind it)."""
    head = insert_sql[len("INSERT INTO "):insert_sql.index(" VALUES (")]
    raw = conn.connection.driver_connection
    with raw.cursor() as cur, cur.copy(f"COPY {head} FROM STDIN") as copy:
        for row in params:
            copy.write_row(row)
