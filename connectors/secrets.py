"""Secrets come from environment variables whose names the configuration holds."""

from __future__ import annotations

import os
from pathlib import Path

from connectors.base import ConnectorError, SourceConfig


def env_value(name: str, what: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise ConnectorError(f"environment variable {name} ({what}) is not set")
    return value


def secret(config: SourceConfig, key: str) -> str:
    """The value of the environment variable that `secrets.<key>` names."""
    return env_value(config.secrets[key], f"secrets.{key}")


def resolve_url(config: SourceConfig, data_dir: Path) -> str:
    """The database/base URL: from the named environment variable (secrets) or the config."""
    if config.url_env:
        return env_value(config.url_env, "url_env")
    return (config.url or "").format(data_dir=data_dir.resolve())
