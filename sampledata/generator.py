"""Generate every sample source plus the ground truth, deterministically from (n, seed, as_of).

Each concern draws from its own seeded random stream, so changing how one source is written
leaves the others' content untouched.
"""

from __future__ import annotations

import json
import random
from datetime import date
from pathlib import Path

from sampledata.crm import write_crm
from sampledata.entities import build_entities
from sampledata.excel import write_excel
from sampledata.history import add_lines, plan_orders
from sampledata.names import name_key
from sampledata.sales_db import write_sales_db
from sampledata.truth import write_entities, write_truth

MIN_COMPANIES = 50  # below this the planted pairs and bad rows do not fit


def random_stream(seed: int, stream: str) -> random.Random:
    """The seeded random stream of one concern of the sample (entities, orders, crm ...)."""
    return random.Random(f"{seed}:{stream}")


def generate(
    out_dir: Path,
    *,
    n_companies: int = 2000,
    seed: int = 42,
    as_of: date,
    lines_scale: float = 1.0,
) -> dict[str, object]:
    """Write the sources, truth.csv, entities.csv and manifest.json under `out_dir`.

    Returns the manifest: arguments, then per file (paths relative to `out_dir`) its row
    counts. All dates are placed relative to `as_of`; nothing reads the clock.

    `lines_scale` (>= 1) multiplies the sales lines (about 13.8 per company) with extra
    lines on the planned orders, from a stream of their own: companies, records, truth and
    every purchase date stay the same; 1.0 writes exactly what it always wrote.
    """
    if n_companies < MIN_COMPANIES:
        raise ValueError(f"n_companies must be at least {MIN_COMPANIES}, got {n_companies}")
    if lines_scale < 1:
        raise ValueError(f"lines_scale must be at least 1, got {lines_scale}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    def rng(stream: str) -> random.Random:
        return random_stream(seed, stream)

    entities = build_entities(n_companies, rng("entities"))
    orders_rng = rng("orders")
    for entity in entities:
        plan_orders(entity, as_of, orders_rng)
    if lines_scale != 1:
        add_lines(entities, lines_scale, rng("lines"))
    taken = {name_key(e.core_text) for e in entities}

    crm_truth, crm_names, crm_files = write_crm(out_dir, entities, as_of, rng("crm"), taken)
    sales_truth, sales_files = write_sales_db(
        out_dir / "sales.sqlite", entities, as_of, rng("sales"), taken, crm_names
    )
    excel_truth, excel_files = write_excel(out_dir, entities, as_of, rng("excel"), taken)
    truth = crm_truth + sales_truth + excel_truth

    manifest: dict[str, object] = {
        "n_companies": n_companies,
        "seed": seed,
        "as_of": as_of.isoformat(),
        **({"lines_scale": lines_scale} if lines_scale != 1 else {}),
        "files": {
            **crm_files,
            **sales_files,
            **excel_files,
            "truth.csv": {"rows": write_truth(out_dir / "truth.csv", truth)},
            "entities.csv": {"rows": write_entities(out_dir / "entities.csv", entities, as_of)},
        },
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=2)
    (out_dir / "manifest.json").write_text(text + "\n", encoding="utf-8")
    return manifest
