"""The nightly job (everything) and its schedule, 02:00 Asia/Tokyo."""

import dagster as dg

nightly_job = dg.define_asset_job(
    "nightly",
    selection=dg.AssetSelection.all(),
    description="Extract every source, cleanse, match, unify, judge dormancy, publish.",
)

nightly_schedule = dg.ScheduleDefinition(
    name="nightly_at_2am_tokyo",
    job=nightly_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Tokyo",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
