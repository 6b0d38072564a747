"""Seed step 2: long sessions become overlapping chunks; each turn is a target in one chunk only."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from .model import Session, Stats, Turn

logger = logging.getLogger(__name__)


@dataclass
class Chunk:
    session_id: str
    chunk_index: int
    start: int  # index in the session of the chunk's first turn
    turns: list[Turn]
    owned_from: int  # index in the session from which this chunk owns its targets; before it, context only


def overlap_turns(max_session_exchanges: int, overlap_percentage: float) -> int:
    return round(overlap_percentage * max_session_exchanges)


def chunk_bounds(n_turns: int, size: int, overlap: int) -> list[tuple[int, int]]:
    """[start, end) of each chunk: `size` turns, each starting `overlap` turns before the last ended."""
    if n_turns <= size:
        return [(0, n_turns)]
    bounds, start = [], 0
    while True:
        end = min(start + size, n_turns)
        bounds.append((start, end))
        if end == n_turns:
            return bounds
        start = end - overlap


def chunk_session(session: Session, size: int, overlap: int) -> list[Chunk]:
    chunks, owned_from = [], 0
    for index, (start, end) in enumerate(chunk_bounds(len(session.turns), size, overlap)):
        # A turn in the overlap was already a target in the chunk before: here it is context only.
        chunks.append(Chunk(session.session_id, index, start, session.turns[start:end], owned_from))
        owned_from = end
    return chunks


def chunk_sessions(sessions: list[Session], size: int, overlap: int) -> tuple[list[Chunk], Stats]:
    """The chunk step: every session as its chunks, in order; counts `chunks` and `sessions_chunked`."""
    stats = Stats()
    chunks = [c for s in sessions for c in chunk_session(s, size, overlap)]
    stats.counts["chunks"] = len(chunks)
    stats.counts["sessions_chunked"] = len({c.session_id for c in chunks if c.chunk_index > 0})
    logger.info(
        "%d chunks (%d sessions over %d exchanges split with %d exchanges of overlap)",
        len(chunks),
        stats.counts["sessions_chunked"],
        size,
        overlap,
    )
    return chunks, stats
