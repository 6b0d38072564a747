"""Seed step 3: which therapist turns are training targets; a plan per chunk that has any.

A plan is not text: the turns of a chunk (role, text, index in the session) and which of them
are supervised. Whether a turn is supervised is decided once, here; the encoder renders and
tokenizes what the plan says (one example per target, or the chunk as conversations).
"""

from __future__ import annotations

import numpy as np

from .chunking import Chunk
from .model import THERAPIST, Stats, Turn

SLIDING_WINDOW = "sliding_window"
MULTI_TURN = "multi_turn"


def target_exclusion(turn: Turn, min_words: int, max_words: int) -> str | None:
    """Why a therapist turn may not be a target (it can still be context), or None if it may."""
    words = turn.words
    if words < min_words:
        return "too_short"
    if words > max_words:
        return "too_long"
    return None


def chunk_plan(chunk: Chunk, supervised: list[int]) -> dict:
    """The plan of a chunk: its turns, and which of them are targets (session indices in
    `supervised`). The encoder makes one example per target (sliding_window, with the turns before
    it as context) or packs the chunk into conversations (multi_turn)."""
    start, targets = chunk.start, set(supervised)
    return {
        "session_id": chunk.session_id,
        "chunk_index": chunk.chunk_index,
        "speakers": [t.speaker for t in chunk.turns],
        "texts": [t.text for t in chunk.turns],
        "turn_indices": list(range(start, start + len(chunk.turns))),
        "supervised": [start + i in targets for i in range(len(chunk.turns))],
    }


def eligible_targets(chunk: Chunk, example_format: str, min_words: int, max_words: int, stats: Stats) -> list[int]:
    """Session indices of the therapist turns this chunk supervises; exclusions are counted."""
    targets = []
    for index in range(max(chunk.owned_from, chunk.start), chunk.start + len(chunk.turns)):
        turn = chunk.turns[index - chunk.start]
        if turn.speaker != THERAPIST:
            continue
        stats.counts["therapist_turns"] += 1
        reason = target_exclusion(turn, min_words, max_words)
        if reason is None and example_format == SLIDING_WINDOW and index == chunk.start:
            # nothing came before it: there is no input to respond to
            reason = "opens_session" if index == 0 else "opens_chunk"
        if reason:
            stats.targets_excluded[reason] += 1
        else:
            targets.append(index)
    stats.counts["targets_eligible"] += len(targets)
    return targets


def context_windows(
    row_offsets: np.ndarray, supervised: np.ndarray, context_exchanges: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """sliding_window over plans flattened to turns (row r holds turns row_offsets[r] up to
    row_offsets[r + 1]): the flat index of each target, of the first turn of its context window
    (`context_exchanges` turns back, never before its plan row starts), and per turn whether some
    window shows it as context. These are the turns an example shows before any is cut to fit."""
    targets = np.flatnonzero(supervised)
    row = np.searchsorted(row_offsets, targets, side="right") - 1
    first = targets - np.minimum(targets - row_offsets[row], context_exchanges)
    n = len(supervised)
    marks = np.bincount(first, minlength=n + 1) - np.bincount(targets, minlength=n + 1)
    return targets, first, np.cumsum(marks[:n]) > 0
