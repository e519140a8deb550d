"""CSV exports for newsroom spreadsheets: a list of events, and an event's claim matrix.

The claim matrix is written long: one row per passage of a claim, so every outlet's wording of
the same claim sits in consecutive rows with its exact offsets, ready to pivot.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime

from fastapi import Response

from api.schemas import ClaimOut, EventSummary

__all__ = [
    "CLAIM_COLUMNS",
    "CSV_MEDIA_TYPE",
    "EVENT_COLUMNS",
    "claims_csv",
    "csv_response",
    "events_csv",
    "spreadsheet_cell",
]

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
EVENT_COLUMNS = (
    "event_id",
    "title",
    "first_published_at",
    "last_published_at",
    "article_count",
    "outlets",
    "languages",
    "version",
)
CLAIM_COLUMNS = (
    "claim_id",
    "outlet",
    "article_id",
    "url",
    "passage_id",
    "start",
    "end",
    "similarity",
    "text",
)
# A spreadsheet runs a cell that opens with one of these as a formula; titles and passages are
# written by the outlets, so such a cell is kept as text (OWASP's advice against CSV injection).
_FORMULA_OPENERS = ("=", "+", "-", "@", "\t", "\r")
LIST_SEPARATOR = "; "


def spreadsheet_cell(value: object) -> str:
    """The value as a cell a spreadsheet shows as text, never evaluates."""
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return "'" + text if text.startswith(_FORMULA_OPENERS) else text


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([spreadsheet_cell(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


def events_csv(events: Sequence[EventSummary]) -> bytes:
    return _csv(
        EVENT_COLUMNS,
        (
            (
                event.id,
                event.title,
                event.first_published_at,
                event.last_published_at,
                event.article_count,
                LIST_SEPARATOR.join(event.outlets),
                LIST_SEPARATOR.join(event.languages),
                event.version,
            )
            for event in events
        ),
    )


def claims_csv(claims: Sequence[ClaimOut]) -> bytes:
    return _csv(
        CLAIM_COLUMNS,
        (
            (
                claim.id,
                passage.outlet,
                passage.article_id,
                passage.url,
                passage.passage_id,
                passage.start,
                passage.end,
                f"{passage.similarity:.3f}",
                passage.text,
            )
            for claim in claims
            for passage in claim.others
        ),
    )


def csv_response(body: bytes, filename: str, headers: dict[str, str] | None = None) -> Response:
    return Response(
        body,
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', **(headers or {})},
    )
