"""Work in units: the pipeline's steps on a contiguous run of input files at a time, so that memory
is bounded by a unit, not by the corpus, and units can run anywhere (engines.py).

A unit is a run of input files in corpus order, cut by size; a session never spans units (a
session lies inside one file). Three passes over the units, with the driver deciding in between
what needs the whole corpus:

1. `scan`: read the unit's files; per session, what the corpus-wide rules need (its id, file, the
   digest of its turns, its words, its MinHash signature, its client) and per file its record, skips
   and counts. The shingles are written into the unit's folder for the pairs LSH proposes.
2. the driver: one session per id (the `id@file` rule), the duplicate sessions, the roles file's
   ids; then `prepare` per unit: read again, keep the sessions the driver kept under the ids it
   gave, de-identify, chunk, plan, and write the plan rows into the unit's folder; per session its
   targets and client.
3. the driver assigns the splits from every session's targets; then `encode` per unit: its plan
   rows in split order, tokenized into the unit's folder, accounted; its counts.

The driver then puts the units' examples together in unit order. The passes know nothing of how
they are run: `UnitWorker` holds what they share (speaker rules, de-identifier, encoder) and is
what an engine runs, in this process or in a Ray actor.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import pickle
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import datasets
import numpy as np
from datasets import Dataset

from . import deid
from .accounting import account
from .chunking import chunk_sessions
from .columns import column_values
from .dedupe import NEAR, sketch_sessions
from .loaders import FileLoad, load_file, speaker_rules
from .model import Session, Skip, Stats
from .planning import Planned, PlanRules, log_plans, open_plans, plan_sessions, split_order, write_plans
from .rendering import ExampleRules

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

    from .encoding import ExampleEncoder

logger = logging.getLogger(__name__)

PLANS, FACTS, SHINGLES, OFFSETS = "plans.arrow", "plan_facts.pickle", "shingles.npy", "shingle_offsets.npy"
SHARD = "data-00000-of-00001.arrow"  # the one shard save_to_disk writes with num_shards=1


@dataclass(frozen=True)
class Unit:
    index: int
    files: tuple[str, ...]  # paths relative to the input folder, in corpus order


def make_units(files: list[Path], input_dir: Path, unit_bytes: int) -> list[Unit]:
    """The corpus's files (in corpus order) cut into units of about `unit_bytes` (a file larger
    than that is a unit of its own)."""
    units: list[Unit] = []
    current: list[str] = []
    size = 0
    for file in files:
        try:
            length = file.stat().st_size
        except OSError:
            length = 0  # load_file says what is wrong with it
        if current and size + length > unit_bytes:
            units.append(Unit(len(units), tuple(current)))
            current, size = [], 0
        current.append(file.relative_to(input_dir).as_posix())
        size += length
    if current:
        units.append(Unit(len(units), tuple(current)))
    return units


@dataclass
class SessionRecord:
    """What the driver knows of a session read in a unit: never its text."""

    session_id: str  # as read; the driver renames it by the id rule
    source: str
    unit: int
    position: int  # among the unit's sessions, in the order they were read
    key: bytes  # turns_key
    turns: int
    words: int
    signature: np.ndarray | None  # MinHash hash values (dedupe near), None if too short or not near
    client_id: str | None


@dataclass
class UnitScan:
    unit: int
    loads: list[FileLoad]  # per file: its record, its SessionRecords and Skips in file order, its counts
    seconds: dict[str, float]  # per step, as the manifest's step_seconds


@dataclass
class UnitPrepared:
    unit: int
    targets: dict[str, int]  # session (as in the dataset) -> its targets, for those with any, in input order
    clients: dict[str, str]  # session (as in the dataset) -> client, for those with targets that have one
    plan_rows: int
    stats: Stats  # de-identification, chunking and planning counts of the unit's kept sessions
    seconds: dict[str, float]


@dataclass
class UnitEncoded:
    unit: int
    rows: int  # its examples
    files: list[str]  # the Arrow files of the unit's examples (split_by example: the driver splits them)
    # split -> the unit's shard of it, saved (split_by session or client), for the splits it has rows of
    shards: dict[str, str]
    stats: Stats  # tokenize and accounting counts
    without_examples: list[dict]
    seconds: dict[str, float]


@dataclass(frozen=True)
class UnitSettings:
    """Everything the passes read, the same in every worker (picklable)."""

    input_dir: str
    work_dir: str  # the units' folders go here (for Ray on a cluster: storage every node sees)
    cache_dir: str
    tokenizer_dir: str  # the driver's tokenizer, saved: every worker encodes with exactly it, offline
    speaker_map: dict
    roles: dict | None
    unmapped: str
    dedupe: str
    deidentify: str
    key: bytes | None  # the de-identification key, None with it off
    chunk_size: int
    overlap: int
    plan_rules: PlanRules
    example_rules: ExampleRules
    num_proc: int
    workers: int | None  # forked processes inside a unit (None: as many as pay); 1 under Ray
    kill: tuple[str, int] | None = None  # tests: (pass, unit) whose worker kills itself, a killed worker


class UnitWorker:
    """The three passes on one unit at a time; what they share is built once per worker, when first
    needed (the encoder loads the tokenizer, the de-identifier its word lists)."""

    def __init__(
        self,
        settings: UnitSettings,
        deidentifier: deid.Deidentifier | None = None,
        tokenizer: PreTrainedTokenizerBase | None = None,
    ) -> None:
        """`deidentifier`, `tokenizer`: the driver's, where the worker runs beside it (else built here)."""
        self.settings = settings
        self.speakers = speaker_rules(settings.speaker_map, settings.roles, settings.unmapped)
        self._deidentifier = deidentifier
        # The sessions of the unit scanned last, kept for its prepare pass (one unit: memory stays
        # bounded), so a corpus of one unit is read once. Only where one worker runs both passes.
        self.keep_last_scan = tokenizer is not None
        self.last_scan: tuple[int, list[Session]] | None = None
        self._encoder: ExampleEncoder | None = None
        if tokenizer is not None:
            from .encoding import ExampleEncoder

            self._encoder = ExampleEncoder(tokenizer, settings.example_rules)

    def unit_dir(self, unit: Unit) -> Path:
        path = Path(self.settings.work_dir) / f"unit-{unit.index:06d}"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def _load(self, unit: Unit, step: str) -> list[FileLoad]:
        self._maybe_die(step, unit)
        input_dir = Path(self.settings.input_dir)
        return [load_file(input_dir / rel, input_dir, self.speakers) for rel in unit.files]

    def _maybe_die(self, step: str, unit: Unit) -> None:
        if self.settings.kill == (step, unit.index):
            os.kill(os.getpid(), signal.SIGKILL)

    # ------------------------------------------------------------------ pass 1

    def scan(self, unit: Unit) -> UnitScan:
        with gc_paused():
            return self._scan(unit)

    def _scan(self, unit: Unit) -> UnitScan:
        clock = StepClock()
        with clock("load"):
            loads = self._load(unit, "scan")
        sessions = [item for loaded in loads for item in loaded.found if isinstance(item, Session)]
        with clock("dedupe"):
            sketches, shingled = sketch_sessions(sessions, self.settings.dedupe, self.settings.workers)
            if self.settings.dedupe == NEAR and sessions:
                lengths = np.array([len(values) for values in shingled], dtype=np.int64)
                offsets = np.concatenate([[0], np.cumsum(lengths)])
                folder = self.unit_dir(unit)
                np.save(folder / SHINGLES, np.concatenate(shingled))
                np.save(folder / OFFSETS, offsets)
        records = iter(
            SessionRecord(s.session_id, s.source, unit.index, k, sk.key, sk.turns, sk.words, sk.signature, s.client_id)
            for k, (s, sk) in enumerate(zip(sessions, sketches))
        )
        for loaded in loads:  # the same loads, their sessions replaced by their records
            loaded.found = [item if isinstance(item, Skip) else next(records) for item in loaded.found]
        self.last_scan = (unit.index, sessions) if self.keep_last_scan else None
        return UnitScan(unit.index, loads, clock.seconds)

    # ------------------------------------------------------------------ pass 2

    @property
    def deidentifier(self) -> deid.Deidentifier | None:
        s = self.settings
        if self._deidentifier is None and s.key is not None and s.deidentify != deid.OFF:
            self._deidentifier = deid.Deidentifier(s.deidentify, s.key, deid.load_word_lists(s.cache_dir))
        return self._deidentifier

    def prepare(self, unit: Unit, kept: dict[int, str]) -> UnitPrepared:
        """`kept`: position (among the unit's sessions as read) -> the id the driver kept it under."""
        with gc_paused():
            return self._prepare(unit, kept)

    def _prepare(self, unit: Unit, kept: dict[int, str]) -> UnitPrepared:
        s = self.settings
        clock = StepClock()
        with clock("load"):
            if self.last_scan is not None and self.last_scan[0] == unit.index:
                read = self.last_scan[1]
            else:
                read = [i for loaded in self._load(unit, "prepare") for i in loaded.found if isinstance(i, Session)]
            self.last_scan = None
        sessions = []
        for position, session in enumerate(read):
            if position in kept:
                session.session_id = kept[position]
                sessions.append(session)
        del read
        with _quiet():
            with clock("deidentify"):
                sessions, deid_stats = deid.deidentify_sessions(sessions, self.deidentifier, s.workers)
            with clock("chunk"):
                chunks, chunk_stats = chunk_sessions(sessions, s.chunk_size, s.overlap)
        clients = {x.session_id: x.client_id for x in sessions if x.client_id is not None}
        del sessions
        with clock("plan"):
            plans = plan_sessions(chunks, s.plan_rules)
            folder = self.unit_dir(unit)
            write_plans(plans, s.plan_rules, folder / PLANS)
            with open(folder / FACTS, "wb") as out:
                pickle.dump((plans.if_unused, plans.without_targets), out, protocol=pickle.HIGHEST_PROTOCOL)
        targets = plans.targets()
        return UnitPrepared(
            unit.index,
            targets,
            {x: clients[x] for x in targets if x in clients},
            len(plans.planned),
            Stats.total(deid_stats, chunk_stats, plans.stats),
            clock.seconds,
        )

    # ------------------------------------------------------------------ pass 3

    @property
    def encoder(self) -> ExampleEncoder:
        if self._encoder is None:  # (imported here: a worker of the other passes never pays for the tokenizer)
            from transformers import PreTrainedTokenizerFast

            from .encoding import ExampleEncoder

            tokenizer = PreTrainedTokenizerFast.from_pretrained(self.settings.tokenizer_dir, local_files_only=True)
            self._encoder = ExampleEncoder(tokenizer, self.settings.example_rules)
        return self._encoder

    def encode(self, unit: Unit, split_of: dict[str, str] | None, fingerprint: str) -> UnitEncoded:
        """The unit's plan rows (in split order with `split_of`: session -> split) tokenized and
        accounted; `fingerprint`: the run's dataset fingerprint."""
        self._maybe_die("encode", unit)
        clock = StepClock()
        folder = self.unit_dir(unit)
        plans = open_plans(folder / PLANS)
        if split_of is not None and len(plans):
            order = split_order(column_values(plans, "session_id"), split_of)
            if order != list(range(len(plans))):
                plans = plans.select(order)
        with open(folder / FACTS, "rb") as facts:
            if_unused, without_targets = pickle.load(facts)
        if not len(plans):  # no session of the unit has a target: nothing to tokenize, the books still kept
            from .encoding import example_features

            features = example_features()
            examples, encode_stats = Dataset.from_dict({name: [] for name in features}, features=features), Stats()
        else:
            encoder = self.encoder  # (the tokenizer is not part of the step's time)
            with _quiet(), clock("tokenize"):
                examples, encode_stats = encoder.encode_plans(
                    plans, folder, f"{fingerprint}-{unit.index}", self.settings.num_proc
                )
                if sum(encode_stats.examples_dropped.values()):  # rows filtered away: the rest in a file of its own
                    examples = examples.flatten_indices(cache_file_name=str(folder / "examples.arrow"))
        with clock("account"):
            planned = Planned(plans, split_of, if_unused, without_targets, Stats())
            without_examples, account_stats = account(planned, examples)
        files = [f["filename"] for f in examples.cache_files]  # none for a unit without plans
        shards = {}
        if split_of is not None and len(examples):
            with clock("save"):
                shards = self._save_shards(examples, split_of, folder)
        stats = Stats.total(encode_stats, account_stats)
        return UnitEncoded(unit.index, len(examples), files, shards, stats, without_examples, clock.seconds)

    def _save_shards(self, examples: Dataset, split_of: dict[str, str], folder: Path) -> dict[str, str]:
        """The unit's examples (in split order) saved as one shard per split, as `save_to_disk`
        writes it: the driver only moves the shards into place (saving.assemble_splits)."""
        names = [split_of[s] for s in column_values(examples, "session_id")]
        shards, start = {}, 0
        examples = examples.remove_columns(["turn_indices", "targets"])
        with _quiet():
            for name in dict.fromkeys(names):  # in split order, as the rows are
                end = start + names.count(name)
                examples.select(range(start, end)).save_to_disk(str(folder / "shards" / name), num_shards=1)
                shards[name] = str(folder / "shards" / name / SHARD)
                start = end
        return shards


def shingles_reader(work_dir: str, records: list[SessionRecord]):
    """record position in `records` -> its shingles, read from its unit's file (memory-mapped: the
    pages of the candidates only are read, and the system may drop them again)."""
    opened: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def shingles_of(i: int) -> np.ndarray:
        record = records[i]
        if record.unit not in opened:
            folder = Path(work_dir) / f"unit-{record.unit:06d}"
            opened[record.unit] = (np.load(folder / SHINGLES, mmap_mode="r"), np.load(folder / OFFSETS))
        values, offsets = opened[record.unit]
        return values[offsets[record.position] : offsets[record.position + 1]]

    return shingles_of


def log_prepared(stats: Stats, rows: int, deidentify: str, example_format: str) -> None:
    """The counts the passes' steps would log on one machine, for the whole corpus."""
    replaced = stats.counts.get("phi_replaced", {})
    if deidentify == deid.OFF:
        logger.info("de-identification off: the text is kept as it is (deidentify: off)")
    else:
        logger.info(
            "de-identified (%s): %d values replaced (%s)",
            deidentify,
            sum(replaced.values()),
            ", ".join(f"{k}: {v}" for k, v in sorted(replaced.items())) or "none",
        )
    logger.info("%d chunks (%d sessions split)", stats.counts["chunks"], stats.counts["sessions_chunked"])
    log_plans(stats, rows, example_format)


class StepClock:
    """`with clock("step"):` adds the step's wall-clock seconds to `clock.seconds[step]` (the
    manifest's `step_seconds`); `add` adds another clock's (the driver adds the units': under engine
    ray, summed over its workers). The driver's own steps between the passes are `ids`, `copies`,
    `assign`, `books` and `split`."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def __call__(self, step: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.add({step: time.perf_counter() - start})

    def add(self, *seconds: dict[str, float]) -> None:
        for part in seconds:
            for step, value in part.items():
                self.seconds[step] = round(self.seconds.get(step, 0.0) + value, 3)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No collections while a unit is read and prepared: it makes millions of objects and no cycles
    (they are freed as they go out of use), and every full collection would walk them all again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """The steps' INFO lines and progress bars are per unit: the driver shows the corpus's instead."""
    package = logging.getLogger("therapy_pipeline")
    level = package.level
    bars = datasets.is_progress_bar_enabled()
    package.setLevel(max(level, logging.WARNING))
    datasets.disable_progress_bars()
    try:
        yield
    finally:
        package.setLevel(level)
        if bars:
            datasets.enable_progress_bars()
