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
import duckdb
from sqlalchemy.engine import Engine

from connectors import SourceConfig, load_sources
from pipelines.io_manager import FrameIOManager
from pipelines.night_store import NightStore, state_fingerprint
from warehouse.publish import make_engine
from warehouse.schema import schema_signature

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


def state_root(data_dir: Path) -> Path:
    """Where state kept between runs lives: HORIOKOSHI_STATE_DIR, else `<data_dir>/.state`."""
    root = os.environ.get("HORIOKOSHI_STATE_DIR")
    return Path(root) if root else Path(data_dir) / ".state"


NIGHT_MODES = ("auto", "full", "incremental")


class NightResource(dg.ConfigurableResource):
    """Full or incremental night. `auto` (the default, or HORIOKOSHI_NIGHT_MODE) builds on the
    last committed night when there is one of the same configuration, else runs a full night;
    `full` re-reads, re-stages and re-matches everything (the weekly schedule, and the cure for
    deletions a source cannot report); `incremental` insists on building on a previous night."""

    mode: str = "auto"

    def open(
        self, run_id: str, sources: SourcesResource, warehouse: WarehouseResource
    ) -> tuple[NightStore, bool]:
        """The run's state store, and whether this night is incremental."""
        if self.mode not in NIGHT_MODES:
            raise ValueError(f"night mode must be one of {NIGHT_MODES}, got {self.mode!r}")
        store = _night_store(run_id, sources, warehouse)
        previous = store.has_committed_night()
        if self.mode == "incremental" and not previous:
            raise RuntimeError(
                "night mode 'incremental' needs a committed previous night of this "
                "configuration; run a full night first"
            )
        return store, previous and self.mode != "full"

    def next_night_is_incremental(
        self, sources: SourcesResource, warehouse: WarehouseResource
    ) -> bool:
        """What `open` will decide for the next run, which the schedule runs accordingly.
        False where `open` would fail (a mode it refuses, an unreadable sources file or
        manifest): the run is launched all the same, and fails in its first step saying why,
        which the failure alert reports; a failed schedule tick would launch nothing."""
        if self.mode not in ("auto", "incremental"):
            return False
        try:
            return _night_store("next", sources, warehouse).has_committed_night()
        except Exception:  # noqa: BLE001  the run meets the same error and reports it
            return False


def _night_store(run_id: str, sources: SourcesResource, warehouse: WarehouseResource) -> NightStore:
    fingerprint = state_fingerprint(
        Path(sources.config_path).read_text(encoding="utf-8"),
        str(Path(sources.data_dir).resolve()),
        warehouse.url,
        schema_signature(),
        f"duckdb {duckdb.__version__}",  # its row hash may change between versions
    )
    return NightStore(state_root(Path(sources.data_dir)) / "_night", run_id, fingerprint)


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
        "night": NightResource(mode=os.environ.get("HORIOKOSHI_NIGHT_MODE", "auto")),
        "io_manager": FrameIOManager(),
    }
