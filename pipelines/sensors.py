"""Sensors: a run when sales staff drop a new export, an alert when a run fails.

Drop folder: HORIOKOSHI_DROP_DIR (default the data dir) is scanned for Excel/CSV files; the
cursor keeps each file's modification time and size, so every new or changed file asks for
one `nightly` run (its run key is the file and that signature, so Dagster never starts it
twice) and an unchanged folder asks for none. The first evaluation only records what is
already there: turning the sensor on does not re-run the pipeline for old files.

Run failure: posts Slack-compatible JSON (`text` + `blocks`) to HORIOKOSHI_ALERT_WEBHOOK_URL
with the failed steps and each one's first error line. The URL is itself a secret (anyone
holding it can post): it is read from the environment, never logged, and left out of every
error this module raises. The message is scrubbed of the values of secret environment
variables (by name, and every variable a source names in sources.yaml).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import dagster as dg
import httpx
from dagster_shared.error import SerializableErrorInfo

from connectors import ConnectorError, file_signature, load_sources
from pipelines.resources import (
    DEFAULT_DATA_DIR,
    NightResource,
    SourcesResource,
    WarehouseResource,
    sources_path,
)
from pipelines.schedules import next_night_run_config, nightly_job

DROP_SUFFIXES = frozenset({".csv", ".xlsx", ".xlsm", ".xls"})
WEBHOOK_ENV = "HORIOKOSHI_ALERT_WEBHOOK_URL"
SECRET_NAME = re.compile(
    r"PASSW|SECRET|TOKEN|API_?KEY|PRIVATE|CREDENTIAL|AUTH|CLIENT_ID|WEBHOOK|_URL$|_DSN$", re.I
)
MIN_SECRET_LENGTH = 4
MAX_ERROR_LINE = 300
MAX_STEPS = 5


def drop_dir() -> Path:
    """The watched folder, read at every evaluation so a deployment changes no code."""
    return Path(
        os.environ.get("HORIOKOSHI_DROP_DIR")
        or os.environ.get("HORIOKOSHI_DATA_DIR")
        or DEFAULT_DATA_DIR
    )


def scan_exports(folder: Path) -> dict[str, str]:
    """Relative path -> "mtime_ns:size" of every export under `folder`; hidden folders (the
    API state in .state/) and Excel's lock files (~$name.xlsx) are not exports."""
    found = {}
    for path in folder.rglob("*"):
        relative = path.relative_to(folder)
        if (
            path.suffix.lower() not in DROP_SUFFIXES
            or path.name.startswith("~$")
            or any(part.startswith(".") for part in relative.parts)
            or not path.is_file()
        ):
            continue
        found[relative.as_posix()] = file_signature(path)
    return found


def build_drop_folder_sensor(quiet_nights_in_process: bool = True) -> dg.SensorDefinition:
    """The drop-folder sensor; `quiet_nights_in_process` as in `next_night_run_config`."""

    @dg.sensor(
        name="drop_folder_sensor",
        job=nightly_job,
        minimum_interval_seconds=30,
        description="Starts the nightly job once per new or changed Excel/CSV export in "
        "HORIOKOSHI_DROP_DIR (default: the data dir).",
    )
    def drop_folder_sensor(
        context: dg.SensorEvaluationContext,
        night: NightResource,
        sources: SourcesResource,
        warehouse: WarehouseResource,
    ) -> dg.SensorResult:
        folder = drop_dir()
        if not folder.is_dir():
            return dg.SensorResult(skip_reason=f"drop folder {folder} does not exist")
        current = scan_exports(folder)
        cursor = json.dumps(current, sort_keys=True)
        if context.cursor is None:
            return dg.SensorResult(
                skip_reason=f"first look at {folder}: {len(current)} existing exports recorded",
                cursor=cursor,
            )
        seen = json.loads(context.cursor)
        changed = sorted(p for p, signature in current.items() if seen.get(p) != signature)
        run_config = {}
        if changed:
            run_config = next_night_run_config(quiet_nights_in_process, night, sources, warehouse)
        return dg.SensorResult(
            run_requests=[
                dg.RunRequest(
                    run_key=f"{path}@{current[path]}",
                    run_config=run_config,
                    tags={"horiokoshi/export": path},
                )
                for path in changed
            ],
            cursor=cursor,
        )

    return drop_folder_sensor


class AlertDeliveryError(RuntimeError):
    """The webhook refused or could not be reached (the URL is deliberately not named)."""


def secret_values(environ: dict[str, str], declared: set[str]) -> list[str]:
    """Values to scrub: variables whose name says secret or that a source declares, and the
    password inside any URL-valued variable. Longest first, so no secret is half-replaced."""
    values = set()
    for name, value in environ.items():
        if SECRET_NAME.search(name) or name in declared:
            values.add(value)
        password = urlsplit(value).password if "://" in value else None
        if password:
            values.add(password)
    return sorted((v for v in values if len(v) >= MIN_SECRET_LENGTH), key=len, reverse=True)


def declared_secret_names() -> set[str]:
    """Environment variables the configured sources read (url_env, secrets)."""
    try:
        sources = load_sources(sources_path())
    except ConnectorError:  # a broken sources.yaml must not swallow the alert about it
        return set()
    names = {s.url_env for s in sources.values() if s.url_env}
    return names | {env for s in sources.values() for env in s.secrets.values()}


def scrub(text: str, secrets: list[str]) -> str:
    for value in secrets:
        text = text.replace(value, "***")
    return text


def first_error_line(error: SerializableErrorInfo | None) -> str:
    """The first line of the user's exception: Dagster wraps it, the cause is what failed."""
    if error is None:
        return "(no error recorded)"
    while error.cause is not None and error.cls_name and error.cls_name.startswith("Dagster"):
        error = error.cause
    lines = error.message.strip().splitlines() or [error.cls_name or "error"]
    return lines[0][:MAX_ERROR_LINE]


def failure_message(
    job: str, run_id: str, failures: list[tuple[str, str]], secrets: list[str]
) -> dict:
    """Slack-compatible payload for a failed run; `failures` are (step, first error line)."""
    lines = [f":rotating_light: horiokoshi: run of `{job}` failed (run {run_id})"]
    lines += [f"• step `{step}`: {error}" for step, error in failures[:MAX_STEPS]]
    if len(failures) > MAX_STEPS:
        lines.append(f"• … and {len(failures) - MAX_STEPS} more failed steps")
    text = scrub("\n".join(lines), secrets)
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


def post_alert(url: str, payload: dict) -> None:
    try:
        response = httpx.post(url, json=payload, timeout=10)
    except httpx.HTTPError as error:
        raise AlertDeliveryError(f"alert webhook unreachable: {type(error).__name__}") from None
    if response.status_code >= 400:
        raise AlertDeliveryError(f"alert webhook answered HTTP {response.status_code}")


@dg.run_failure_sensor(
    name="alert_on_run_failure",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Posts the failed steps and first error lines of a failed run to the "
    f"webhook in {WEBHOOK_ENV} (Slack-compatible), with secret values scrubbed.",
)
def alert_on_run_failure(context: dg.RunFailureSensorContext) -> None:
    url = dg.EnvVar(WEBHOOK_ENV).get_value()
    if not url:
        context.log.info(f"{WEBHOOK_ENV} is not set: no alert sent")
        return
    failures = [
        (event.step_key or "?", first_error_line(event.step_failure_data.error))
        for event in context.get_step_failure_events()
    ]
    if not failures:  # the run failed outside any step (e.g. a resource or the run worker)
        failures = [("(run)", first_error_line(context.failure_event.event_specific_data.error))]
    secrets = secret_values(dict(os.environ), declared_secret_names())
    run = context.dagster_run
    post_alert(url, failure_message(run.job_name, run.run_id, failures, secrets))
    context.log.info(f"alert posted for run {run.run_id}")


def build_sensors(quiet_nights_in_process: bool = True) -> list[dg.SensorDefinition]:
    return [build_drop_folder_sensor(quiet_nights_in_process), alert_on_run_failure]
