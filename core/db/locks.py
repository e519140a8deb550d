"""Store-wide locks held until the transaction ends, so processes that start or write together
on one store take turns. Take one before any write of the transaction.

PostgreSQL: a transaction-scoped advisory lock on the key. SQLite: BEGIN IMMEDIATE, the
database's one write lock (whatever the key), waiting up to the busy timeout.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

__all__ = ["ASSIGNMENT", "MIGRATION", "REGISTRY", "hold"]

# Any fixed numbers, one per kind of work: every process on the same database takes the same.
MIGRATION = 0x7061_7261_6C6C_6178
ASSIGNMENT = 0x7061_7261_6576_656E
# The outlet registry a starting process writes: two starting together would both insert it.
REGISTRY = 0x7061_7261_6F75_746C


def hold(connection: Connection, key: int) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    elif connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        raise RuntimeError(f"no store lock for {connection.dialect.name}")
