"""The drop-folder sensor (one run per new or changed export, none without a change) and the
run-failure alert (posted to a local webhook, failed step and first error line, no secrets)."""

from __future__ import annotations

import json
import threading
import traceback
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import dagster as dg
import pytest

from cleansing.dormancy.rules import DEFAULT_RULES_PATH
from pipelines.resources import NightResource, SourcesResource, WarehouseResource
from pipelines.sensors import AlertDeliveryError, alert_on_run_failure, build_drop_folder_sensor
from sampledata import generate
from tests.integration.harness import AS_OF, build_defs, run_nightly
from tests.nights import commit_a_night

RESOURCES: dict[str, object] = {}
drop_folder_sensor = build_drop_folder_sensor()


def evaluate(cursor: str | None) -> dg.SensorResult:
    context = dg.build_sensor_context(cursor=cursor, resources=RESOURCES)
    return drop_folder_sensor.evaluate_tick(context)


@pytest.fixture
def drop_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "drop"
    (folder / "exports").mkdir(parents=True)
    (folder / "exports" / "uriage_2026_10.csv").write_text("明細ID,金額\n1,100\n", encoding="utf-8")
    monkeypatch.setenv("HORIOKOSHI_DROP_DIR", str(folder))
    monkeypatch.setitem(RESOURCES, "sources", SourcesResource(data_dir=str(tmp_path / "data")))
    monkeypatch.setitem(RESOURCES, "warehouse", WarehouseResource(url=f"duckdb:///{tmp_path}/w.db"))
    monkeypatch.setitem(RESOURCES, "night", NightResource())
    return folder


def test_a_dropped_file_requests_one_run_and_no_change_requests_none(drop_dir: Path) -> None:
    baseline = evaluate(None)
    assert baseline.run_requests == [] and baseline.cursor is not None

    (drop_dir / "exports" / "uriage_2026_11.csv").write_text("明細ID,金額\n2,5\n", encoding="utf-8")
    dropped = evaluate(baseline.cursor)
    assert len(dropped.run_requests) == 1
    request = dropped.run_requests[0]
    assert request.tags["horiokoshi/export"] == "exports/uriage_2026_11.csv"
    assert request.run_key.startswith("exports/uriage_2026_11.csv@")
    # no night committed yet: the run is a full night, a process per step
    assert request.run_config == {"execution": {"config": {"in_process": False}}}

    assert drop_folder_sensor.job_name == "nightly"

    again = evaluate(dropped.cursor)
    assert again.run_requests == []
    assert again.cursor == dropped.cursor


def test_a_drop_after_a_committed_night_runs_in_one_process(drop_dir: Path) -> None:
    baseline = evaluate(None)
    commit_a_night(RESOURCES["sources"], RESOURCES["warehouse"])
    (drop_dir / "exports" / "uriage_2026_11.csv").write_text("明細ID,金額\n2,5\n", encoding="utf-8")
    (request,) = evaluate(baseline.cursor).run_requests
    assert request.run_config == {"execution": {"config": {"in_process": True}}}
    # on an executor of its own (Celery's), the sensor requests no executor config
    context = dg.build_sensor_context(cursor=baseline.cursor, resources=RESOURCES)
    (request,) = build_drop_folder_sensor(False).evaluate_tick(context).run_requests
    assert request.run_config == {}


def test_a_changed_file_requests_a_run_other_files_do_not(drop_dir: Path) -> None:
    cursor = evaluate(None).cursor
    (drop_dir / "exports" / "uriage_2026_10.csv").write_text(
        "明細ID,金額\n1,100\n3,250\n", encoding="utf-8"
    )
    (drop_dir / "notes.txt").write_text("not an export", encoding="utf-8")
    (drop_dir / "~$訪問記録.xlsx").write_bytes(b"excel lock file")
    (drop_dir / ".state").mkdir()
    (drop_dir / ".state" / "snapshot.csv").write_text("id\n1\n", encoding="utf-8")
    changed = evaluate(cursor)
    assert [r.tags["horiokoshi/export"] for r in changed.run_requests] == [
        "exports/uriage_2026_10.csv"
    ]


class Webhook(BaseHTTPRequestHandler):
    """Records every JSON body posted to it and answers `status[0]` (200, as Slack does)."""

    received: list[dict]
    status: list[int]

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        length = int(self.headers["Content-Length"])
        self.received.append(json.loads(self.rfile.read(length)))
        self.send_response(self.status[0])
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args) -> None:  # keep the test output clean
        pass


@pytest.fixture
def status() -> list[int]:
    """The webhook's answer; a test may change it."""
    return [200]


@pytest.fixture
def webhook(monkeypatch: pytest.MonkeyPatch, status: list[int]) -> Iterator[list[dict]]:
    """A webhook on 127.0.0.1 (port chosen by the OS) whose URL carries a secret path."""
    received: list[dict] = []
    handler = type("Handler", (Webhook,), {"received": received, "status": status})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/services/T0001/B0001/hook-secret-9f8e7d"
    monkeypatch.setenv("HORIOKOSHI_ALERT_WEBHOOK_URL", url)
    yield received
    server.shutdown()
    server.server_close()


def alert_for(result: dg.ExecuteInProcessResult, instance: dg.DagsterInstance) -> None:
    """Evaluate the run-failure sensor on a finished run, as the daemon would."""
    run = instance.get_run_by_id(result.run_id)
    failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.RUN_FAILURE)
    context = dg.build_run_status_sensor_context(
        sensor_name=alert_on_run_failure.name,
        dagster_event=failure,
        dagster_instance=instance,
        dagster_run=run,
    ).for_run_failure()
    alert_on_run_failure(context)


def test_a_failed_nightly_run_posts_the_step_and_first_error_line(
    tmp_path: Path, webhook: list[dict]
) -> None:
    generate(tmp_path / "sample", n_companies=60, seed=3, as_of=AS_OF)
    rules = tmp_path / "rules.yaml"
    text = DEFAULT_RULES_PATH.read_text(encoding="utf-8")
    rules.write_text(text.replace("at_risk_months: 6", "at_risk_monthz: 6", 1), encoding="utf-8")
    instance = dg.DagsterInstance.ephemeral()
    result = run_nightly(
        build_defs(tmp_path / "sample", tmp_path), AS_OF, instance, rules_path=str(rules)
    )
    assert not result.success

    alert_for(result, instance)
    assert len(webhook) == 1
    text = webhook[0]["text"]
    assert webhook[0]["blocks"][0]["text"]["text"] == text
    assert f"run of `nightly` failed (run {result.run_id})" in text
    assert f"step `customer_dormancy`: ValueError: invalid dormancy rules in {rules}" in text
    assert "Stack Trace" not in text and "hook-secret-9f8e7d" not in text


def test_secret_values_never_reach_the_webhook(
    webhook: list[dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    token, password = "kintone-tok-5b1c2d3e", "pa55-w0rd-7q"
    monkeypatch.setenv("KINTONE_API_TOKEN", token)
    monkeypatch.setenv("HANBAI_DB", f"mysql+pymysql://reader:{password}@db:3306/hanbai")
    url = dg.EnvVar("HORIOKOSHI_ALERT_WEBHOOK_URL").get_value()

    @dg.asset
    def kintone_pull() -> None:
        raise PermissionError(
            f"kintone refused api token {token} (reader:{password}); alert via {url}"
        )

    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([kintone_pull], instance=instance, raise_on_error=False)
    assert not result.success

    alert_for(result, instance)
    body = json.dumps(webhook, ensure_ascii=False)
    assert "step `kintone_pull`: PermissionError: kintone refused api token ***" in body
    for secret in (token, password, url, "hook-secret-9f8e7d"):
        assert secret not in body


def test_no_webhook_configured_posts_nothing(
    webhook: list[dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HORIOKOSHI_ALERT_WEBHOOK_URL")

    @dg.asset
    def broken() -> None:
        raise RuntimeError("on purpose")

    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([broken], instance=instance, raise_on_error=False)
    alert_for(result, instance)
    assert webhook == []


def test_a_refused_alert_fails_the_tick_without_naming_the_url(
    webhook: list[dict], status: list[int]
) -> None:
    status[0] = 500

    @dg.asset
    def broken() -> None:
        raise RuntimeError("on purpose")

    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([broken], instance=instance, raise_on_error=False)
    with pytest.raises(AlertDeliveryError) as raised:
        alert_for(result, instance)
    assert len(webhook) == 1
    assert str(raised.value) == "alert webhook answered HTTP 500"
    shown = "".join(traceback.format_exception(raised.value))
    assert "hook-secret-9f8e7d" not in shown and "127.0.0.1" not in shown
