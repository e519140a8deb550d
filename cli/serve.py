"""`parallax serve` and `parallax keygen`: plain functions the CLI app registers as commands."""

from __future__ import annotations

from typing import Annotated

import typer

__all__ = ["keygen", "serve"]


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    demo: Annotated[
        bool,
        typer.Option(
            help="Serve the invented demo outlets locally and ingest their coverage.", metavar=""
        ),
    ] = False,
    demo_port: Annotated[int, typer.Option(help="Port of the demo outlets' server.")] = 8765,
) -> None:
    """Serve the API, with the in-process ingest workers, on the store in PARALLAX_DATA_DIR."""
    # Imported here so that `parallax --help` does not pay for FastAPI and the ingest stack.
    from api.main import create_app
    from cli.shutdown import run_bounded
    from core.config import Settings

    settings = Settings()
    if not demo:
        # One process: the ingest workers, the model and the indexes live in it.
        typer.echo(f"dashboard at http://{host}:{port}/, API docs at http://{host}:{port}/docs")
        run_bounded(create_app(settings), settings, host=host, port=port)
        return

    from cli.demo import demo_settings
    from demo.server import DemoSite

    with DemoSite(port=demo_port) as site:
        slugs = [outlet.slug for outlet in site.outlets()]
        app = create_app(
            demo_settings(settings),
            extra_outlets=site.outlets(),
            include_registry=False,
            on_startup=lambda service: service.submit_feeds(slugs),
        )
        typer.echo(
            f"demo outlets at {site.base_url}/; dashboard at http://{host}:{port}/, "
            f"API docs at http://{host}:{port}/docs"
        )
        run_bounded(app, settings, host=host, port=port)


def keygen() -> None:
    """Print a new API key and the hash to configure (PARALLAX_API_KEY_HASHES or a keys file).

    Only the hash is kept by the server; hand the key to the caller once.
    """
    from api.security import generate_api_key

    key, digest = generate_api_key()
    typer.echo(f"key:  {key}")
    typer.echo(f"hash: {digest}")
