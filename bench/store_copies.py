"""A store made N times larger by copying its rows: the scale runs of the benchmarks.

Every article, text, passage, vector and event of a store built from real coverage is copied
N times under new ids, with its own URL and content hash, so the copy holds N + 1 times the
articles, passages and events, each copy an event apart from the others. Nothing is embedded
again, so a store of a million passages is made in minutes from one of the dev corpus.

    python bench/store_copies.py STORE.db --copies 35
"""

from __future__ import annotations

import argparse
import sqlite3
import time
from pathlib import Path

# (table, id column or None, columns with the id offsets they take)
_OFFSETS = {
    "events": ("id", {"id": "events", "merged_into": "events"}),
    "reports": ("id", {"id": "reports", "near_duplicate_of": "reports"}),
    "articles": ("id", {"id": "articles", "report_id": "reports", "event_id": "events"}),
    "article_features": (None, {"article_id": "articles"}),
    "passages": ("id", {"id": "passages", "report_id": "reports"}),
    "passage_vectors": (None, {"passage_id": "passages"}),
    "report_vectors": (None, {"report_id": "reports"}),
}
# Columns that must stay unique: each copy gets its own.
_UNIQUE = {"reports": {"content_hash"}, "articles": {"canonical_url", "url"}}


def _columns(db: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in db.execute(f'PRAGMA table_info("{table}")')]


def copy_rows(path: Path, copies: int) -> None:
    """Append `copies` copies of every row of the store at `path` (a SQLite store)."""
    with sqlite3.connect(path) as db:
        spans = {
            table: int(db.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0])
            for table in ("events", "reports", "articles", "passages")
        }
        for copy in range(1, copies + 1):
            for table, (id_column, offsets) in _OFFSETS.items():
                columns = _columns(db, table)
                values = []
                for column in columns:
                    if column in offsets:
                        values.append(f'"{column}" + {copy * spans[offsets[column]]}')
                    elif column in _UNIQUE.get(table, set()):
                        values.append(f"\"{column}\" || '#copy-{copy}'")
                    else:
                        values.append(f'"{column}"')
                original = f"WHERE {id_column} <= {spans[table]}" if id_column else ""
                if id_column is None:
                    key = next(iter(offsets))
                    original = f"WHERE {key} <= {spans[offsets[key]]}"
                names = ", ".join(f'"{c}"' for c in columns)
                db.execute(
                    f"INSERT INTO {table} ({names}) SELECT {', '.join(values)} FROM {table} "
                    f"{original}"
                )
            db.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path, help="a SQLite store (parallax.db)")
    parser.add_argument("--copies", type=int, required=True)
    args = parser.parse_args()
    started = time.perf_counter()
    copy_rows(args.store, args.copies)
    print(f"copied {args.copies} times in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
