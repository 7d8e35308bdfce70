"""Clusters of records from merge edges, with a guard against chaining.

Transitive closure is what makes 名寄せ useful (A~B and B~C put A, B, C together) and also what
makes it dangerous: a chain of individually plausible edges, typically through a name-only
record, can join two companies that are provably different. A cluster must therefore never hold
two different valid 法人番号, nor the two ends of a pair scored as a conflict (cannot-link:
different valid numbers, or same name but different prefecture and phone).

Algorithm:

1. Connected components over all merge edges (scipy, linear time).
2. Components that hold two distinct valid numbers or both ends of a cannot-link pair are
   "offending"; usually a small part of the graph.
3. Only inside offending components, the merge edges are replayed strongest first (evidence
   descending, steward must-links before all, ties by record position) through a union-find
   whose groups carry their valid number and the records they cannot link with. An edge that
   would put conflicting records together is cut. This keeps every strong edge and drops
   exactly the weakest links whose addition would join conflicting records (Kruskal's maximum
   spanning forest with cannot-link constraints), so records without evidence of their own
   follow their strongest ties.
4. A record whose strongest tie inside its cluster is no stronger than a tie the guard cut to
   another cluster was placed by record order alone (a bare name between two namesakes): the
   offending components are clustered once more without its edges, so it stays on its own and
   its pairs go to review instead of a coin flip deciding.
5. Cluster labels are the smallest record position in each cluster, which is order-independent
   because records are sorted by record key.

The split of an offending component depends on nothing but its records, its merge edges with
their strength, its cannot-links and the records' numbers. A component whose signature (a sum of
hashes of those, from each record's fingerprint) was last night's is split as last night: into
its records' previous customers, when each of those lies wholly inside it (the signatures and
the customers are of the same night). A quiet night replays only the components it changed.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


@dataclass(frozen=True)
class Edges:
    """Record pairs given by positions, left < right."""

    left: np.ndarray
    right: np.ndarray


@dataclass(frozen=True)
class PreviousSplits:
    """Last night's split components: their signatures (sorted), per record of tonight its
    previous customer as a code (-1: none), and per code how many records that customer had.
    Signatures and customers must come from the same night; a component is split as before
    only when each of its previous customers lies wholly inside it."""

    signatures: np.ndarray
    customer: np.ndarray
    customer_size: np.ndarray


@dataclass(frozen=True)
class Clusters:
    """Cluster label per record, the signatures of the components the guard split, and how
    many of those it replayed (the others were split as last night)."""

    label: np.ndarray
    split_signatures: np.ndarray
    replayed: int


def cluster_records(
    n: int,
    merges: Edges,
    strength: np.ndarray,
    cannot_link: Edges,
    corporate: np.ndarray,
    fingerprints: np.ndarray | None = None,
    previous: PreviousSplits | None = None,
) -> Clusters:
    """Cluster label per record from scored merge edges, respecting the guard.

    `corporate` holds each record's valid 法人番号 code (-1 when none); `fingerprints` a hash of
    each record's values, which signs the split components (none: nothing is signed); a
    component signed as in `previous` is split into its records' previous customers.
    """
    graph = coo_matrix(
        (np.ones(len(merges.left), dtype=np.int8), (merges.left, merges.right)), shape=(n, n)
    )
    _, component = connected_components(graph, directed=False)
    linked = component[cannot_link.left] == component[cannot_link.right]
    cannot_link = Edges(cannot_link.left[linked], cannot_link.right[linked])
    offending = _offending(component, corporate, cannot_link)
    signatures = np.empty(0, dtype=np.uint64)
    replayed = len(offending)
    if len(offending):
        inside = np.isin(component[merges.left], offending)
        blocked = np.isin(component[cannot_link.left], offending)
        merges, strength = Edges(merges.left[inside], merges.right[inside]), strength[inside]
        cannot_link = Edges(cannot_link.left[blocked], cannot_link.right[blocked])
        if fingerprints is not None:
            signatures = _signatures(
                offending, component, merges, strength, cannot_link, fingerprints
            )
        if previous is not None and fingerprints is not None:
            component, replay = _as_before(offending, signatures, component, previous)
            replayed = int(replay[offending].sum())
            inside = replay[component[merges.left]]
            blocked = replay[component[cannot_link.left]]
            merges, strength = Edges(merges.left[inside], merges.right[inside]), strength[inside]
            cannot_link = Edges(cannot_link.left[blocked], cannot_link.right[blocked])
        if len(merges.left):
            component = _split(component, merges, strength, cannot_link, corporate)
    label = pd.Series(np.arange(n)).groupby(component).transform("min").to_numpy()
    return Clusters(label, np.sort(signatures), replayed)


def _signatures(
    offending: np.ndarray,
    component: np.ndarray,
    merges: Edges,
    strength: np.ndarray,
    cannot_link: Edges,
    fingerprints: np.ndarray,
) -> np.ndarray:
    """Per offending component (sorted, as `offending`), a sum of hashes of its records, its
    merge edges with their strength and its cannot-links: what its split depends on. Positions
    do not enter: tie-breaks follow record order, which is the same for the same records."""
    fingerprints = np.asarray(fingerprints, dtype=np.uint64)
    nodes = np.flatnonzero(np.isin(component, offending))
    strength_bits = np.ascontiguousarray(strength, dtype=np.float64).view(np.uint64)
    parts = (
        (component[nodes], _mix(fingerprints[nodes])),
        (
            component[merges.left],
            _mix(fingerprints[merges.left], fingerprints[merges.right], strength_bits),
        ),
        (
            component[cannot_link.left],
            _mix(fingerprints[cannot_link.left], fingerprints[cannot_link.right], _CANNOT),
        ),
    )
    signature = np.zeros(len(offending), dtype=np.uint64)
    for owner, value in parts:
        np.add.at(signature, np.searchsorted(offending, owner), value)  # wraps around
    return signature


_CANNOT = np.uint64(0x5BD1E995)  # keeps a cannot-link's hash apart from a merge edge's


def _mix(*parts: np.ndarray | np.uint64) -> np.ndarray:
    """A 64-bit hash of each row of the given columns (pandas' vectorised integer hash)."""
    mixed = np.zeros(len(parts[0]), dtype=np.uint64)
    for part in parts:
        mixed = pd.util.hash_array(mixed * np.uint64(31) + part)
    return mixed


def _as_before(
    offending: np.ndarray,
    signatures: np.ndarray,
    component: np.ndarray,
    previous: PreviousSplits,
) -> tuple[np.ndarray, np.ndarray]:
    """Components relabelled so that each offending one signed as last night holds its
    records' previous customers, and a mask over the labels of the components to replay.

    A component is replayed all the same when one of its records had no customer, or one of
    its previous customers is not wholly inside it (customers and signatures of different
    nights): taking the customers would then join records across components."""
    known = np.isin(signatures, previous.signatures)
    nodes = np.flatnonzero(np.isin(component, offending[known]))
    customer = previous.customer[nodes]
    size = previous.customer_size
    held = customer >= 0
    count = np.bincount(customer[held], minlength=len(size))
    lowest = np.full(len(size), np.iinfo(np.int64).max)
    highest = np.full(len(size), -1)
    np.minimum.at(lowest, customer[held], component[nodes[held]])
    np.maximum.at(highest, customer[held], component[nodes[held]])
    whole = (count == size) & (lowest == highest)
    doubtful = ~held
    doubtful[held] = ~whole[customer[held]]
    if doubtful.any():
        known &= ~np.isin(offending, component[nodes[doubtful]])
        nodes = np.flatnonzero(np.isin(component, offending[known]))
        customer = previous.customer[nodes]
    relabelled = component.copy()
    relabelled[nodes] = component.max() + 1 + customer
    replay = np.zeros(int(relabelled.max(initial=-1)) + 1, dtype=bool)
    replay[offending[~known]] = True
    return relabelled, replay


def _offending(component: np.ndarray, corporate: np.ndarray, cannot_link: Edges) -> np.ndarray:
    """Components with two distinct valid corporate numbers or a cannot-link pair inside."""
    numbered = corporate >= 0
    holders = pd.DataFrame({"component": component[numbered], "number": corporate[numbered]})
    distinct = holders.drop_duplicates().groupby("component").size()
    return np.union1d(distinct.index[distinct > 1].to_numpy(), component[cannot_link.left])


def _split(
    component: np.ndarray,
    merges: Edges,
    strength: np.ndarray,
    cannot_link: Edges,
    corporate: np.ndarray,
) -> np.ndarray:
    """Re-cluster offending components by constrained Kruskal (see module docstring), then once
    more without the edges of records the first pass could only place by a coin flip."""
    nodes = np.unique(np.r_[merges.left, merges.right])
    left, right = np.searchsorted(nodes, merges.left), np.searchsorted(nodes, merges.right)
    blocked = Edges(
        np.searchsorted(nodes, cannot_link.left), np.searchsorted(nodes, cannot_link.right)
    )
    number = corporate[nodes]
    with _cycle_collection_paused():
        group = _kruskal(Edges(left, right), strength, blocked, number)
        ambiguous = _ambiguous(group, Edges(left, right), strength)
        if ambiguous.any():
            keep = ~(ambiguous[left] | ambiguous[right])
            group = _kruskal(Edges(left[keep], right[keep]), strength[keep], blocked, number)
    relabelled = component.copy()
    relabelled[nodes] = component.max() + 1 + group
    return relabelled


@contextlib.contextmanager
def _cycle_collection_paused() -> Iterator[None]:
    """The replay allocates a set per node and no reference cycle: the cyclic collector would
    only walk the whole heap again and again (in a one-process night, all of Dagster's objects
    too: 0.5-0.7 s against 0.35 s at 1M records)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _kruskal(
    merges: Edges, strength: np.ndarray, cannot_link: Edges, number: np.ndarray
) -> np.ndarray:
    """Group root per node (0..len(number)-1) from merge edges replayed strongest first.

    A Python loop, but only over the edges of the few offending components, with the
    union-find in plain lists.
    """
    parent = list(range(len(number)))
    numbers = number.tolist()
    members = [{node} for node in parent]
    forbidden: list[set[int]] = [set() for _ in parent]
    for a, b in zip(cannot_link.left.tolist(), cannot_link.right.tolist(), strict=True):
        forbidden[a].add(b)
        forbidden[b].add(a)

    def find(node: int) -> int:
        root = node
        while parent[root] != root:
            root = parent[root]
        while parent[node] != root:
            parent[node], node = root, parent[node]
        return root

    order = np.lexsort((merges.right, merges.left, -strength))
    for a, b in zip(merges.left[order].tolist(), merges.right[order].tolist(), strict=True):
        a, b = find(a), find(b)
        if a == b or (numbers[a] >= 0 and numbers[b] >= 0 and numbers[a] != numbers[b]):
            continue
        if len(members[a]) < len(members[b]):
            a, b = b, a
        if not forbidden[a].isdisjoint(members[b]):
            continue
        parent[b] = a
        numbers[a] = max(numbers[a], numbers[b])
        members[a] |= members[b]
        forbidden[a] |= forbidden[b]
        members[b] = forbidden[b] = set()
    return np.array([find(node) for node in range(len(parent))], dtype=np.int64)


def _ambiguous(group: np.ndarray, merges: Edges, strength: np.ndarray) -> np.ndarray:
    """Nodes whose strongest tie inside their group is no stronger than a tie the guard cut to
    another group: a bare 大和運輸 row between two namesakes, placed by record order alone.

    Steward must-links (infinite strength) are never a reason to doubt a placement.
    """
    same = group[merges.left] == group[merges.right]
    best = np.full(len(group), -np.inf)
    np.maximum.at(best, merges.left[same], strength[same])
    np.maximum.at(best, merges.right[same], strength[same])
    cut = ~same & np.isfinite(strength)
    ambiguous = np.zeros(len(group), dtype=bool)
    for ends in (merges.left[cut], merges.right[cut]):
        ambiguous[ends[best[ends] <= strength[cut]]] = True
    return ambiguous
