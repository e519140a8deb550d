"""The documented deployment: compose.yaml runs two APIs and two workers on PostgreSQL, Redis
and RabbitMQ, each started only once what it needs is healthy. (No Docker engine runs here: the
file is read, and its settings are parsed as the processes would parse them.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from core.config import Settings

ROOT = Path(__file__).resolve().parents[1]
BACKING = {"postgres", "redis", "rabbitmq"}


@pytest.fixture(scope="module")
def services() -> dict[str, dict[str, Any]]:
    layout = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    found: dict[str, dict[str, Any]] = layout["services"]
    return found


def _running(services: dict[str, dict[str, Any]], command: str) -> int:
    return sum(
        int(service.get("deploy", {}).get("replicas", 1))
        for service in services.values()
        if service.get("command", [])[:2] == ["parallax", command]
    )


def test_two_apis_and_two_workers_on_the_backing_services(
    services: dict[str, dict[str, Any]],
) -> None:
    assert _running(services, "serve") == 2
    assert _running(services, "worker") == 2
    assert set(services) >= BACKING
    for name in BACKING:
        assert services[name]["healthcheck"]["test"], name


def test_parallax_processes_start_once_their_backing_services_are_healthy(
    services: dict[str, dict[str, Any]],
) -> None:
    for service in services.values():
        if service.get("command", [None])[0] != "parallax":
            continue
        assert service["depends_on"] == {name: {"condition": "service_healthy"} for name in BACKING}


def test_every_setting_is_one_parallax_knows_and_parses(
    services: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    for service in services.values():
        if service.get("command", [None])[0] != "parallax":
            continue
        environment: dict[str, str] = service["environment"]
        fields = {
            name.removeprefix("PARALLAX_").lower(): value for name, value in environment.items()
        }
        assert set(fields) <= set(Settings.model_fields), sorted(
            set(fields) - set(Settings.model_fields)
        )
        settings = Settings(data_dir=tmp_path, **fields)
        assert settings.resolved_database_url.startswith("postgresql")
        assert settings.redis_url
        assert settings.broker_url
