"""Resources: where the sources are described and where the warehouse lives.

Both are chosen by environment variables so a deployment changes no code:
HORIOKOSHI_WAREHOUSE_URL (an SQLAlchemy URL; it may hold a password, so it is read through
`dg.EnvVar` and never logged), HORIOKOSHI_SOURCES (sources.yaml) and HORIOKOSHI_DATA_DIR (the
folder that relative source paths start from). Intermediate assets go to the instance's
storage directory, DataFrames as Arrow files (pipelines/io_manager.py).
"""

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
from sqlalchemy.engine import Engine

from connectors import SourceConfig, load_sources
from pipelines.io_manager import FrameIOManager
from warehouse.publish import make_engine

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCES = REPO_ROOT / "config" / "sources.yaml"
DEFAULT_DATA_DIR = REPO_ROOT / "data" / "sample"
DEFAULT_WAREHOUSE_URL = f"duckdb:///{REPO_ROOT / 'data' / 'warehouse.duckdb'}"
TOKYO = ZoneInfo("Asia/Tokyo")


def tokyo_today(now: dt.datetime | None = None) -> dt.date:
    """Today's date in Japan, the default run date: a run at 01:00 JST (16:00 UTC the day
    before) judges dormancy as of the Japanese date."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(TOKYO).date()


class SourcesResource(dg.ConfigurableResource):
    """The configured sources of this deployment."""

    config_path: str = str(DEFAULT_SOURCES)
    data_dir: str = str(DEFAULT_DATA_DIR)

    def load(self) -> dict[str, SourceConfig]:
        return load_sources(Path(self.config_path))


class WarehouseResource(dg.ConfigurableResource):
    """The warehouse database: embedded DuckDB by default, PostgreSQL in production."""

    url: str = DEFAULT_WAREHOUSE_URL

    def engine(self) -> Engine:
        return make_engine(self.url)


def sources_path() -> Path:
    return Path(os.environ.get("HORIOKOSHI_SOURCES", DEFAULT_SOURCES))


def build_resources() -> dict[str, object]:
    """Resources for the definitions, taking the environment into account."""
    warehouse_url = (
        dg.EnvVar("HORIOKOSHI_WAREHOUSE_URL")
        if os.environ.get("HORIOKOSHI_WAREHOUSE_URL")
        else DEFAULT_WAREHOUSE_URL
    )
    return {
        "sources": SourcesResource(
            config_path=str(sources_path()),
            data_dir=os.environ.get("HORIOKOSHI_DATA_DIR", str(DEFAULT_DATA_DIR)),
        ),
        "warehouse": WarehouseResource(url=warehouse_url),
        "io_manager": FrameIOManager(),
    }
