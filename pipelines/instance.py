"""The persistent Dagster instance used by `make run` and `make ui` ($DAGSTER_HOME).

Defaults to the git-ignored folder .dagster_home/ at the repo root, so the UI opened after a
`make run` shows that run's materialisations and check results. Run as a module to create it.
"""

import os
from pathlib import Path

from pipelines.resources import REPO_ROOT

DEFAULT_HOME = REPO_ROOT / ".dagster_home"
# Local storage (SQLite) suits one data engineer's machine; docs/ has the PostgreSQL version.
# Runs keep INFO and above: every stored log line is an event (~5 ms to write), and the DEBUG
# ones are the IO manager's "Loading file from" / "Writing file at", two per intermediate.
INSTANCE_YAML = "telemetry:\n  enabled: false\npython_logs:\n  python_log_level: INFO\n"


def ensure_instance_home() -> Path:
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(DEFAULT_HOME)))
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(INSTANCE_YAML, encoding="utf-8")
    return home


if __name__ == "__main__":
    print(ensure_instance_home())
