"""The one settings class. Every field is read from a `PARALLAX_<NAME>` environment variable."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _split_commas(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PARALLAX_", frozen=True, extra="forbid")

    data_dir: Path = Field(
        default=Path("parallax-data"),
        description="Directory holding the SQLite store and the FAISS indexes.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the store; defaults to SQLite (WAL) inside data_dir.",
    )
    store_busy_timeout: float = Field(
        default=30.0,
        gt=0,
        description=(
            "Seconds a write waits for the SQLite store's lock; past it the API answers 503 "
            "`store-busy` with Retry-After."
        ),
    )
    outlets_file: Path | None = Field(
        default=None,
        description="A TOML outlet registry merged over the shipped default list.",
    )

    embedding_model: str = Field(
        default="all-MiniLM-L6-v2",
        description=(
            "Sentence-embedding model: `all-MiniLM-L6-v2` (packaged), `news-aligner` (that model "
            "fine-tuned for news alignment, shipped as int8 ONNX in `models/aligner`; onnx-int8 "
            "only; for measurement: it aligns better but same-event coverage, fitted on "
            "MiniLM, falls with it, docs/comparison.md) or a local model directory. Changing it "
            "embeds the stored articles again at the next start."
        ),
    )
    embedding_batch_size: int = Field(
        default=16,
        ge=1,
        description=(
            "Sentences per forward pass of the torch backend (onnx-int8 runs each alone). A "
            "batch is padded to its longest sentence and one article's passages vary in "
            "length: 16 encodes an article ~1.6x faster than 64."
        ),
    )
    embedding_backend: Literal["onnx-int8", "torch"] = Field(
        default="onnx-int8",
        description=(
            "How the model runs: `onnx-int8`, its transformer exported to ONNX with int8 weights "
            "(built once into model_cache_dir; 1.3-1.9x as fast as torch on two cores, vectors "
            "within cosine 0.98 of torch's; on an x86-64 CPU without AVX-512 VNNI its integer "
            "products are made exact, which the default ones are not there, at 0.95 of the "
            "speed on an AVX2 machine), or `torch` as published (needs the `model` extra: pip "
            "install 'parallax[model]'). Each keeps its own vectors; switching embeds the "
            "stored articles again at the next start."
        ),
    )
    model_cache_dir: Path | None = Field(
        default=None,
        description=(
            "Where built model files (the int8 ONNX export) are kept; defaults to "
            "$XDG_CACHE_HOME/parallax or ~/.cache/parallax."
        ),
    )
    torch_threads: int = Field(
        default=2, ge=1, description="Threads the embedding model (torch or onnxruntime) may use."
    )
    faiss_threads: int = Field(default=1, ge=1, description="Threads FAISS may use.")
    blas_threads: int = Field(
        default=1,
        ge=1,
        description=(
            "Threads numpy's BLAS may use in the API process. Comparisons multiply small "
            "matrices side by side, one per request: more threads only spin."
        ),
    )

    allowed_private_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description=(
            "Host names, addresses and CIDR ranges that may be fetched although they are "
            "private or loopback (comma-separated). Empty refuses every private address."
        ),
    )
    user_agent: str = Field(
        default="ParallaxBot/0.1 (+https://parallax.example/bot)",
        description="User-Agent sent on every fetch and matched against robots.txt.",
    )
    respect_robots: bool = Field(default=True, description="Honour robots.txt.")
    connect_timeout: float = Field(default=5.0, gt=0, description="Seconds to connect.")
    read_timeout: float = Field(default=10.0, gt=0, description="Seconds between two reads.")
    fetch_deadline: float = Field(default=20.0, gt=0, description="Seconds for one whole fetch.")
    max_body_bytes: int = Field(default=5_000_000, gt=0, description="Raw bytes read at most.")
    max_decoded_bytes: int = Field(
        default=20_000_000, gt=0, description="Decompressed bytes accepted at most."
    )
    max_redirects: int = Field(default=5, ge=0, description="Redirect hops followed at most.")
    fetch_retries: int = Field(default=3, ge=0, description="Retries of a transient failure.")
    retry_max_wait: float = Field(
        default=30.0, ge=0, description="Longest wait before a retry, Retry-After included."
    )
    per_host_concurrency: int = Field(default=2, ge=1, description="Parallel fetches per host.")
    per_host_delay: float = Field(
        default=0.5, ge=0, description="Seconds between two requests to one host."
    )

    ingest_workers: int = Field(default=2, ge=1, description="In-process ingest workers.")
    job_lease_seconds: float = Field(
        default=300.0,
        gt=0,
        description=(
            "A job's visibility timeout: an attempt running longer gives up, and a running job "
            "whose lease expired (its worker died) is run again."
        ),
    )
    job_max_attempts: int = Field(
        default=3,
        ge=1,
        description=(
            "Attempts of one job, interrupted or failing for a passing reason (a timeout, a "
            "server error, a crash), before it ends failed with its reason."
        ),
    )
    job_retry_backoff: float = Field(
        default=5.0,
        gt=0,
        description="Seconds before a failed job's second attempt; doubled for each further one.",
    )
    job_retry_max_backoff: float = Field(
        default=300.0, gt=0, description="The longest wait between two attempts of a job."
    )
    broker_url: str = Field(
        default="",
        description=(
            "A RabbitMQ server (amqp://user:password@host:5672/vhost) that jobs go through to "
            "`parallax worker` processes; empty runs them in each process's own workers."
        ),
    )
    broker_queue: str = Field(
        default="parallax-ingest",
        min_length=1,
        description="The broker's queue of ingest jobs: one per deployment on a server.",
    )
    job_sweep_interval: float = Field(
        default=30.0,
        gt=0,
        description=(
            "Seconds between a worker's sweeps, which requeue the jobs of dead workers and "
            "publish again jobs queued longer than PARALLAX_JOB_LEASE_SECONDS."
        ),
    )
    feed_poll_interval: float = Field(
        default=900.0, gt=0, description="Seconds between two polls of a healthy feed."
    )
    feed_max_backoff: float = Field(
        default=21_600.0, gt=0, description="Longest wait before polling a failing feed again."
    )
    event_follow_interval: float = Field(
        default=1.0,
        gt=0,
        description=(
            "Seconds between two reads of the store's event change log: another process's "
            "articles and events reach this process's event index within about this time "
            "(`bench/follow_delay.py` measures it). A process placing an article reads the log "
            "first in any case."
        ),
    )
    shards_dir: Path | None = Field(
        default=None,
        description=(
            "Directory the FAISS indexes are published in, one shard per publication day; "
            "defaults to `indexes` inside data_dir. Processes on one host may share one: the "
            "writer holding its lock publishes, the others load it and swap in new versions."
        ),
    )
    index_read_only: bool = Field(
        default=False,
        description=(
            "Never publish the index shards, only load them and follow their manifest (an API "
            "replica sharing PARALLAX_SHARDS_DIR with a worker)."
        ),
    )
    index_publish_interval: float = Field(
        default=60.0,
        gt=0,
        description=(
            "Seconds between two publishes of the index days changed since; processes sharing "
            "the shards see another's new vectors sooner through the change log."
        ),
    )
    scheduler_enabled: bool = Field(
        default=True, description="Poll every configured feed while the service runs."
    )

    min_article_chars: int = Field(
        default=25,
        ge=1,
        description=(
            "Shortest article text accepted, in characters; a shorter one is refused as "
            "`too-short` (the shortest of the 2,281 dev articles has 48)."
        ),
    )
    max_article_chars: int = Field(
        default=100_000,
        ge=1,
        description=(
            "Longest article text accepted, extracted or submitted, in characters; a longer one "
            "is refused whole as `too-large`, never cut (the longest dev article has 16,053)."
        ),
    )
    max_article_passages: int = Field(
        default=1_000,
        ge=1,
        description=(
            "Most passages one article may be split into; more is refused as `too-large` "
            "(the most in a dev article is 87)."
        ),
    )
    max_passage_chars: int = Field(
        default=1_000,
        ge=100,
        description=(
            "Longest passage, in characters: a longer sentence is cut at a clause mark or a "
            "space (the model reads about 1,000 characters of English)."
        ),
    )
    max_event_articles: int = Field(
        default=60,
        ge=2,
        description=(
            "Articles of one event taken into one claim graph: /events/{id} aligns the first "
            "this many, /compare at most 24 of the best matches (the largest dev event has 22)."
        ),
    )
    max_ingest_urls: int = Field(default=500, ge=1, description="URLs one POST /ingest may queue.")
    max_outlet_feeds: int = Field(
        default=50,
        ge=1,
        description="Feeds one outlet of the registry may list (the shipped registry: at most 2).",
    )

    event_window_days: float = Field(
        default=3.0, gt=0, description="Same-event search window around publication, in days."
    )

    api_keys_required: bool = Field(
        default=False,
        description="Refuse API requests without a valid key (off on the embedded default).",
    )
    api_key_hashes: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description=(
            "Hashes of the accepted API keys, `sha256:<hex>` (comma-separated); "
            "`parallax keygen` prints a new key and its hash. Keys are never stored."
        ),
    )
    admin_key_hashes: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description=(
            "Hashes of the admin keys (`sha256:<hex>`, comma-separated): API keys that may also "
            "add outlets (`POST /outlets`) when keys are required."
        ),
    )
    api_keys_file: Path | None = Field(
        default=None,
        description=(
            "A file of accepted key hashes, one a line (`#` starts a comment), "
            "added to api_key_hashes."
        ),
    )
    cors_allow_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description=(
            "Origins allowed to call the API from a browser (comma-separated); empty allows none. "
            "The browser extension's origin is chrome-extension://aoafkjihdilpbiomkhnlmhopfninfhol."
        ),
    )
    rate_limit_per_minute: int = Field(
        default=120,
        ge=0,
        description=(
            "Requests per minute per API key (per client address without keys); 0 disables."
        ),
    )
    rate_limit_burst: int = Field(
        default=30, ge=1, description="Requests a caller may make at once before the rate applies."
    )
    max_request_bytes: int = Field(
        default=6_000_000, gt=0, description="Largest request body accepted, in bytes."
    )
    max_inflight_requests: int = Field(
        default=256,
        ge=1,
        description="Requests answered at once; past this the API sheds load with 503.",
    )
    compare_concurrency: int = Field(
        default=2,
        ge=1,
        description=(
            "Uncached comparisons run at once; they hold the interpreter lock, so more than the "
            "cores only adds switching."
        ),
    )
    ingest_concurrency: int = Field(
        default=4,
        ge=1,
        description="Articles ingested by /compare at once (fetches wait on the network).",
    )
    heavy_work_queue: int = Field(
        default=16,
        ge=0,
        description="Comparisons or ingests that may wait for a slot; past this, 503 at once.",
    )
    compare_deadline: float = Field(
        default=30.0,
        gt=0,
        description=(
            "Seconds from a /compare request's arrival within which it must have its article "
            "and a comparison slot: waiting for an ingest slot, the ingest and waiting for a "
            "comparison slot all count; past it, 503 `deadline-exceeded`."
        ),
    )
    shutdown_grace: float = Field(
        default=10.0,
        gt=0,
        description=(
            "Seconds `parallax serve` gives requests in flight after SIGTERM or SIGINT; the "
            "process is gone at most 5 s after that, whatever still runs (interrupted jobs are "
            "queued again at the next start)."
        ),
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description=(
            "Addresses or CIDR ranges of reverse proxies whose X-Forwarded-For names the client "
            "(comma-separated); empty trusts no one, so the connecting address is the client."
        ),
    )
    comparison_cache_size: int = Field(
        default=2048,
        ge=0,
        description=(
            "Comparisons kept in memory, rendered (~45 KB each on the dev corpus; 0 disables "
            "the cache). With Redis, the newest of those read or made here, in front of it "
            "(0 reads every one from Redis)."
        ),
    )
    comparison_key_memo_size: int = Field(
        default=20_000,
        ge=0,
        description=(
            "Comparison keys (article, event, event version) kept in memory by URL and article "
            "id, so a cached comparison asks the store nothing (~0.8 KB each; 0 asks the store "
            "every time). A key is dropped when this process places or follows a change to its "
            "article or event: another process's change reaches it within "
            "PARALLAX_EVENT_FOLLOW_INTERVAL."
        ),
    )
    comparison_cache_ttl: float = Field(
        default=86_400.0,
        gt=0,
        description=(
            "Seconds a comparison stays in the shared cache on Redis (with PARALLAX_REDIS_URL); "
            "an event that changes is compared afresh at once, whatever the age."
        ),
    )
    redis_url: str = Field(
        default="",
        description=(
            "A Redis server (redis://host:port/db) that API processes share rate limits and "
            "comparisons through; empty keeps both in each process's memory. While it is "
            "unreachable, each process limits callers on its own and compares afresh."
        ),
    )
    redis_key_prefix: str = Field(
        default="parallax:",
        description="Prefix of every Redis key Parallax writes: one per deployment on a server.",
    )
    redis_timeout: float = Field(
        default=0.5,
        gt=0,
        description=(
            "Seconds a Redis command may take before the request goes on without it; after a "
            "failure Redis is tried again every PARALLAX_REDIS_RETRY_INTERVAL seconds."
        ),
    )
    redis_retry_interval: float = Field(
        default=2.0,
        gt=0,
        description="Seconds between attempts to reach Redis again after it failed.",
    )
    event_workspace_cache_size: int = Field(
        default=256,
        ge=0,
        description=(
            "Events whose article views and claim graph stay in memory between comparisons "
            "(about 35 KB per article of the event; 0 rebuilds them for every comparison)."
        ),
    )
    coverage_refresh: bool = Field(
        default=True,
        description="Poll the outlets' feeds at once when a comparison finds little coverage.",
    )
    unique_claim_check: bool = Field(
        default=True,
        description=(
            "Read each unique claim about to be reported against the other outlets' closest "
            "passages and pairs of adjacent passages with the shipped news-aligner model, and "
            "drop those it finds stated there in other words."
        ),
    )
    verify_submitted_pages: bool = Field(
        default=True,
        description=(
            "Fetch the URL of a page or text a caller sends, in the background, so that the "
            "outlet's own article joins the archive; the caller's copy stays private either way."
        ),
    )
    coverage_min_outlets: int = Field(
        default=2,
        ge=1,
        description="Fewer other outlets than this counts as little coverage and starts a refresh.",
    )
    coverage_refresh_interval: float = Field(
        default=900.0,
        ge=0,
        description="Seconds before a finished refresh may be repeated for the same article.",
    )
    coverage_retry_after: int = Field(
        default=30, ge=1, description="Seconds a client is told to wait while coverage is pending."
    )

    @field_validator("allowed_private_hosts", mode="before")
    @classmethod
    def _parse_hosts(cls, value: object) -> object:
        return _split_commas(value)

    @field_validator(
        "api_key_hashes", "admin_key_hashes", "cors_allow_origins", "trusted_proxies", mode="before"
    )
    @classmethod
    def _parse_lists(cls, value: object) -> object:
        return _split_commas(value)

    @field_validator("broker_url")
    @classmethod
    def _check_broker(cls, value: str) -> str:
        if value and not value.startswith(("amqp://", "amqps://")):
            raise ValueError("the broker is RabbitMQ: an amqp:// or amqps:// URL")
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'parallax.db').resolve()}"

    @property
    def index_dir(self) -> Path:
        return self.shards_dir or self.data_dir / "indexes"
