"""The nightly job (everything), its executor and its schedules: every night at 02:00
Asia/Tokyo (incremental once a night was committed), and a full night on Sundays at 03:00.

A quiet (incremental) night runs in one process: its steps are short, and starting the
forkserver (~4 s) and a process per step (~0.2 s each) would be a quarter of it at 1M records
and most of it at 10k. A full night keeps a process per step: both cores, and each step's memory
handed back when it ends (one process would hold 13 GB at 1M records)."""

import dagster as dg

from pipelines.resources import NightResource, SourcesResource, WarehouseResource

# Modules a step process would otherwise import itself (~2.5 s each: Dagster, pandas, the
# definitions, Great Expectations in the check steps, the instance's storage classes): the
# forkserver imports them once and forks every step from it, so a quiet night is not mostly
# process start-up.
# Separate entries: the forkserver skips a module that fails to import, not the others.
# step_preload comes last: it imports Great Expectations as the checks do (SciPy's statistics
# deferred) and freezes what the others loaded out of the garbage collector's way.
PRELOAD = ["pipelines.definitions", "pipelines.step_preload"]


@dg.configured(
    dg.multi_or_in_process_executor,
    config_schema={
        "in_process": dg.Field(bool, default_value=False),
        "max_concurrent": dg.Field(int, default_value=0, description="0: one per CPU"),
    },
)
def night_executor(config: dict) -> dict:
    """One process per step, forked from a server with the heavy imports done, or everything
    in one process (`in_process: true`)."""
    if config["in_process"]:
        return {"in_process": {}}
    return {
        "multiprocess": {
            "max_concurrent": config["max_concurrent"],
            "start_method": {"forkserver": {"preload_modules": PRELOAD}},
        }
    }


nightly_job = dg.define_asset_job(
    "nightly",
    selection=dg.AssetSelection.all(),
    description="Extract every source, cleanse, match, unify, judge dormancy, publish.",
)


def next_night_run_config(
    quiet_nights_in_process: bool,
    night: NightResource,
    sources: SourcesResource,
    warehouse: WarehouseResource,
) -> dict[str, object]:
    """The run config of the night the schedule or a sensor launches now: on `night_executor`
    (`quiet_nights_in_process`), everything in one process when the night is incremental;
    another executor (Celery's, configured once) gets none."""
    if not quiet_nights_in_process:
        return {}
    incremental = night.next_night_is_incremental(sources, warehouse)
    return {"execution": {"config": {"in_process": incremental}}}


def build_nightly_schedule(quiet_nights_in_process: bool = True) -> dg.ScheduleDefinition:
    """Every night at 02:00; `quiet_nights_in_process` as in `next_night_run_config`."""
    how = " (then in one process; a full night has a process per step)"

    @dg.schedule(
        name="nightly_at_2am_tokyo",
        job=nightly_job,
        cron_schedule="0 2 * * *",
        execution_timezone="Asia/Tokyo",
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Every night, incremental once a night was committed"
        f"{how if quiet_nights_in_process else ''}.",
    )
    def nightly_at_2am_tokyo(
        context: dg.ScheduleEvaluationContext,
        night: NightResource,
        sources: SourcesResource,
        warehouse: WarehouseResource,
    ) -> dg.RunRequest:
        return dg.RunRequest(
            run_config=next_night_run_config(quiet_nights_in_process, night, sources, warehouse)
        )

    return nightly_at_2am_tokyo


# Sources that cannot report deletions (API pulls above a high-water mark) and facts whose
# company arrived later are made whole by a full night once a week.
weekly_full_schedule = dg.ScheduleDefinition(
    name="full_night_sundays_3am_tokyo",
    job=nightly_job,
    cron_schedule="0 3 * * 0",
    execution_timezone="Asia/Tokyo",
    run_config={"resources": {"night": {"config": {"mode": "full"}}}},
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
