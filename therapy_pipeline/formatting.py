"""Seed step 3: which therapist turns are training targets, and which turns each example shows.

An example here is a plan, not text: the turns it renders (role, text, index in the session) and
which of them are supervised. Whether a turn is supervised is decided once, here; the encoder only
renders and tokenizes what the plan says.
"""

from __future__ import annotations

from collections.abc import Iterator

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


def _plan(chunk: Chunk, first: int, last: int, supervised: set[int]) -> dict:
    turns = chunk.turns[first:last]
    return {
        "session_id": chunk.session_id,
        "chunk_index": chunk.chunk_index,
        "speakers": [t.speaker for t in turns],
        "texts": [t.text for t in turns],
        "turn_indices": list(range(chunk.start + first, chunk.start + last)),
        "supervised": [chunk.start + i in supervised for i in range(first, last)],
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
        if reason is None and example_format == SLIDING_WINDOW and index == 0:
            reason = "opens_session"  # nothing came before it: there is no input to respond to
        if reason:
            stats.targets_excluded[reason] += 1
        else:
            targets.append(index)
    stats.counts["targets_eligible"] += len(targets)
    return targets


def plan_examples(
    chunk: Chunk, example_format: str, context_exchanges: int, min_words: int, max_words: int, stats: Stats
) -> Iterator[dict]:
    """sliding_window: one plan per target with its context turns; multi_turn: the whole chunk."""
    targets = eligible_targets(chunk, example_format, min_words, max_words, stats)
    if example_format == SLIDING_WINDOW:
        for index in targets:
            last = index - chunk.start + 1
            yield _plan(chunk, max(0, last - 1 - context_exchanges), last, {index})
    elif targets:
        yield _plan(chunk, 0, len(chunk.turns), set(targets))
