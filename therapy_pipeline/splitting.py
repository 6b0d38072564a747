"""Seed step 5: train / validation / test, by session (default) so no session leaks across splits."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping

SPLITS = ("train", "validation", "test")


def assign_sessions(sizes: Mapping[str, int], ratios: dict[str, float], seed: int) -> dict[str, str]:
    """The split of every session, sized by `sizes` (its examples, or its planned targets).

    Sessions are shuffled under `seed`, then each goes to the split furthest below its share of the
    sizes assigned so far, so the splits land near the ratios even when sessions differ in size.
    """
    order = sorted(sizes)
    random.Random(seed).shuffle(order)
    assigned = dict.fromkeys(SPLITS, 0)
    split_of: dict[str, str] = {}
    total = 0
    for session in order:
        total += sizes[session]
        split = max(SPLITS, key=lambda s: ratios[s] * total - assigned[s])
        split_of[session] = split
        assigned[split] += sizes[session]
    return split_of


def split_by_session(session_ids: list[str], ratios: dict[str, float], seed: int) -> dict[str, list[int]]:
    """Row indices per split; every row of a session lands in one split (`assign_sessions`)."""
    split_of = assign_sessions(Counter(session_ids), ratios, seed)
    rows: dict[str, list[int]] = {s: [] for s in SPLITS}
    for index, session in enumerate(session_ids):
        rows[split_of[session]].append(index)
    return rows


def split_by_example(n_rows: int, ratios: dict[str, float], seed: int) -> dict[str, list[int]]:
    """The seed's random split of examples (sessions may then appear in several splits)."""
    order = list(range(n_rows))
    random.Random(seed).shuffle(order)
    n_train = round(ratios["train"] * n_rows)
    n_validation = round(ratios["validation"] * n_rows)
    cuts = {
        "train": order[:n_train],
        "validation": order[n_train : n_train + n_validation],
        "test": order[n_train + n_validation :],
    }
    return {split: sorted(rows) for split, rows in cuts.items()}
