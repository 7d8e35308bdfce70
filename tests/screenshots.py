"""The README's screenshots (docs/images/), taken with the report test's browser tooling.

    PYTHONPATH=. .venv/bin/python -m tests.screenshots

Runs the nightly job on generated sample data for four run dates (so the tier history has
moves) into a throw-away warehouse and Dagster instance, screenshots the dormancy report,
then serves that instance with dagster-webserver on 127.0.0.1 and screenshots the asset graph
(the overview by group, and the lineage from dormancy through the warehouse to the report).
Japanese text needs a CJK font in the browser: `apt-get install fonts-noto-cjk`.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import dagster as dg
import httpx

from pipelines.instance import INSTANCE_YAML
from pipelines.resources import REPO_ROOT
from sampledata import generate
from tests.browser import Page, chromium_page, chromium_path
from tests.integration.harness import AS_OF, build_defs, run_nightly, warehouse_url

OUT = REPO_ROOT / "docs" / "images"
RUN_DATES = [AS_OF + dt.timedelta(days=61 * i) for i in range(4)]
# file -> (page of the global asset graph, viewport, text that shows the graph is drawn):
# every group collapsed (the overview), then dormancy -> warehouse tables -> report expanded.
LINEAGE = quote('key:"customer_dormancy"+')
EXPANDED = quote("global@global:dormancy,global@global:publish")
GRAPHS = {
    "asset_graph.png": ("/asset-groups", (1600, 560), "publish"),
    "asset_graph_report.png": (
        f"/asset-groups~{LINEAGE}?expanded={EXPANDED}",
        (1600, 820),
        "dormancy_report",
    ),
}
HIDE_EXPLORER = (
    "[...document.querySelectorAll('button')]"
    ".filter(b => b.querySelector('[aria-label=panel_show_right]'))[1].click()"
)
# A double click on the graph's background zooms it to fit (Dagster's own gesture).
FIT_GRAPH = (
    "[...document.querySelectorAll('svg')]"
    ".sort((a, b) => b.clientWidth * b.clientHeight - a.clientWidth * a.clientHeight)[0]"
    ".dispatchEvent(new MouseEvent('dblclick', {bubbles: true}))"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def webserver(root: Path, home: Path) -> Iterator[str]:
    """dagster-webserver on the repo's workspace.yaml and the given instance; its URL."""
    port = free_port()
    env = os.environ | {
        "DAGSTER_HOME": str(home),
        "HORIOKOSHI_DATA_DIR": str(root / "sample"),
        "HORIOKOSHI_WAREHOUSE_URL": warehouse_url(root),
    }
    command = [str(Path(sys.executable).with_name("dagster-webserver"))]
    command += ["-h", "127.0.0.1", "-p", str(port), "-w", "workspace.yaml"]
    server = subprocess.Popen(
        command, cwd=REPO_ROOT, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while not _answers(f"{url}/server_info"):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("dagster-webserver did not come up")
            time.sleep(1)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def shoot_report(page: Page, report: Path) -> None:
    """The first screen (key figures, tiers, tier changes) and the target list."""
    page.open(report.as_uri(), width=1100, height=1480)
    page.screenshot(OUT / "dormancy_report.png")
    page.screenshot(OUT / "dormancy_report_targets.png", selector="#targets")


def shoot_asset_graphs(page: Page, url: str) -> None:
    # The UI greets a local first visit with a "join the community" dialog: mark it seen.
    httpx.post(f"{url}/graphql", json={"query": "mutation { setNuxSeen }"}, timeout=30)
    for name, (path, (width, height), drawn) in GRAPHS.items():
        page.open(url + path, width=width, height=height)
        page.wait_for(
            f"document.body.innerText.includes({drawn!r})"
            " && !document.body.innerText.includes('Loading')",
            seconds=120,
        )
        page.evaluate(HIDE_EXPLORER)
        time.sleep(2)  # the graph re-lays out into the freed width, animated
        page.evaluate(FIT_GRAPH)
        time.sleep(2)  # the zoom-to-fit is animated too
        page.screenshot(OUT / name)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="hk-screenshots-") as tmp:
        root = Path(tmp)
        home = root / "dagster_home"
        home.mkdir()
        (home / "dagster.yaml").write_text(INSTANCE_YAML, encoding="utf-8")
        os.environ["DAGSTER_HOME"] = str(home)
        generate(root / "sample", n_companies=800, seed=11, as_of=AS_OF)
        defs = build_defs(root / "sample", root)
        instance = dg.DagsterInstance.get()
        for day in RUN_DATES:
            assert run_nightly(defs, day, instance).success, day
        report = root / "reports" / f"dormancy_{RUN_DATES[-1].isoformat()}.html"
        with chromium_page(chromium_path()) as page:
            shoot_report(page, report)
            with webserver(root, home) as url:
                shoot_asset_graphs(page, url)
    print(f"screenshots written to {OUT}")


if __name__ == "__main__":
    main()
