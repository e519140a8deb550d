# One CPU image for the API and the ingest workers. The embedding model ships inside a Python
# package that needs torch, which only building its int8 ONNX form does: a build stage installs
# torch and makes that export, and the image gets the export and a virtualenv without torch
# (docs/deploy.md, "The image"). Nothing is downloaded at run time.
FROM python:3.11-slim AS source
WORKDIR /src
COPY pyproject.toml README.md constraints.txt ./
COPY core core
COPY ingest ingest
COPY index index
COPY comparison comparison
COPY compare compare
COPY api api
COPY cli cli
COPY evaluation evaluation
COPY demo demo
COPY models models

# The int8 ONNX export of the embedding model, with the tokenizer it runs with.
FROM python:3.11-slim AS model
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/model
RUN /opt/model/bin/pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
COPY --from=source /src /src
RUN /opt/model/bin/pip install -c /src/constraints.txt '/src[model]'
RUN HF_HUB_OFFLINE=1 PARALLAX_MODEL_CACHE_DIR=/opt/models /opt/model/bin/parallax prepare-model

# What the service runs: the package without the `model` extra, so without torch.
FROM python:3.11-slim AS service
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/parallax
COPY --from=source /src /src
RUN /opt/parallax/bin/pip install -c /src/constraints.txt /src

FROM python:3.11-slim
ENV PATH=/opt/parallax/bin:$PATH \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    PARALLAX_DATA_DIR=/data \
    PARALLAX_MODEL_CACHE_DIR=/opt/parallax/models \
    PYTHONUNBUFFERED=1
COPY --from=service /opt/parallax /opt/parallax
COPY --from=model /opt/models /opt/parallax/models
# /shards is where compose mounts the FAISS day shards the processes share: a volume mounted on
# it takes this ownership.
RUN useradd --system --uid 10001 --home-dir /data --create-home parallax \
    && install -d -o parallax -g parallax /shards
USER parallax
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
# Liveness only: /healthz answers while startup runs in the background (/readyz says when the
# store, the model and the indexes are loaded; use it for a load balancer's readiness).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
# The same image runs an ingest worker with: parallax worker (compose.yaml, docs/deploy.md)
CMD ["parallax", "serve", "--host", "0.0.0.0", "--port", "8000"]
