"""Seed step 5: train / validation / test, by session (default) so no session leaks across splits."""

from __future__ import annotations

import itertools
import logging
import random
from collections import Counter
from collections.abc import Mapping, Sequence

from datasets import Dataset, DatasetDict, concatenate_datasets

from .columns import column_values
from .model import Stats

logger = logging.getLogger(__name__)

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


def split_examples(
    examples: Dataset | Sequence[Dataset],
    split_of: Mapping[str, str] | None,
    split_by: str,
    ratios: dict[str, float],
    seed: int,
    fingerprint: str,
) -> tuple[DatasetDict, Stats]:
    """The split step: train / validation / test, counted (`examples` per split).

    `examples` may come in parts (one per unit, in unit order). With `split_of` (decided at
    planning), each part's examples come split by split, each split one run of rows: a split is
    those runs, part after part. Without it, the seed's random split of all the examples.
    """
    parts = [examples] if isinstance(examples, Dataset) else list(examples)
    pieces: dict[str, list[Dataset]] = {name: [] for name in SPLITS}
    if split_of is not None:
        for part in parts:
            splits = [split_of[s] for s in column_values(part, "session_id")]
            counts = Counter(splits)
            if splits != [name for name in SPLITS for _ in range(counts[name])]:
                raise AssertionError("examples are not in split order (a bug)")
            ends = dict(zip(SPLITS, itertools.accumulate(counts[name] for name in SPLITS)))
            for name in SPLITS:
                if counts[name]:
                    pieces[name].append(part.select(range(ends[name] - counts[name], ends[name])))
        whole = {name: concatenate_datasets(pieces[name]) if pieces[name] else parts[0].select([]) for name in SPLITS}
        rows: dict[str, range | list[int]] = {name: range(len(whole[name])) for name in SPLITS}
    else:
        joined = parts[0] if len(parts) == 1 else concatenate_datasets(parts).with_format(None)
        whole = dict.fromkeys(SPLITS, joined)
        rows = split_by_example(len(joined), ratios, seed)
    dataset = DatasetDict(
        {
            # (an empty range is refused by `select`: an empty list is not)
            name: whole[name].select(rows[name] or [], new_fingerprint=f"{fingerprint}-{name}")
            for name in SPLITS
        }
    )
    return dataset, split_counts(dataset, split_by, ratios)


def split_counts(dataset: DatasetDict, split_by: str, ratios: dict[str, float]) -> Stats:
    """The split step's counts (`examples` per split), and its line."""
    stats = Stats()
    stats.counts["examples"] = {name: len(dataset[name]) for name in SPLITS}
    empty = [name for name in SPLITS if len(dataset[name]) == 0 and ratios[name] > 0]
    if empty:
        logger.warning("corpus too small for three non-empty splits: %s empty", ", ".join(empty))
    logger.info("split by %s: %s", split_by, ", ".join(f"{n} {len(dataset[n])}" for n in SPLITS))
    return stats
