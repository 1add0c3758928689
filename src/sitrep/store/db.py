"""Opening the database: the file lock, the schema, forward migrations.

DuckDB lets one process at a time open a file for writing (and no process may read it meanwhile).
A second ``sitrep`` gets a lock error from DuckDB; ``connect`` retries until ``wait`` seconds have
passed and then raises ``StoreBusy``, one line naming the file and the holder's pid. Nothing is
ever written outside a transaction, so a killed writer leaves the last committed state (DuckDB
replays its write-ahead log on the next open).

Schema: ``data/store_schema.sql`` creates a new database at ``SCHEMA_VERSION``; an older file is
upgraded by ``data/migrations/NNNN_<name>.sql`` (NNNN > its version), each in its own transaction.
"""

from __future__ import annotations

import importlib.resources
import re
import time
from pathlib import Path

import duckdb

from sitrep.errors import SitrepError

SCHEMA_VERSION = 1
MEMORY = ":memory:"
_MIGRATION = re.compile(r"^(\d{4})_[\w-]+\.sql$")


class StoreError(SitrepError):
    """The database cannot be opened or used as asked."""


class StoreBusy(StoreError):
    """Another process holds the database file."""


def connect(path: str, *, read_only: bool = False, wait: float = 30.0) -> duckdb.DuckDBPyConnection:
    """A connection to ``path`` with the schema current, waiting up to ``wait`` s for the lock."""
    if path != MEMORY:
        if read_only and not Path(path).exists():
            raise StoreError(f"{path}: no such database (create it with `sitrep ingest`)")
        if not read_only:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    con = _open(path, read_only, wait)
    try:
        version = _version(con)
        if version is None and read_only:
            raise StoreError(f"{path}: not a sitrep database (no schema_version table)")
        if version is not None and version > SCHEMA_VERSION:
            raise StoreError(f"{path} has schema {version}, newer than this sitrep knows "
                             f"({SCHEMA_VERSION}); upgrade sitrep")
        if version is None or version < SCHEMA_VERSION:
            if read_only:  # upgrading needs a writer: do it once, then come back read-only
                con.close()
                connect(path, wait=wait).close()
                return _open(path, True, wait)
            migrate(con, version)
    except BaseException:
        con.close()
        raise
    return con


def _open(path: str, read_only: bool, wait: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + max(wait, 0.0)
    delay = 0.05
    while True:
        try:
            return duckdb.connect(path, read_only=read_only)
        except duckdb.IOException as exc:
            message = str(exc)
            if "lock" not in message.lower():
                raise StoreError(f"{path}: {message.splitlines()[0]}") from exc
            if time.monotonic() >= deadline:
                pid = re.search(r"PID (\d+)", message)
                holder = f"pid {pid.group(1)}" if pid else "pid unknown"
                raise StoreBusy(
                    f"{Path(path).name} is in use by another process ({holder}); waited {wait:g} s "
                    "(--wait SECONDS to wait longer)"
                ) from exc
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
        except duckdb.Error as exc:
            raise StoreError(f"{path}: {str(exc).splitlines()[0]}") from exc


def _version(con: duckdb.DuckDBPyConnection) -> int | None:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchone()[0]
    if not exists:
        return None
    return con.execute("SELECT max(version) FROM schema_version").fetchone()[0] or 0


def migrations() -> list[tuple[int, str]]:
    """(version, SQL) of every migration file, in order."""
    folder = importlib.resources.files("sitrep.data").joinpath("migrations")
    found = []
    if folder.is_dir():
        for entry in folder.iterdir():
            match = _MIGRATION.match(entry.name)
            if match:
                found.append((int(match.group(1)), entry.read_text(encoding="utf-8")))
    return sorted(found)


def schema_sql() -> str:
    return importlib.resources.files("sitrep.data").joinpath("store_schema.sql").read_text(
        encoding="utf-8")


def migrate(con: duckdb.DuckDBPyConnection, version: int | None) -> None:
    """Create the schema (``version`` None) or apply each newer migration in its own transaction."""
    steps = ([(SCHEMA_VERSION, schema_sql())] if version is None
             else [(v, sql) for v, sql in migrations() if v > version])
    for number, sql in steps:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute("INSERT INTO schema_version (version) VALUES (?)", [number])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    if _version(con) != SCHEMA_VERSION:
        raise StoreError(f"schema is at {_version(con)} after migrating, expected {SCHEMA_VERSION}"
                         " (a migration file is missing)")
