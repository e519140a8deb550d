"""Embeddings and FAISS indexes derived from the store.

Importing this package loads no model and builds no index: `load_embedder` and `IndexSet.open`
do, at startup.
"""

from index.embedder import (
    PACKAGED_MODEL,
    PACKAGED_MODEL_NAME,
    Embedder,
    SentenceTransformerEmbedder,
    load_embedder,
)
from index.shards import ShardedIndex
from index.store_vectors import bytes_to_vector, report_day, vector_to_bytes
from index.sync import IndexSet, get_or_create_model
from index.vector_index import VectorIndex, ids_checksum

__all__ = [
    "PACKAGED_MODEL",
    "PACKAGED_MODEL_NAME",
    "Embedder",
    "IndexSet",
    "SentenceTransformerEmbedder",
    "ShardedIndex",
    "VectorIndex",
    "bytes_to_vector",
    "get_or_create_model",
    "ids_checksum",
    "load_embedder",
    "report_day",
    "vector_to_bytes",
]
