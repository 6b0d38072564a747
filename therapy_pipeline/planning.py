"""Planning: what every example will show, decided once, before anything is tokenized.

For each chunk, planning decides which therapist turns are training targets and, for each target,
its window: the turns shown before it as context (sliding_window), or the whole chunk as one
conversation (multi_turn). For every turn of every session it records why the turn will be in no
example when that is already known (counted here), or what to call it if the examples built from
the plans end up not using it (counted by the accounting). It also assigns each session its split
(split_by session) and writes the plans split by split.

This is the only place the eligibility and window rules are applied: the encoder renders what a
plan row says, and the accounting reads the reasons recorded here.
"""

from __future__ import annotations

import itertools
import logging
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
from datasets import Dataset, DatasetInfo, Features, Value
from datasets import Sequence as ListOf

from .chunking import Chunk
from .model import THERAPIST, Stats, Turn
from .splitting import SPLITS, assign_sessions

logger = logging.getLogger(__name__)

SLIDING_WINDOW = "sliding_window"
MULTI_TURN = "multi_turn"
# What a turn that some plan shows is called when no example ends up using it, by code.
IF_UNUSED = ("cut_for_max_length", "therapist_turn_too_short", "therapist_turn_too_long")
NOT_SHOWN = -1  # the turn is in no plan: its reason was counted when it was planned
_CODE = {None: 0, "too_short": 1, "too_long": 2}
# What a turn that no plan shows is called, by the same code: an excluded therapist turn by its
# exclusion, any other turn as outside every context window.
_NOT_SHOWN_REASON = ("outside_context_window", "therapist_turn_too_short", "therapist_turn_too_long")
_ROWS_PER_WRITE = 1000  # plan rows held in memory before they are written to the Arrow file


@dataclass(frozen=True)
class PlanRules:
    """The settings planning reads; no other step reads them."""

    example_format: str
    context_exchanges: int
    min_words: int
    max_words: int


@dataclass
class Planned:
    """What planning gives the steps after it."""

    plans: Dataset  # one row per chunk with targets, split by split when split by session or client
    split_of: dict[str, str] | None  # session -> split, when split by session or client
    # per session, per turn: index into IF_UNUSED of what to call the turn if no example uses it,
    # NOT_SHOWN if no plan shows it; every session, in input order
    if_unused: dict[str, np.ndarray]
    without_targets: dict[str, str]  # sessions that get no plan at all, and why
    stats: Stats


def target_exclusion(turn: Turn, min_words: int, max_words: int) -> str | None:
    """Why a therapist turn may not be a target (it can still be context), or None if it may."""
    words = turn.words
    if words < min_words:
        return "too_short"
    if words > max_words:
        return "too_long"
    return None


def plan_row(chunk: Chunk, targets: Sequence[int], example_format: str, context_exchanges: int) -> dict:
    """A chunk's plan: its turns, which of them are targets (session indices in `targets`), and
    what each example shows.

    - `supervised`: the turn is a target (a therapist response that is trained);
    - `context_turns`: for a target in sliding_window, how many turns before it its example shows
      (`context_exchanges`, fewer at the start of the chunk; the encoder may cut the oldest to fit
      `max_length`); 0 otherwise (multi_turn: the chunk is one conversation).
    """
    start, n = chunk.start, len(chunk.turns)
    supervised = [False] * n
    context_turns = [0] * n
    for index in targets:
        supervised[index - start] = True
        if example_format == SLIDING_WINDOW:
            context_turns[index - start] = min(index - start, context_exchanges)
    return {
        "session_id": chunk.session_id,
        "chunk_index": chunk.chunk_index,
        "speakers": [t.speaker for t in chunk.turns],
        "texts": [t.text for t in chunk.turns],
        "turn_indices": list(range(start, start + n)),
        "supervised": supervised,
        "context_turns": context_turns,
    }


def windows(supervised: np.ndarray, context_turns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """From a plan's flat `supervised` and `context_turns`: each target's index, and the index of
    the first turn its window shows (the window is [first, target), the response at target)."""
    targets = np.flatnonzero(supervised)
    return targets, targets - np.asarray(context_turns, dtype=np.int64)[targets]


def tally(codes: np.ndarray, names: Sequence[str], counter: Counter) -> None:
    """Adds to `counter`, under names[code], how many of `codes` hold each code."""
    for code, count in enumerate(np.bincount(codes, minlength=len(names)).tolist()):
        if count:
            counter[names[code]] += count


def covered(first: np.ndarray, targets: np.ndarray, n: int) -> np.ndarray:
    """Per turn of n, whether some window [first[k], targets[k]) holds it: the turns shown as context."""
    marks = np.bincount(first, minlength=n + 1) - np.bincount(targets, minlength=n + 1)
    return np.cumsum(marks[:n]) > 0


def shown_by(row: dict, example_format: str) -> np.ndarray:
    """Per turn of a plan row, whether an example of it shows the turn (before anything is cut)."""
    supervised = np.asarray(row["supervised"], dtype=bool)
    if example_format != SLIDING_WINDOW:
        return np.ones(len(supervised), dtype=bool)  # the chunk is one conversation
    targets, first = windows(supervised, row["context_turns"])
    return supervised | covered(first, targets, len(supervised))


def _plan_session(
    chunks: list[Chunk], rules: PlanRules, stats: Stats
) -> tuple[list[tuple[Chunk, list[int]]], np.ndarray]:
    """The chunks of one session that have targets, each with its targets (session indices), and
    per turn the code in IF_UNUSED of its target exclusion; targets and exclusions are counted."""
    turns: list[Turn] = []
    for chunk in chunks:  # the session's turns, from its (overlapping) chunks
        turns += chunk.turns[len(turns) - chunk.start :]
    exclusion = [
        target_exclusion(t, rules.min_words, rules.max_words) if t.speaker == THERAPIST else None for t in turns
    ]
    planned = []
    for chunk in chunks:
        targets = []
        for index in range(max(chunk.owned_from, chunk.start), chunk.start + len(chunk.turns)):
            if turns[index].speaker != THERAPIST:
                continue
            stats.counts["therapist_turns"] += 1
            reason = exclusion[index]
            if reason is None and rules.example_format == SLIDING_WINDOW and index == chunk.start:
                reason = "opens_session" if index == 0 else "opens_chunk"  # no input to respond to
            if reason:
                stats.targets_excluded[reason] += 1
            else:
                targets.append(index)
        stats.counts["targets_eligible"] += len(targets)
        if targets:
            planned.append((chunk, targets))
    return planned, np.array([_CODE[reason] for reason in exclusion], dtype=np.int8)


@dataclass
class SessionPlans:
    """Planning's decisions for a run of sessions, before any split is known."""

    planned: list[tuple[Chunk, list[int]]]  # the chunks with targets, and their targets, in input order
    if_unused: dict[str, np.ndarray]  # as Planned's, NOT_SHOWN marked once the plans are written
    without_targets: dict[str, str]
    stats: Stats

    def targets(self) -> dict[str, int]:
        """Session -> its targets, for the sessions with any (what the split assignment weighs)."""
        sizes: Counter = Counter()
        for chunk, targets in self.planned:
            sizes[chunk.session_id] += len(targets)
        return dict(sizes)


def plan_sessions(chunks: list[Chunk], rules: PlanRules) -> SessionPlans:
    """Each session's targets and windows (_plan_session), from its chunks (those of a session together)."""
    plans = SessionPlans([], {}, {}, Stats())
    for session_id, session_chunks in itertools.groupby(chunks, key=lambda c: c.session_id):
        if session_id in plans.if_unused:
            raise AssertionError(f"the chunks of session {session_id} are not together (a bug)")
        session_planned, plans.if_unused[session_id] = _plan_session(list(session_chunks), rules, plans.stats)
        if not session_planned:
            plans.without_targets[session_id] = (
                "no turns with text" if not len(plans.if_unused[session_id]) else "no eligible therapist turn"
            )
        plans.planned += session_planned
    return plans


def write_plans(plans: SessionPlans, rules: PlanRules, path: Path) -> Dataset:
    """The plan rows of `plans.planned`, in its order, as an Arrow file at `path` (memory-mapped, so
    neither this process nor map workers hold them). The turns no plan shows are counted under their
    reason and marked NOT_SHOWN in `plans.if_unused`. A row is made only as it is written."""
    shown = {session_id: np.zeros(len(codes), dtype=bool) for session_id, codes in plans.if_unused.items()}

    def rows() -> Iterator[dict]:
        for chunk, targets in plans.planned:
            row = plan_row(chunk, targets, rules.example_format, rules.context_exchanges)
            end = chunk.start + len(chunk.turns)
            shown[chunk.session_id][chunk.start : end] |= shown_by(row, rules.example_format)
            yield row

    written = _write_plans(rows(), path)
    for session_id, codes in plans.if_unused.items():  # the turns no plan shows: no example can use them
        unseen = ~shown[session_id]
        tally(codes[unseen], _NOT_SHOWN_REASON, plans.stats.exchanges_dropped)
        codes[unseen] = NOT_SHOWN
    return written


def log_plans(stats: Stats, rows: int, example_format: str) -> None:
    logger.info(
        "%d therapist turns, %d eligible as targets, in %d chunk plans (%s)",
        stats.counts["therapist_turns"],
        stats.counts["targets_eligible"],
        rows,
        example_format,
    )


def split_order(session_ids: Sequence[str], split_of: Mapping[str, str]) -> list[int]:
    """The rows' positions split by split (train, validation, test), input order within a split."""
    rank = {name: position for position, name in enumerate(SPLITS)}
    return sorted(range(len(session_ids)), key=lambda i: rank[split_of[session_ids[i]]])


def plan_examples(
    chunks: list[Chunk],
    rules: PlanRules,
    split_by: str,
    ratios: Mapping[str, float],
    seed: int,
    work: Path,
    clients: Mapping[str, str] | None = None,
) -> Planned:
    """The plans of all chunks, as an Arrow file in `work`, and the facts the accounting needs, in one
    step (the pipeline runs the same parts unit by unit: plan_sessions, assign_splits, write_plans).

    With split_by session, each session's split is decided here from its targets; with split_by
    client, each client's, from the targets of all its sessions (`clients`: session -> client; a
    session not in it is its own client). The plans are then written split by split: each split's
    examples come out of the encoder as one run of rows.
    """
    plans = plan_sessions(chunks, rules)
    split_of = None
    if split_by in ("session", "client"):
        split_of = assign_splits(plans.targets(), split_by, clients or {}, ratios, seed)
        order = split_order([chunk.session_id for chunk, _ in plans.planned], split_of)
        plans.planned = [plans.planned[i] for i in order]
    written = write_plans(plans, rules, work / "plans.arrow")
    log_plans(plans.stats, len(plans.planned), rules.example_format)
    return Planned(written, split_of, plans.if_unused, plans.without_targets, plans.stats)


def assign_splits(
    targets: Mapping[str, int],
    split_by: str,
    clients: Mapping[str, str],
    ratios: Mapping[str, float],
    seed: int,
) -> dict[str, str]:
    """The split of every session with targets (`targets`: session -> its targets, in input order):
    its own (by session), or its client's (by client), the groups weighed by their targets
    (assign_sessions)."""
    if split_by == "session":
        group_of = {session_id: session_id for session_id in targets}
    else:  # a client id and a session id never meet: a session without a client is a group of one
        group_of = {s: "client:" + clients[s] if s in clients else "session:" + s for s in targets}
    sizes: Counter = Counter()
    for session_id, count in targets.items():
        sizes[group_of[session_id]] += count
    split_of_group = assign_sessions(sizes, ratios, seed)
    return {session_id: split_of_group[group] for session_id, group in group_of.items()}


def open_plans(path: Path) -> Dataset:
    """The plan rows write_plans wrote at `path`, memory-mapped."""
    return Dataset.from_file(str(path), info=DatasetInfo(features=plan_features()))


def _write_plans(rows: Iterator[dict], path: Path) -> Dataset:
    features = plan_features()
    columns: dict[str, list] = {name: [] for name in features}
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_stream(sink, features.arrow_schema) as writer:

        def flush() -> None:
            writer.write_batch(pa.RecordBatch.from_pydict(columns, schema=features.arrow_schema))
            for column in columns.values():
                column.clear()

        for written, row in enumerate(rows, 1):
            for name, value in row.items():
                columns[name].append(value)
            if written % _ROWS_PER_WRITE == 0:
                flush()
        flush()
    return open_plans(path)


def plan_features() -> Features:
    """Arrow schema of the plan rows handed to the encoder."""
    return Features(
        {
            "session_id": Value("string"),
            "chunk_index": Value("int32"),
            "speakers": ListOf(Value("string")),
            "texts": ListOf(Value("string")),
            "turn_indices": ListOf(Value("int32")),
            "supervised": ListOf(Value("bool")),
            "context_turns": ListOf(Value("int32")),
        }
    )
