# One CPU image for the API and the ingest workers; the embedding model ships inside a
# Python package, so it is baked in at build time and nothing is downloaded at run time.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/parallax
RUN /opt/parallax/bin/pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
COPY pyproject.toml README.md ./
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
RUN /opt/parallax/bin/pip install .
# The int8 ONNX form of the embedding model, built once into the image.
RUN HF_HUB_OFFLINE=1 PARALLAX_MODEL_CACHE_DIR=/opt/parallax/models /opt/parallax/bin/parallax prepare-model

FROM python:3.11-slim
ENV PATH=/opt/parallax/bin:$PATH \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    PARALLAX_DATA_DIR=/data \
    PARALLAX_MODEL_CACHE_DIR=/opt/parallax/models \
    PYTHONUNBUFFERED=1
COPY --from=build /opt/parallax /opt/parallax
RUN useradd --system --uid 10001 --home-dir /data --create-home parallax
USER parallax
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
# Liveness only: /healthz answers while startup runs in the background (/readyz says when the
# store, the model and the indexes are loaded; use it for a load balancer's readiness).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
# The same image runs a worker with: parallax ingest --feeds
CMD ["parallax", "serve", "--host", "0.0.0.0", "--port", "8000"]
