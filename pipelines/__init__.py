"""Dagster definitions: assets, checks, schedules, sensors and resources.

Every process that runs the definitions allocates Arrow memory from the C library's malloc
instead of pyarrow's default pool (mimalloc). A step process is new every night and mimalloc
hands it memory it has to fault in page by page the first time, which cost the match step
1.3 s of its 3 s preparing a million records on this machine (system pool: 1.9 s; measured
with benchmarks/nightly.py, whose figures docs/nightly-at-scale.md keeps). Buffers already
allocated keep the pool they came from. ARROW_DEFAULT_MEMORY_POOL, when set, still decides.
"""

import os

import pyarrow as pa

if "ARROW_DEFAULT_MEMORY_POOL" not in os.environ:  # an operator's choice stands
    pa.set_memory_pool(pa.system_memory_pool())
