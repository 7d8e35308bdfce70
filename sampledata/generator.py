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
from sampledata.history import plan_orders
from sampledata.names import name_key
from sampledata.sales_db import write_sales_db
from sampledata.truth import write_entities, write_truth

MIN_COMPANIES = 50  # below this the planted pairs and bad rows do not fit


def generate(
    out_dir: Path, *, n_companies: int = 2000, seed: int = 42, as_of: date
) -> dict[str, object]:
    """Write the sources, truth.csv, entities.csv and manifest.json under `out_dir`.

    Returns the manifest: arguments, then per file (paths relative to `out_dir`) its row
    counts. All dates are placed relative to `as_of`; nothing reads the clock.
    """
    if n_companies < MIN_COMPANIES:
        raise ValueError(f"n_companies must be at least {MIN_COMPANIES}, got {n_companies}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    def rng(stream: str) -> random.Random:
        return random.Random(f"{seed}:{stream}")

    entities = build_entities(n_companies, rng("entities"))
    orders_rng = rng("orders")
    for entity in entities:
        plan_orders(entity, as_of, orders_rng)
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
