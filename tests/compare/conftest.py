from __future__ import annotations

# The engine is driven through the running app, as /compare runs it.
from tests.api.conftest import api, api_settings, outlets_file

__all__ = ["api", "api_settings", "outlets_file"]
