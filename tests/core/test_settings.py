from __future__ import annotations

from pathlib import Path

import pytest

from core.config import Settings
from core.settings_doc import settings_markdown

DOCS = Path(__file__).resolve().parents[2] / "docs" / "settings.md"


def test_settings_doc_is_current() -> None:
    assert DOCS.read_text(encoding="utf-8") == settings_markdown(), (
        "docs/settings.md is stale: regenerate it with `parallax settings > docs/settings.md`"
    )


def test_every_setting_is_described() -> None:
    missing = [name for name, field in Settings.model_fields.items() if not field.description]
    assert missing == []


def test_private_hosts_are_read_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARALLAX_ALLOWED_PRIVATE_HOSTS", "127.0.0.1, localhost,10.0.0.0/8")
    assert Settings().allowed_private_hosts == ["127.0.0.1", "localhost", "10.0.0.0/8"]


def test_database_defaults_to_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.resolved_database_url == f"sqlite:///{tmp_path.resolve()}/parallax.db"
