"""The newsroom dashboard: server-rendered pages over the archive, with htmx served from the
package (no CDN, no build step), and Swagger UI for `/docs` served the same way."""

from api.dashboard.assets import install_assets
from api.dashboard.routes import router

__all__ = ["install_assets", "router"]
