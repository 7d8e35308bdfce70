"""The chaining guard: its constrained Kruskal against a plain replay that keeps every group's
members (the same groups on random graphs with corporate numbers and cannot-links), and the
cycle collector left as it was."""

from __future__ import annotations

import gc

import numpy as np
import pytest

from cleansing.matching.clustering import (
    Clusters,
    Edges,
    PreviousSplits,
    _kruskal,
    cluster_records,
)


def replay_with_members(
    left: np.ndarray, right: np.ndarray, strength: np.ndarray, blocked: set, number: np.ndarray
) -> list[frozenset[int]]:
    """Edges strongest first (ties by left, right); an edge joins two groups unless they hold
    different numbers or a cannot-link pair."""
    group = {node: frozenset([node]) for node in range(len(number))}
    numbers = {node: int(number[node]) for node in range(len(number))}
    for index in np.lexsort((right, left, -strength)):
        a, b = group[int(left[index])], group[int(right[index])]
        if a == b:
            continue
        na, nb = max(numbers[n] for n in a), max(numbers[n] for n in b)
        if na >= 0 and nb >= 0 and na != nb:
            continue
        if any((x, y) in blocked or (y, x) in blocked for x in a for y in b):
            continue
        joined = a | b
        for node in joined:
            group[node] = joined
    return sorted(set(group.values()), key=min)


@pytest.mark.parametrize("seed", range(40))
def test_kruskal_groups_equal_a_replay_that_keeps_members(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 40))
    edges = int(rng.integers(n, 3 * n))
    left = rng.integers(0, n, edges)
    right = rng.integers(0, n, edges)
    keep = left != right
    left, right = np.minimum(left, right)[keep], np.maximum(left, right)[keep]
    strength = rng.integers(0, 4, len(left)).astype(float)  # ties on purpose
    number = np.where(rng.random(n) < 0.15, rng.integers(0, 3, n), -1)
    links = int(rng.integers(0, n // 2 + 1))
    cl_left, cl_right = rng.integers(0, n, links), rng.integers(0, n, links)
    apart = cl_left != cl_right
    cl_left, cl_right = cl_left[apart], cl_right[apart]

    root = _kruskal(Edges(left, right), strength, Edges(cl_left, cl_right), number)

    groups: dict[int, set[int]] = {}
    for node, r in enumerate(root.tolist()):
        groups.setdefault(r, set()).add(node)
    expected = replay_with_members(
        left, right, strength, set(zip(cl_left.tolist(), cl_right.tolist(), strict=True)), number
    )
    assert sorted(map(frozenset, groups.values()), key=min) == expected
    for a, b in zip(cl_left.tolist(), cl_right.tolist(), strict=True):
        assert root[a] != root[b]


@pytest.mark.parametrize("enabled", [True, False])
def test_the_guard_leaves_the_cycle_collector_as_it_found_it(enabled: bool) -> None:
    # records 0-1-2 chained by merges, 0 and 2 with different corporate numbers: offending
    merges = Edges(np.array([0, 1]), np.array([1, 2]))
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        cluster = cluster_records(
            3,
            merges,
            np.array([2.0, 1.0]),
            Edges(np.array([0]), np.array([2])),
            np.array([0, -1, 1]),
        )
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
    assert cluster.label.tolist() == [0, 0, 2]  # the weaker edge 1-2 is cut


SIZES = np.array([0, 0, 0, 0, 0, 1, 1, 1, 0, 1])  # records per previous customer code


def chain(strength: float = 2.0, previous: PreviousSplits | None = None) -> Clusters:
    """Records 0-1-2 chained by merges, 0 and 2 with different corporate numbers, 3 alone."""
    return cluster_records(
        4,
        Edges(np.array([0, 1]), np.array([1, 2])),
        np.array([strength, 1.0]),
        Edges(np.array([0]), np.array([2])),
        np.array([0, -1, 1, -1]),
        np.array([11, 12, 13, 14], dtype=np.uint64),
        previous,
    )


def test_a_split_component_signed_as_last_night_takes_its_previous_customers() -> None:
    first = chain()
    assert first.label.tolist() == [0, 0, 2, 3] and len(first.split_signatures) == 1
    # last night's customers, deliberately not what the replay gives: they are taken as they are
    sizes = np.array([0, 0, 0, 0, 0, 1, 2, 0, 0, 1])
    before = PreviousSplits(first.split_signatures, np.array([5, 6, 6, 9]), sizes)
    assert chain(previous=before).label.tolist() == [0, 1, 1, 3]


@pytest.mark.parametrize("case", ["stronger edge", "other record", "record without a customer"])
def test_a_split_component_that_changed_is_replayed(case: str) -> None:
    signature = chain().split_signatures
    # three customers last night: taking them would give [0, 1, 2, 3], no replay's answer
    customer = np.array([5, 6, -1 if case == "record without a customer" else 7, 9])
    before = PreviousSplits(signature, customer, SIZES)
    if case == "stronger edge":
        again = chain(strength=0.5, previous=before)  # now 0-1 is the weaker edge: cut
        assert again.split_signatures.tolist() != signature.tolist()
        assert again.label.tolist() == [0, 1, 1, 3]
        return
    if case == "other record":
        again = cluster_records(
            4,
            Edges(np.array([0, 1]), np.array([1, 2])),
            np.array([2.0, 1.0]),
            Edges(np.array([0]), np.array([2])),
            np.array([0, -1, 1, -1]),
            np.array([11, 99, 13, 14], dtype=np.uint64),  # record 1 edited
            before,
        )
        assert again.split_signatures.tolist() != signature.tolist()
    else:
        again = chain(previous=before)
    assert again.label.tolist() == [0, 0, 2, 3]  # the replay's, not last night's


@pytest.mark.parametrize("spread", ["customer also elsewhere", "customer in two components"])
def test_a_component_whose_previous_customers_reach_outside_it_is_replayed(spread: str) -> None:
    """Customers of another night than the signatures: taking them would join records that no
    edge links (record 3 stands alone)."""
    signature = chain().split_signatures
    if spread == "customer also elsewhere":  # customer 6 had a third record, not here now
        before = PreviousSplits(
            signature, np.array([5, 6, 6, 9]), np.array([0] * 5 + [1, 3, 0, 0, 1])
        )
    else:  # customer 6 holds record 3 too, which is a component of its own
        before = PreviousSplits(
            signature, np.array([5, 6, 6, 6]), np.array([0] * 5 + [1, 3, 0, 0, 1])
        )
    again = chain(previous=before)
    assert again.replayed == 1
    assert again.label.tolist() == [0, 0, 2, 3]
