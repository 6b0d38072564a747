"""Seed step 5: train / validation / test, by session (default) so no session leaks across splits."""

from __future__ import annotations

import random
from collections.abc import Mapping

SPLITS = ("train", "validation", "test")


def assign_sessions(sizes: Mapping[str, int], ratios: dict[str, float], seed: int) -> dict[str, str]:
    """The split of every session, `sizes` being its planned targets.

    Sessions are ranked by size and taken in blocks of similar size (10 for 80/10/10), shuffled
    under `seed` within each block; each session then goes to the split furthest below its share of
    the sizes assigned so far. So every split gets its share of each size range: the targets land
    on the ratios, examples too (also in multi_turn, where long sessions pack many targets into
    few examples), and validation and test are not made of the small sessions that would fill the
    gaps a big session leaves, as with a plain shuffle.
    """
    rng = random.Random(seed)
    order = sorted(sizes)
    rng.shuffle(order)
    order.sort(key=lambda session: -sizes[session])  # stable: equal sizes stay shuffled
    block = max(1, round(1 / min(r for r in ratios.values() if r > 0)))
    blocks = [order[i : i + block] for i in range(0, len(order), block)]
    for similar in blocks:
        rng.shuffle(similar)
    assigned = dict.fromkeys(SPLITS, 0)
    split_of: dict[str, str] = {}
    total = 0
    for session in (session for similar in blocks for session in similar):
        total += sizes[session]
        split = max(SPLITS, key=lambda s: ratios[s] * total - assigned[s])
        split_of[session] = split
        assigned[split] += sizes[session]
    return split_of


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
