"""The Dagster instance configurations the project ships (`make run`'s and docs/dagster.yaml)."""

from pathlib import Path

import dagster as dg
import yaml
from dagster._core.instance.ref import InstanceRef

from pipelines.instance import INSTANCE_YAML
from pipelines.resources import REPO_ROOT


@dg.op
def chatty(context: dg.OpExecutionContext) -> None:
    context.log.debug("debug line")
    context.log.info("info line")


@dg.job
def chatty_job() -> None:
    chatty()


def test_runs_store_info_lines_but_not_debug_ones(tmp_path: Path) -> None:
    """Every stored line is an event written on the step's path (~5 ms each): the IO manager's
    DEBUG lines, two per intermediate, are not kept."""
    (tmp_path / "dagster.yaml").write_text(INSTANCE_YAML, encoding="utf-8")
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(tmp_path))) as instance:
        result = chatty_job.execute_in_process(instance=instance)
        messages = [entry.user_message for entry in instance.all_logs(result.run_id)]
    assert "info line" in messages
    assert "debug line" not in messages


def test_the_production_instance_keeps_the_same_log_level() -> None:
    production = yaml.safe_load((REPO_ROOT / "docs" / "dagster.yaml").read_text(encoding="utf-8"))
    local = yaml.safe_load(INSTANCE_YAML)
    assert production["python_logs"] == local["python_logs"] == {"python_log_level": "INFO"}
