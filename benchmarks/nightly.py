"""The whole nightly job at deployment scale: wall time, peak memory and rows/s per step.

    .venv/bin/python benchmarks/nightly.py --size 10k 100k [--incremental] [--postgres]
        [--executor schedule|multiprocess|in_process] [--sales-db mariadb] [--lines-scale X]

`--size` counts company records over the configured sources (config/sources.yaml: the CRM CSV
exports, the 販売管理 database in SQLite, the Excel visit logs); sampledata makes about 1.96
records and 13.8 sales lines per true company. The issue asks for 1M records and 10M lines:
every size is generated with `--lines-scale` 1.43 (sampledata's extra lines on the same orders),
so 1m is ~510k companies, ~1.0M records and ~10.0M lines, and 10k / 100k have the same ~10
lines per record, which keeps the ratios between sizes comparable. Each sample is generated
once per size, seed, lines scale and run date under data/bench/ and reused.

`--sales-db mariadb` copies the sample's sales.sqlite tables into a throw-away database on the
local MariaDB (`bench_<hex>`, dropped afterwards) and runs the job with a sources file whose
sales_db reads it over pymysql (the queries translated from SQLite: CONCAT, CAST AS CHAR). The
copy's time is printed apart; the job's figures then include reading over the wire.

The job runs as the schedule runs it: `nightly` from the same definitions, launched with
`execute_job` against a persistent instance, with the executor config the 02:00 schedule
requests at that moment (`--executor schedule`, the default: the first night, with none
committed, on the multiprocess executor, one process per step, two at a time on two cores; an
incremental night in one process), as the daemon's run worker runs it; `multiprocess` or
`in_process` forces either. `--incremental` then changes 1% of the sources and runs the next
night, twice (the first incremental night after the first night ever sees every customer's
tier change for the first time; the second is like every night after it), each in a new
process, as the daemon launches every run in a new run worker (which imports the definitions
again, and on the multiprocess executor starts its forkserver: ~4 s of a night). A hook on every
step logs the step process's peak RSS (VmHWM, reset after each step so in-process steps get
their own peak); a sampler adds up the RSS of this process and its step processes for the run's
peak. `--postgres` then republishes the same intermediate data into a throw-away PostgreSQL
schema (publish step only) and prints its time. Results are appended to
data/bench/results.jsonl; several sizes print their ratios against the smallest.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import dagster as dg

REPO_ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = REPO_ROOT / "data" / "bench"
AS_OF = dt.date(2026, 11, 23)
# The incremental night is the schedule's next run: the changes are a day's, dated up to it.
NEXT_NIGHT = AS_OF + dt.timedelta(days=1)
# company records per size -> true companies (sampledata: ~1.96 records per company)
COMPANIES = {"10k": 5_100, "100k": 51_000, "1m": 510_000}
# sampledata's ~13.8 sales lines per company times this: 1m gets ~10M lines (issue 9), and the
# smaller sizes the same lines per record
LINES_SCALE = 1.43  # 1m: 10.0M lines
DEFAULT_MARIADB_URL = "mysql+pymysql://root@127.0.0.1:3306/test?charset=utf8mb4"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PEAK_MARK = "bench_peak_rss_mb="
PAGE = os.sysconf("SC_PAGE_SIZE")


def sample_dir(size: str, seed: int, lines_scale: float = LINES_SCALE) -> Path:
    """The cached sample for this size, seed and lines scale, generated on first use
    (atomically)."""
    folder = BENCH_DIR / f"sample-{size}-seed{seed}-lines{lines_scale:g}-{AS_OF}"
    if (folder / "manifest.json").exists():
        return folder
    from sampledata import generate

    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    start = time.perf_counter()
    generate(partial, n_companies=COMPANIES[size], seed=seed, as_of=AS_OF, lines_scale=lines_scale)
    partial.rename(folder)
    print(f"generated {folder.name} in {time.perf_counter() - start:.0f} s", flush=True)
    return folder


# --- memory -------------------------------------------------------------------------------


def _step_peak_mb() -> float:
    """This process's peak RSS since the last call (VmHWM, then reset by clear_refs)."""
    status = Path("/proc/self/status").read_text()
    peak = int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024
    with contextlib.suppress(OSError):  # no reset: later in-process steps see older peaks
        Path("/proc/self/clear_refs").write_text("5")
    return peak


@dg.success_hook(name="bench_peak_memory")
def _peak_on_success(context: dg.HookContext) -> None:
    context.log.info(f"{PEAK_MARK}{_step_peak_mb():.1f}")


@dg.failure_hook(name="bench_peak_memory_failed")
def _peak_on_failure(context: dg.HookContext) -> None:
    context.log.info(f"{PEAK_MARK}{_step_peak_mb():.1f}")


def metered_nightly() -> dg.JobDefinition:
    """The `nightly` job of the definitions the environment describes, with the memory hooks.
    Built at call time so each step process reads the same environment."""
    from pipelines.definitions import build_definitions

    job = build_definitions().resolve_job_def("nightly")
    return job.with_hooks({_peak_on_success, _peak_on_failure})


def _tree_rss_mb(root: int) -> float:
    """RSS of `root` and all its descendants (the step processes), from /proc."""
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, frontier = {root}, [root]
    while frontier:
        frontier = [pid for pid, ppid in parents.items() if ppid in frontier and pid not in tree]
        tree.update(frontier)
    total = 0
    for pid in tree:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        except OSError:
            continue
    return total * PAGE / 2**20


class TreeSampler(threading.Thread):
    """Samples the process tree's RSS a few times a second; `peak_mb` is the highest seen."""

    def __init__(self, interval: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.interval, self.peak_mb = interval, 0.0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self.peak_mb = max(self.peak_mb, _tree_rss_mb(os.getpid()))
            self._done.wait(self.interval)

    def stop(self) -> float:
        self._done.set()
        self.join()
        return self.peak_mb


# --- figures from the run's event log -------------------------------------------------------


@dataclass
class StepFigures:
    step: str
    start: float = 0.0
    end: float = 0.0
    spawn_s: float = 0.0  # step process launched -> step started (imports, resources)
    load_s: float = 0.0  # step start -> last input loaded (unpickling)
    store_s: float = 0.0  # output yielded -> output handled (pickling), summed
    peak_mb: float = 0.0
    rows: int = 0
    checked: dict[str, int] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)  # seconds per phase of a publish

    @property
    def wall_s(self) -> float:
        return self.end - self.start

    @property
    def rows_out(self) -> int:
        return self.rows + sum(self.checked.values())


def busy_seconds(steps: list[StepFigures]) -> float:
    """Seconds during which at least one step was running (STEP_START to its end): the rest
    of a night's wall time is orchestration (the run's start, with the forkserver's on the
    multiprocess executor, step processes starting, Dagster's bookkeeping between steps),
    whatever the night's size."""
    busy, reached = 0.0, float("-inf")
    for step in sorted(steps, key=lambda s: s.start):
        if step.end > reached:
            busy += step.end - max(step.start, reached)
            reached = step.end
    return busy


def step_figures(instance: dg.DagsterInstance, run_id: str) -> list[StepFigures]:
    """Per step: start/end, input loading and output storing time, peak RSS, rows out."""
    steps: dict[str, StepFigures] = {}
    yielded: dict[tuple[str, str], float] = {}
    for entry in instance.all_logs(run_id):
        if not entry.step_key:
            continue
        figures = steps.setdefault(entry.step_key, StepFigures(entry.step_key))
        event = entry.dagster_event
        if event is None:
            if entry.user_message.startswith(PEAK_MARK):
                figures.peak_mb = float(entry.user_message.removeprefix(PEAK_MARK))
            continue
        kind = event.event_type
        if kind == dg.DagsterEventType.STEP_WORKER_STARTING:
            figures.spawn_s = -entry.timestamp
        elif kind == dg.DagsterEventType.STEP_START:
            figures.start = entry.timestamp
            figures.spawn_s += entry.timestamp if figures.spawn_s else 0.0
        elif kind in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
            figures.end = entry.timestamp
        elif kind == dg.DagsterEventType.LOADED_INPUT:
            figures.load_s = entry.timestamp - figures.start
        elif kind == dg.DagsterEventType.STEP_OUTPUT:
            yielded[entry.step_key, event.event_specific_data.step_output_handle.output_name] = (
                entry.timestamp
            )
        elif kind == dg.DagsterEventType.HANDLED_OUTPUT:
            output = event.event_specific_data.output_name
            figures.store_s += entry.timestamp - yielded.get((entry.step_key, output), 0.0)
        elif kind == dg.DagsterEventType.ASSET_MATERIALIZATION:
            metadata = entry.asset_materialization.metadata
            count = metadata.get("dagster/row_count")
            figures.rows += int(count.value) if count is not None else 0
            if "publish_seconds" in metadata:  # the same phases on every warehouse table
                figures.phases = dict(metadata["publish_seconds"].value)
        elif kind == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            rows = evaluation.metadata.get("rows")
            if rows is not None:  # the rows an asset's checks saw: the largest of its checks
                key = evaluation.asset_key.to_user_string()  # (row_count, name_share say 1, 3)
                figures.checked[key] = max(figures.checked.get(key, 0), int(rows.value))
    return sorted(steps.values(), key=lambda s: s.start)


# --- running --------------------------------------------------------------------------------


def executor_config(executor: str) -> dict[str, object]:
    """`schedule`: the executor the nightly schedule would pick now (pipelines/schedules.py:
    in this process when the night builds on a committed one, else forked step processes);
    or either of those, forced."""
    if executor == "schedule":
        from pipelines.definitions import build_definitions

        defs = build_definitions()
        schedule = defs.resolve_schedule_def("nightly_at_2am_tokyo")
        context = dg.build_schedule_context(resources=defs.resources)
        (request,) = schedule.evaluate_tick(context).run_requests
        return request.run_config["execution"]["config"]
    return {"in_process": executor == "in_process"}


def run_executor(instance: dg.DagsterInstance, run_id: str) -> str:
    """The executor a run ran on, from its run config."""
    config = instance.get_run_by_id(run_id).run_config["execution"]["config"]
    return "in_process" if config["in_process"] else "multiprocess"


def run_nightly(
    executor: str, asset_selection: list[dg.AssetKey] | None = None, as_of: dt.date = AS_OF
) -> tuple[dg.JobExecutionResult, float, float, dg.DagsterInstance]:
    """One run of the metered nightly job against $DAGSTER_HOME, judging dormancy as of
    `as_of`: (result, wall seconds, peak MB of the process tree, instance)."""
    instance = dg.DagsterInstance.get()
    sampler = TreeSampler()
    sampler.start()
    # Timed from here: the run worker of a daemon imports the definitions too, and choosing
    # the executor from the schedule imports them in this process.
    start = time.perf_counter()
    run_config = {
        "ops": {"customer_dormancy": {"config": {"as_of": as_of.isoformat()}}},
        "execution": {"config": executor_config(executor)},
        "loggers": {"console": {"config": {"log_level": "WARNING"}}},
    }
    with quiet_stderr(Path(instance.root_directory) / "stderr.log"):
        result = dg.execute_job(
            dg.reconstructable(metered_nightly),
            instance=instance,
            run_config=run_config,
            asset_selection=asset_selection,
        )
    seconds = time.perf_counter() - start
    if not result.success:
        print(f"run {result.run_id} failed: see {instance.root_directory}/stderr.log")
    return result, seconds, sampler.stop(), instance


@contextlib.contextmanager
def quiet_stderr(path: Path) -> Iterator[None]:
    """Send this process's and its step processes' stderr (the step processes log every
    engine event at DEBUG, whatever the run config says) to a file, so the figures stay
    readable."""
    sys.stderr.flush()
    saved = os.dup(2)
    with path.open("ab") as log:
        os.dup2(log.fileno(), 2)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


def prepare_run_dir(size: str, sample: Path) -> Path:
    """A fresh instance (configured as `make run`'s), intermediate storage and DuckDB warehouse
    for one benchmark run."""
    from pipelines.instance import INSTANCE_YAML

    run_dir = BENCH_DIR / f"run-{size}"
    shutil.rmtree(run_dir, ignore_errors=True)
    (run_dir / "home").mkdir(parents=True)
    (run_dir / "home" / "dagster.yaml").write_text(INSTANCE_YAML)
    use_run_dir(run_dir, sample)
    return run_dir


def use_run_dir(run_dir: Path, sample: Path) -> None:
    """Point the job's instance, night store, warehouse and reports at `run_dir`, its sources
    at `sample`. The warehouse URL is part of the night store's fingerprint: a run directory
    reached under another path (a copy, a symlinked checkout) starts with a full night."""
    os.environ.update(
        DAGSTER_HOME=str(run_dir / "home"),
        HORIOKOSHI_DATA_DIR=str(sample),
        HORIOKOSHI_STATE_DIR=str(run_dir / "state"),
        HORIOKOSHI_WAREHOUSE_URL=f"duckdb:///{run_dir / 'warehouse.duckdb'}",
        HORIOKOSHI_REPORT_DIR=str(run_dir / "reports"),
    )
    os.environ.pop("HORIOKOSHI_QUALITY_DIR", None)


def publish_to_postgres(url: str) -> float:
    """Republish the stored intermediates into a throw-away schema; the publish step's wall s."""
    import sqlalchemy as sa

    schema = f"hk_nightly_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    scoped = sa.make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    duck_url = os.environ["HORIOKOSHI_WAREHOUSE_URL"]
    os.environ["HORIOKOSHI_WAREHOUSE_URL"] = scoped.render_as_string(hide_password=False)
    try:
        from pipelines.assets.publish import TABLE_INPUTS

        keys = [dg.AssetKey(["warehouse", table]) for table in TABLE_INPUTS]
        result, _, _, instance = run_nightly("in_process", keys)
        if not result.success:
            raise SystemExit(f"PostgreSQL publish run {result.run_id} failed")
        (publish,) = [s for s in step_figures(instance, result.run_id) if s.step.startswith("pub")]
        return publish.wall_s
    finally:
        os.environ["HORIOKOSHI_WAREHOUSE_URL"] = duck_url
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


# --- the sales database on MariaDB ---------------------------------------------------------

SALES_DB_URL_ENV = "HORIOKOSHI_BENCH_SALES_DB_URL"
# 売上日 and 金額 stay text as in the SQLite file: the sample plants an impossible date
# (2023-02-30) and 要確認 amounts that DATE / DECIMAL columns would refuse.
MARIADB_TABLES = {
    "得意先マスタ": "得意先コード VARCHAR(10) PRIMARY KEY, 得意先名 VARCHAR(200), "
    "得意先名カナ VARCHAR(200), 郵便番号 VARCHAR(10), 住所 VARCHAR(300), 電話番号 VARCHAR(30), "
    "法人番号 VARCHAR(20), 業種 VARCHAR(50), 資本金 BIGINT",
    "売上伝票": "伝票番号 INT PRIMARY KEY, 得意先コード VARCHAR(10), 売上日 VARCHAR(10)",
    "売上明細": "伝票番号 INT, 行番号 INT, 商品コード VARCHAR(20), 商品名 VARCHAR(100), "
    "数量 INT, 単価 INT, 金額 VARCHAR(20), PRIMARY KEY (伝票番号, 行番号)",
}
_CAST_TEXT = re.compile(r"CAST\(\s*([^()]+?)\s+AS\s+TEXT\s*\)", re.IGNORECASE)
_OPERAND = r"(?:CAST\([^()]*\)|'[^']*'|[\w.]+)"
_PIPES = re.compile(rf"{_OPERAND}(?:\s*\|\|\s*{_OPERAND})+")


def to_mariadb(query: str) -> str:
    """SQLite's `CAST(x AS TEXT)` and `a || b` in MariaDB's words: CAST AS CHAR, CONCAT."""
    query = _CAST_TEXT.sub(r"CAST(\1 AS CHAR)", query)
    return _PIPES.sub(
        lambda m: "CONCAT(" + ", ".join(p.strip() for p in m.group().split("||")) + ")", query
    )


def mariadb_sources(folder: Path) -> Path:
    """The configured sources file with sales_db on MariaDB: its URL from SALES_DB_URL_ENV
    (never written to the file), its queries translated."""
    import yaml

    from pipelines.resources import sources_path

    doc = yaml.safe_load(sources_path().read_text(encoding="utf-8"))
    sales = doc["sources"]["sales_db"]
    sales.pop("url", None)
    sales["url_env"] = SALES_DB_URL_ENV
    for mapping in sales["entities"].values():
        if mapping.get("query"):
            mapping["query"] = to_mariadb(mapping["query"])
    path = folder / "sources.mariadb.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@contextlib.contextmanager
def mariadb_sales_db(sample: Path, server_url: str) -> Iterator[tuple[str, float]]:
    """A throw-away MariaDB database holding the sample's sales.sqlite tables, dropped on
    exit: yields (its URL, seconds the copy took)."""
    import sqlalchemy as sa

    name = f"bench_{uuid.uuid4().hex[:12]}"
    server = sa.make_url(server_url)
    admin = sa.create_engine(server)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
    url = server.set(database=name)
    try:
        start = time.perf_counter()
        target = sa.create_engine(url)
        raw = target.raw_connection()
        source = sqlite3.connect(sample / "sales.sqlite")
        try:
            cursor = raw.cursor()
            for table, columns in MARIADB_TABLES.items():
                cursor.execute(f"CREATE TABLE `{table}` ({columns})")
                rows = source.execute(f"SELECT * FROM {table}")
                marks = ", ".join(["%s"] * len(rows.description))
                insert = f"INSERT INTO `{table}` VALUES ({marks})"
                while batch := rows.fetchmany(20_000):
                    cursor.executemany(insert, batch)  # pymysql: multi-row INSERTs
                raw.commit()
        finally:
            source.close()
            raw.close()
            target.dispose()
        yield url.render_as_string(hide_password=False), time.perf_counter() - start
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
        admin.dispose()


@contextlib.contextmanager
def sales_db_on(sales_db: str, sample: Path, run_dir: Path, server_url: str) -> Iterator[float]:
    """Point the job's sales_db at `sales_db` for the duration; yields the copy's seconds."""
    if sales_db == "sqlite":
        yield 0.0
        return
    saved = {k: os.environ.get(k) for k in ("HORIOKOSHI_SOURCES", SALES_DB_URL_ENV)}
    with mariadb_sales_db(sample, server_url) as (url, seconds):
        os.environ[SALES_DB_URL_ENV] = url
        os.environ["HORIOKOSHI_SOURCES"] = str(mariadb_sources(run_dir))
        try:
            yield seconds
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


# --- printing -------------------------------------------------------------------------------


def print_steps(size: str, executor: str, steps: list[StepFigures]) -> None:
    print(f"\n== {size} ({executor})")
    print(
        f"{'step':<22}{'spawn s':>8}{'wall s':>9}{'load s':>8}{'store s':>9}{'peak MB':>9}"
        f"{'rows out':>12}{'rows/s':>11}"
    )
    for s in steps:
        rate = f"{s.rows_out / s.wall_s:>11,.0f}" if s.rows_out and s.wall_s else f"{'':>11}"
        print(
            f"{s.step:<22}{s.spawn_s:>8.1f}{s.wall_s:>9.1f}{s.load_s:>8.1f}{s.store_s:>9.1f}{s.peak_mb:>9.0f}"
            f"{s.rows_out:>12,}{rate}"
        )
    for s in steps:
        if s.phases:
            slowest = sorted(s.phases.items(), key=lambda phase: -phase[1])
            shown = ", ".join(f"{name} {seconds:.2f}" for name, seconds in slowest)
            print(f"{s.step} phases (s): {shown}")


def print_busy(steps: list[StepFigures], wall: float, executor: str) -> float:
    """Print and return the seconds some step was running, and the night's other seconds."""
    busy = round(busy_seconds(steps), 1)
    held = "the forkserver's start, step processes starting" if executor == "multiprocess" else ""
    print(
        f"{'':<22}{'':>8}{'':>9}   steps running {busy:.1f} s, none running {wall - busy:.1f} s "
        f"(the run's start, {held + ', ' if held else ''}Dagster's bookkeeping)"
    )
    return busy


def print_ratios(results: list[dict[str, object]]) -> None:
    """Each run against the smallest: records and lines, wall time, peak memory and the cost
    per record (µs of wall time, KB of peak); `x µs/rec` below 1 means cheaper per record."""
    if len(results) < 2:
        return
    base = min(results, key=lambda r: r["records"])

    def per_record(r: dict[str, object]) -> tuple[float, float]:
        return r["wall_s"] * 1e6 / r["records"], r["peak_mb"] * 1024 / r["records"]

    base_us, base_kb = per_record(base)
    print(
        f"\n{'size':<6}{'sales db':>9}{'records':>11}{'lines':>12}{'x rec':>7}{'wall s':>9}"
        f"{'x wall':>8}{'peak MB':>9}{'x peak':>8}{'µs/rec':>8}{'x µs/rec':>10}{'KB/rec':>8}"
        f"{'x KB/rec':>10}"
    )
    for r in results:
        us, kb = per_record(r)
        print(
            f"{r['size']:<6}{r.get('sales_db', 'sqlite'):>9}{r['records']:>11,}"
            f"{r['sales_lines']:>12,}{r['records'] / base['records']:>7.1f}{r['wall_s']:>9.1f}"
            f"{r['wall_s'] / base['wall_s']:>8.1f}{r['peak_mb']:>9.0f}"
            f"{r['peak_mb'] / base['peak_mb']:>8.1f}{us:>8.0f}{us / base_us:>10.2f}{kb:>8.1f}"
            f"{kb / base_kb:>10.2f}"
        )


def working_copy(sample: Path, run_dir: Path) -> Path:
    """A copy of the cached sample that an incremental night may change."""
    copy = run_dir / "sample"
    shutil.copytree(sample, copy, ignore=shutil.ignore_patterns(".state"))
    return copy


def incremental_night(
    sample: Path, args: argparse.Namespace, full: dict[str, object], night: dt.date, seed: int
) -> dict[str, object]:
    """Change 1% of the sources (untimed, drawn with `seed`, dated up to NEXT_NIGHT: the
    checks refuse dates after today), then run the night of `night`: the default night mode
    builds on the night committed before, as the schedule's next run would."""
    from sampledata.changes import apply_changes

    start = time.perf_counter()
    changes = apply_changes(sample, fraction=args.change_fraction, seed=seed, as_of=NEXT_NIGHT)
    print(
        f"\n{args.change_fraction:.0%} of the sources changed in "
        f"{time.perf_counter() - start:.0f} s (not timed): {changes}",
        flush=True,
    )
    run_id, success, wall, tree_peak = night_in_subprocess(args.executor, night)
    instance = dg.DagsterInstance.get()
    steps = step_figures(instance, run_id)
    executor = run_executor(instance, run_id)
    print_steps(f"incremental night of {night}", executor, steps)
    peak = round(max([tree_peak, *(s.peak_mb for s in steps)]), 0)
    ratio = wall / full["wall_s"]
    print(
        f"{'total':<22}{'':>8}{wall:>9.1f}{'':>17}{peak:>9.0f}"
        f"   {ratio:.1%} of the full night's {full['wall_s']:.1f} s"
        f"{'' if success else '  RUN FAILED'}"
    )
    busy = print_busy(steps, wall, executor)
    return {
        "success": success,
        "executor": executor,
        "busy_s": busy,
        "changes": changes,
        "wall_s": round(wall, 1),
        "peak_mb": peak,
        "ratio_to_full": round(ratio, 3),
        "steps": [asdict(s) | {"wall_s": round(s.wall_s, 2)} for s in steps],
    }


def bench(size: str, args: argparse.Namespace) -> dict[str, object]:
    sample = sample_dir(size, args.seed, args.lines_scale)
    manifest = json.loads((sample / "manifest.json").read_text(encoding="utf-8"))
    run_dir = prepare_run_dir(size, sample)
    if args.incremental:
        sample = working_copy(sample, run_dir)
        os.environ["HORIOKOSHI_DATA_DIR"] = str(sample)
    with sales_db_on(args.sales_db, sample, run_dir, args.mariadb_url) as load_s:
        if args.sales_db != "sqlite":
            print(f"\nsales.sqlite copied to {args.sales_db} in {load_s:.1f} s", flush=True)
        result, wall, tree_peak, instance = run_nightly(args.executor)
        steps = step_figures(instance, result.run_id)
        executor = run_executor(instance, result.run_id)
        print_steps(f"{size}, sales db on {args.sales_db}", executor, steps)
        records = manifest["files"]["truth.csv"]["rows"]  # one truth row per company record
        lines = manifest["files"]["sales.sqlite"]["tables"]["売上明細"]
        figures: dict[str, object] = {
            "size": size,
            "executor": executor,
            "sales_db": args.sales_db,
            "lines_scale": args.lines_scale,
            "success": result.success,
            "records": records,
            "sales_lines": lines,
            "wall_s": round(wall, 1),
            "peak_mb": round(max([tree_peak, *(s.peak_mb for s in steps)]), 0),
            "steps": [asdict(s) | {"wall_s": round(s.wall_s, 2)} for s in steps],
            "at": dt.datetime.now().isoformat(timespec="seconds"),
        }
        if args.sales_db != "sqlite":
            figures["sales_db_load_s"] = round(load_s, 1)
        print(
            f"{'total':<22}{'':>8}{wall:>9.1f}{'':>17}{figures['peak_mb']:>9.0f}"
            f"   {records:,} company records, {lines:,} sales lines"
            f"{'' if result.success else '  RUN FAILED'}"
        )
        figures["busy_s"] = print_busy(steps, wall, executor)
        if args.postgres and result.success:
            figures["postgres_publish_s"] = round(publish_to_postgres(args.postgres_url), 1)
            print(f"{'PostgreSQL publish':<22}{'':>8}{figures['postgres_publish_s']:>9.1f}")
        if args.incremental and result.success:
            # The first incremental night after the first night ever judges every customer's
            # tier change for the first time; the second is a night like the ones after it.
            first = incremental_night(sample, args, figures, NEXT_NIGHT, args.seed)
            figures["incremental"] = first
            if first["success"]:
                later = NEXT_NIGHT + dt.timedelta(days=1)
                figures["incremental_later"] = incremental_night(
                    sample, args, figures, later, args.seed + 1
                )
    with (BENCH_DIR / "results.jsonl").open("a", encoding="utf-8") as out:
        out.write(json.dumps(figures, ensure_ascii=False) + "\n")
    return figures


def night_in_subprocess(executor: str, as_of: dt.date) -> tuple[str, bool, float, float]:
    """One night in a process of its own, as the daemon launches every run in a new run worker:
    the forkserver its steps fork from starts (importing the definitions) within the night's
    time, as it does for the full night, the first in its process. (run id, success, wall
    seconds, peak MB of the process tree)."""
    done = subprocess.run(
        [sys.executable, __file__, "--one-night", as_of.isoformat(), "--executor", executor],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"the night of {as_of} did not run:\n{done.stderr[-2000:]}")
    night = json.loads(done.stdout.splitlines()[-1])
    return night["run_id"], night["success"], night["wall_s"], night["peak_mb"]


def one_night(executor: str, as_of: dt.date) -> int:
    """`--one-night`: run the night in this process's environment, print its figures as JSON."""
    result, wall, tree_peak, _ = run_nightly(executor, as_of=as_of)
    night = {"run_id": result.run_id, "success": result.success, "wall_s": wall}
    print(json.dumps({**night, "peak_mb": tree_peak}))
    return 0


def bench_in_subprocess(size: str, argv: list[str]) -> dict[str, object]:
    """One size in a process of its own: the forkserver the step processes fork from keeps
    the environment it started with, and each size has its own (a run of the daemon has its
    own run worker for the same reason)."""
    others = [a for a in argv if a not in COMPANIES and a != "--size"]
    subprocess.run([sys.executable, __file__, "--size", size, *others], check=False)
    with (BENCH_DIR / "results.jsonl").open(encoding="utf-8") as results:
        last = json.loads(results.readlines()[-1])
    if last["size"] != size:
        raise SystemExit(f"the {size} run recorded no result")
    return last


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", nargs="+", choices=list(COMPANIES), default=["10k"])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--executor", choices=["schedule", "multiprocess", "in_process"], default="schedule"
    )
    parser.add_argument(
        "--lines-scale",
        type=float,
        default=LINES_SCALE,
        help=f"sampledata's lines_scale for the samples (default {LINES_SCALE}: 1m has ~10M lines)",
    )
    parser.add_argument(
        "--sales-db",
        choices=["sqlite", "mariadb"],
        default="sqlite",
        help="where the 販売管理 tables are read from (mariadb: a throw-away database)",
    )
    parser.add_argument(
        "--mariadb-url",
        default=os.environ.get("HORIOKOSHI_BENCH_MARIADB_URL", DEFAULT_MARIADB_URL),
        help="server for --sales-db mariadb (its database part is replaced)",
    )
    parser.add_argument("--postgres", action="store_true", help="also time the PostgreSQL publish")
    parser.add_argument(
        "--incremental",
        action="store_true",
        help="after the full night, change 1%% of the sources and time the next night; twice",
    )
    parser.add_argument("--change-fraction", type=float, default=0.01)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("HORIOKOSHI_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
    )
    parser.add_argument("--one-night", type=dt.date.fromisoformat, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one_night:
        return one_night(args.executor, args.one_night)
    if len(args.size) == 1:
        results = [bench(args.size[0], args)]
    else:
        results = [bench_in_subprocess(size, argv or sys.argv[1:]) for size in args.size]
    print_ratios(results)
    return 0 if all(r["success"] for r in results) else 1


if __name__ == "__main__":
    from pipelines.teardown import exit_quietly

    exit_quietly(main(sys.argv[1:]))
