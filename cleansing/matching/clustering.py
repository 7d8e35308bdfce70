"""Clusters of records from merge edges, with a guard against chaining.

Transitive closure is what makes 名寄せ useful (A~B and B~C put A, B, C together) and also what
makes it dangerous: a chain of individually plausible edges can join two companies whose valid
法人番号 differ. Such a cluster is provably wrong, so the guard repairs it.

Algorithm:

1. Connected components over all merge edges (scipy, linear time).
2. Components holding more than one distinct valid 法人番号 are "offending"; typically a handful.
3. Only inside offending components, the merge edges are replayed strongest first (score
   descending, ties by record position) through a union-find in which each group carries the
   valid number it contains, if any. An edge that would join two groups carrying different
   numbers is cut. This keeps every strong edge and drops exactly the weakest links whose
   addition would put conflicting records together (Kruskal's maximum spanning forest with a
   cannot-link constraint), so records without a number follow their strongest ties.
4. Cluster labels are the smallest record position in each cluster, which is order-independent
   because records are sorted by record key.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def cluster_records(
    n: int, left: np.ndarray, right: np.ndarray, score: np.ndarray, corporate: np.ndarray
) -> np.ndarray:
    """Cluster label per record from merge edges (left, right, score).

    `corporate` holds each record's valid 法人番号 code (-1 when none).
    """
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    offending = _offending(component, corporate)
    if len(offending):
        inside = np.isin(component[left], offending)
        component = _split(component, left[inside], right[inside], score[inside], corporate)
    return pd.Series(np.arange(n)).groupby(component).transform("min").to_numpy()


def _offending(component: np.ndarray, corporate: np.ndarray) -> np.ndarray:
    """Components holding two or more distinct valid corporate numbers."""
    numbered = corporate >= 0
    holders = pd.DataFrame({"component": component[numbered], "number": corporate[numbered]})
    distinct = holders.drop_duplicates().groupby("component").size()
    return distinct.index[distinct > 1].to_numpy()


def _split(
    component: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    score: np.ndarray,
    corporate: np.ndarray,
) -> np.ndarray:
    """Re-cluster offending components by constrained Kruskal (see module docstring).

    A Python loop, but only over the edges of the few offending components.
    """
    nodes = np.unique(np.r_[left, right])
    parent = {int(node): int(node) for node in nodes}
    number = {int(node): int(corporate[node]) for node in nodes}

    def find(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for edge in np.lexsort((right, left, -score)):
        a, b = find(int(left[edge])), find(int(right[edge]))
        if a == b or (number[a] >= 0 and number[b] >= 0 and number[a] != number[b]):
            continue
        parent[b] = a
        number[a] = max(number[a], number[b])

    relabelled = component.copy()
    relabelled[nodes] = component.max() + 1 + np.array([find(int(node)) for node in nodes])
    return relabelled
