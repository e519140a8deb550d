"""The ingest side: safe fetching, extraction, segmentation, the pipeline, jobs and workers.

`ingest_service` assembles and runs it; `IngestService` is what other packages are handed.
"""

from __future__ import annotations

from ingest.pipeline import IngestResult, Outcome, Pipeline
from ingest.service import Batch, IngestService, JobReport, ingest_service

__all__ = [
    "Batch",
    "IngestResult",
    "IngestService",
    "JobReport",
    "Outcome",
    "Pipeline",
    "ingest_service",
]
