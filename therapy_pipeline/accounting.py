"""The books: every loaded exchange is in an example or dropped under a reason, every file was
loaded or skipped, every eligible target was trained or its loss counted.

The steps count where things happen; `account` adds what only the finished examples can tell (which
of the turns the plans show no example kept), and `check_books` proves the totals agree.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from datasets import Dataset

from .columns import column_values
from .model import Stats
from .planning import IF_UNUSED, NOT_SHOWN, Planned, tally


def account(planned: Planned, examples: Dataset) -> tuple[list[dict], Stats]:
    """The exchanges the examples use, the turns the plans show that no example kept (named as
    planning recorded), and every session without examples with its reason, in input order."""
    stats = Stats()
    used: dict[str, list[int]] = defaultdict(list)
    for session_id, indices in zip(column_values(examples, "session_id"), column_values(examples, "turn_indices")):
        used[session_id] += indices
    without_examples = []
    for session_id, if_unused in planned.if_unused.items():
        kept = np.zeros(len(if_unused), dtype=bool)
        kept[used.get(session_id, [])] = True
        if (if_unused[kept] == NOT_SHOWN).any():
            raise AssertionError(f"an example shows a turn no plan shows (a bug), session {session_id}")
        stats.counts["exchanges_used"] += int(kept.sum())
        tally(if_unused[~kept & (if_unused != NOT_SHOWN)], IF_UNUSED, stats.exchanges_dropped)
        if not kept.any():
            reason = planned.without_targets.get(session_id, "every example exceeded max_length")
            without_examples.append({"session_id": session_id, "reason": reason})
    stats.counts["targets_supervised"] = sum(column_values(examples, "targets"))
    return without_examples, stats


def check_books(stats: Stats) -> dict[str, bool]:
    """Raises if the run's counts do not add up (that is a bug); else the balances for the manifest."""
    counts = stats.counts
    books = {
        # every loaded exchange is in an example (as target or context) or dropped for a reason
        "exchanges": (counts["exchanges_loaded"], counts["exchanges_used"] + sum(stats.exchanges_dropped.values())),
        # every file was loaded or skipped for a reason
        "files": (counts["files"], counts["files_loaded"] + counts["files_skipped"]),
        # every eligible target was trained or its loss counted
        "targets": (counts["targets_eligible"], counts["targets_supervised"] + sum(stats.examples_dropped.values())),
    }
    unbalanced = {name: pair for name, pair in books.items() if pair[0] != pair[1]}
    if unbalanced:
        raise AssertionError(f"accounting does not balance (a bug): {unbalanced}")
    return {f"{name}_balanced": True for name in books}
