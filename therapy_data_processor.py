"""Therapy transcripts -> a Llama 3.1 8B Instruct fine-tuning dataset.

`TherapyDataProcessor.run()` reads top to bottom as the pipeline:
load -> de-identify -> chunk -> instruction-format -> tokenize -> split -> save.
Each step is one short method; the work itself lives in the `therapy_pipeline` package.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import itertools
import json
import logging
import os
import platform
import shutil
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import datasets
import numpy as np
import pyarrow as pa
import yaml
from datasets import Dataset, DatasetDict, DatasetInfo

from therapy_pipeline import __version__, deid
from therapy_pipeline.chunking import Chunk, chunk_session, overlap_turns
from therapy_pipeline.encoding import ExampleEncoder, example_features, plan_features
from therapy_pipeline.formatting import (
    MULTI_TURN,
    SLIDING_WINDOW,
    chunk_plan,
    context_windows,
    eligible_targets,
    target_exclusion,
)
from therapy_pipeline.loaders import LoadResult, load_corpus, redact_reason
from therapy_pipeline.model import THERAPIST, InputError, Session, Stats
from therapy_pipeline.saving import staging_dir, write_json
from therapy_pipeline.splitting import SPLITS, assign_sessions, split_by_example
from therapy_pipeline.tokenizer import PAD_TOKEN, load_tokenizer

logger = logging.getLogger("therapy_data_processor")

MANIFEST = "processing_manifest.json"
MAP_BATCH_SIZE = 64  # plans (chunks) per encoder call: a few thousand turns tokenized together
PLAN_SLICE = 1000
DEID_WORKERS = 4  # forked processes for de-identification, at most one a core
DEID_PARALLEL_TURNS = 20000
# Config keys that change where or how fast the output is made, never what it holds.
_NOT_CONTENT = {"input_data_dir", "output_dir", "cache_dir", "num_proc", "private_output", "strict", "deid_key_file"}


class ConfigError(Exception):
    """Bad configuration; each line of the message names one key and what is wrong with it."""


@dataclass
class ProcessingConfig:
    model_name: str = field(
        default="meta-llama/Llama-3.1-8B-Instruct",
        metadata={
            "help": "hub id or local directory of the tokenizer; an unreachable Llama 3.1 id "
            "falls back to the embedded Llama 3.1 tokenizer"
        },
    )
    max_length: int = field(
        default=2048,
        metadata={"help": "maximum tokens per example; context is cut from the oldest turn, never the response"},
    )
    max_session_exchanges: int = field(
        default=300, metadata={"help": "sessions with more exchanges (turns) are split into chunks of this size"}
    )
    overlap_percentage: float = field(
        default=0.2, metadata={"help": "share of a chunk repeated from the chunk before, as context only, in [0, 1)"}
    )
    min_exchange_length: int = field(
        default=1, metadata={"help": "fewest words a therapist turn needs to be a training target"}
    )
    max_exchange_length: int = field(
        default=200,
        metadata={
            "help": "most words a therapist turn may have to be a training target (longer turns still serve as context)"
        },
    )
    input_data_dir: str = field(
        default="data/training_data",
        metadata={"help": "folder searched recursively for .json, .jsonl, .csv and .txt sessions"},
    )
    output_dir: str = field(
        default="data/processed", metadata={"help": "where the DatasetDict, tokenizer/ and the manifest are written"}
    )
    cache_dir: str = field(default=".cache", metadata={"help": "cache for the hub and the embedded tokenizer"})
    instruction: str = field(
        default="You are a DBT therapist. Respond to the client's concerns using DBT techniques.",
        metadata={"help": "the system / instruction text"},
    )
    example_format: str = field(
        default=SLIDING_WINDOW,
        metadata={
            "help": "sliding_window: one example per therapist response with its "
            "context turns; multi_turn: a chunk as one conversation, every "
            "eligible therapist turn supervised"
        },
    )
    context_exchanges: int = field(
        default=2, metadata={"help": "turns of context before the response (sliding_window)"}
    )
    prompt_format: str = field(
        default="chat",
        metadata={
            "help": "chat: the Llama 3.1 Instruct chat template; alpaca: the seed's Instruction / Input / Output text"
        },
    )
    train_on_inputs: bool = field(
        default=False,
        metadata={
            "help": "false: only therapist responses and their end-of-turn token are "
            "trained; true: every token (the seed's labels = input_ids)"
        },
    )
    split_ratios: dict = field(
        default_factory=lambda: {"train": 0.8, "validation": 0.1, "test": 0.1},
        metadata={"help": "shares of train, validation and test (sum to 1)"},
    )
    split_by: str = field(
        default="session",
        metadata={"help": "session: all examples of a session in one split; example: the seed's random split"},
    )
    seed: int = field(
        default=42, metadata={"help": "seed of the split; same input + same config = byte-identical output"}
    )
    speaker_map: dict = field(
        default_factory=dict, metadata={"help": "extra raw speaker labels -> therapist or client"}
    )
    deidentify: str = field(
        default=deid.SURROGATE,
        metadata={
            "help": "surrogate: protected health information in every turn replaced by realistic surrogates of "
            "its type, one per real value within a session; tag: by typed tags ([NAME], [PHONE], [DATE], ...); "
            "off: text kept as it is (for a corpus that is already de-identified)"
        },
    )
    deid_key_file: str = field(
        default=".cache/deid.key",
        metadata={
            "help": "secret key (created with mode 0600 on first use) that makes surrogates and pseudonymous ids "
            "impossible to guess without it; same key + same input + same config = same output"
        },
    )
    strict: bool = field(
        default=False,
        metadata={"help": "true: the first bad file or session fails the run (exit 1) instead of being skipped"},
    )
    num_proc: int = field(
        default=1,
        metadata={
            "help": "worker processes for tokenization (Dataset.map num_proc); "
            "1 already uses every core: a thread tokenizes ahead"
        },
    )
    pad_to_multiple_of: int = field(
        default=8,
        metadata={"help": "collator padding multiple recorded for training (8 suits tensor cores; 1 for none)"},
    )
    private_output: bool = field(
        default=True,
        metadata={
            "help": "write output readable by the owner only (0600 files, 0700 "
            "folders): transcripts are protected health information"
        },
    )

    # ------------------------------------------------------------------ building and checking

    @classmethod
    def field_help(cls) -> dict[str, tuple[Any, str]]:
        """key -> (default, help), the single source of the README table and `--help`."""
        out = {}
        for f in dataclasses.fields(cls):
            default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
            out[f.name] = (default, f.metadata["help"])
        return out

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> ProcessingConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError("\n".join(f"{k}: unknown config key" for k in unknown))
        config = cls(**values)
        config.validate()
        return config

    @classmethod
    def from_yaml(cls, path: str | Path, overrides: list[str] | None = None) -> ProcessingConfig:
        """Read a YAML config and apply `KEY=VALUE` overrides (values parsed as YAML)."""
        path = Path(path)
        try:
            values = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except FileNotFoundError:
            raise ConfigError(f"{path}: config file not found") from None
        except (OSError, UnicodeDecodeError) as err:
            raise ConfigError(f"{path}: cannot read config: {err}") from None
        except yaml.YAMLError as err:
            raise ConfigError(f"{path}: invalid YAML: {str(err).splitlines()[0]}") from None
        if not isinstance(values, dict):
            raise ConfigError(f"{path}: the config must be a mapping of key: value")
        for item in overrides or []:
            key, sep, raw = item.partition("=")
            if not sep or not key.strip():
                raise ConfigError(f"--set {item}: expected KEY=VALUE")
            try:
                value = yaml.safe_load(raw)
            except yaml.YAMLError:
                value = raw
            key = key.strip()
            if "." in key:  # split_ratios.train=0.9
                parent, child = key.split(".", 1)
                nested = values.get(parent)
                if nested is None:
                    nested = dict(cls.field_help().get(parent, ({}, ""))[0] or {})
                if not isinstance(nested, dict):
                    raise ConfigError(f"{parent}: is not a mapping, cannot set {key}")
                values[parent] = {**nested, child: value}
            else:
                values[key] = value
        return cls.from_dict(values)

    def validate(self) -> None:
        errors = []

        def need(ok: bool, key: str, message: str) -> None:
            if not ok:
                errors.append(f"{key}: {message}, got {getattr(self, key)!r}")

        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            expected = {"str": str, "int": int, "float": (int, float), "bool": bool, "dict": dict}[f.type]
            if isinstance(value, bool) and f.type != "bool" or not isinstance(value, expected):
                errors.append(f"{f.name}: must be {'a number' if f.type == 'float' else f.type}, got {value!r}")
        if errors:
            raise ConfigError("\n".join(errors))
        need(self.model_name.strip() != "", "model_name", "must not be empty")
        need(self.max_length >= 64, "max_length", "must be at least 64")
        need(self.max_session_exchanges >= 2, "max_session_exchanges", "must be at least 2")
        need(0 <= self.overlap_percentage < 1, "overlap_percentage", "must be in [0, 1)")
        need(
            overlap_turns(self.max_session_exchanges, self.overlap_percentage) < self.max_session_exchanges,
            "overlap_percentage",
            "leaves no new turns in a chunk",
        )
        need(self.min_exchange_length >= 0, "min_exchange_length", "must be 0 or more")
        need(
            self.max_exchange_length >= self.min_exchange_length,
            "max_exchange_length",
            f"must not be below min_exchange_length ({self.min_exchange_length})",
        )
        need(
            self.example_format in (SLIDING_WINDOW, MULTI_TURN),
            "example_format",
            f"must be {SLIDING_WINDOW} or {MULTI_TURN}",
        )
        need(self.context_exchanges >= 1, "context_exchanges", "must be at least 1")
        need(self.prompt_format in ("chat", "alpaca"), "prompt_format", "must be chat or alpaca")
        need(
            not (self.prompt_format == "alpaca" and self.example_format == MULTI_TURN),
            "prompt_format",
            "alpaca holds one response per example: use it with example_format sliding_window",
        )
        need(self.split_by in ("session", "example"), "split_by", "must be session or example")
        need(self.deidentify in deid.MODES, "deidentify", f"must be one of {', '.join(deid.MODES)}")
        need(self.deid_key_file.strip() != "", "deid_key_file", "must not be empty")
        need(set(self.split_ratios) == set(SPLITS), "split_ratios", "needs exactly train, validation, test")
        if set(self.split_ratios) == set(SPLITS):
            ratios = list(self.split_ratios.values())
            numeric = all(isinstance(r, (int, float)) and not isinstance(r, bool) for r in ratios)
            need(numeric and all(0 <= r <= 1 for r in ratios), "split_ratios", "must be numbers in [0, 1]")
            need(numeric and abs(sum(ratios) - 1) < 1e-6, "split_ratios", "must sum to 1")
            need(numeric and self.split_ratios.get("train", 0) > 0, "split_ratios", "train must be above 0")
        bad_map = {
            k: v for k, v in self.speaker_map.items() if not isinstance(k, str) or v not in ("therapist", "client")
        }
        need(not bad_map, "speaker_map", "values must be therapist or client")
        need(self.num_proc >= 1, "num_proc", "must be at least 1")
        inputs, output = Path(self.input_data_dir).resolve(), Path(self.output_dir).resolve()
        need(
            inputs != output and inputs not in output.parents,
            "output_dir",
            f"must not be inside input_data_dir ({self.input_data_dir}): the next run would read it as input",
        )
        need(self.pad_to_multiple_of >= 1, "pad_to_multiple_of", "must be at least 1")
        if errors:
            raise ConfigError("\n".join(errors))

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class TherapyDataProcessor:
    """load -> chunk -> instruction-format -> tokenize -> split -> save, driven by a ProcessingConfig."""

    def __init__(self, config: ProcessingConfig) -> None:
        self.config = config
        self.stats = Stats()
        self.tokenizer = None
        self.tokenizer_source = ""
        self.input_hashes: list[str] = []
        self.split_of: dict[str, str] | None = None  # session -> split, when split by session
        self.deidentifier: deid.Deidentifier | None = None
        self.skipped: list = []  # the files and sessions skipped, as the console names them

    def run(self, export: str | None = None) -> dict[str, Any]:
        """The whole pipeline; returns the manifest. Output appears only when complete."""
        cfg = self.config
        self.tokenizer, self.tokenizer_source = load_tokenizer(cfg.model_name, cfg.cache_dir)
        if cfg.deidentify != deid.OFF:  # the key first: a key that cannot be read stops the run before any work
            key = deid.load_key(cfg.deid_key_file)
        with _gc_paused():
            loaded = self.load_sessions()
            self.skipped = list(loaded.skips)
            if cfg.deidentify != deid.OFF:
                self.deidentifier = deid.Deidentifier(cfg.deidentify, key, deid.load_word_lists(cfg.cache_dir))
            loaded.sessions[:] = self.deidentify(loaded.sessions)
        with _gc_frozen(), staging_dir(Path(cfg.output_dir), private=cfg.private_output) as staging:
            work = staging / "_work"  # intermediate Arrow files: inside the private staging folder
            work.mkdir()
            chunks = self.chunk_sessions(loaded.sessions)
            plans = self.format_examples(chunks, work)
            examples = self.tokenize(plans, work)
            accounting = self.account(loaded.sessions, plans, examples)
            del plans, chunks
            loaded.sessions.clear()  # counted and accounted for: free them before the save
            dataset = self.split(examples.remove_columns(["turn_indices", "targets"]))
            manifest = self.manifest(loaded, dataset, accounting)
            self.save(dataset, manifest, staging, export)
            del examples, dataset
            shutil.rmtree(work)
        return manifest

    # ------------------------------------------------------------------ the steps

    def load_sessions(self) -> LoadResult:
        cfg = self.config
        result = load_corpus(cfg.input_data_dir, cfg.speaker_map, strict=cfg.strict)
        self.input_hashes = [f"{f.path}:{f.sha256}" for f in result.files]
        self.stats.counts.update(result.stats.counts)
        self.stats.exchanges_dropped.update(result.stats.exchanges_dropped)
        logger.info(
            "loaded %d sessions (%d exchanges) from %d files; %d files and %d sessions skipped",
            len(result.sessions),
            result.stats.counts["exchanges_loaded"],
            result.stats.counts["files"],
            result.stats.counts["files_skipped"],
            result.stats.counts["sessions_skipped"],
        )
        if not result.sessions:
            raise InputError(cfg.input_data_dir, "no usable sessions found")
        return result

    def deidentify(self, sessions: list[Session]) -> list[Session]:
        """Every turn with its PHI replaced, every session id a keyed pseudonym; counts by type."""
        replaced: Counter = Counter()
        if self.deidentifier is None:
            logger.info("de-identification off: the text is kept as it is (deidentify: off)")
            return sessions
        out = []
        # Forked workers pay for their start-up from about DEID_PARALLEL_TURNS turns on; each session is
        # de-identified alone, so the output does not depend on them.
        turns = sum(len(s.turns) for s in sessions)
        workers = min(os.cpu_count() or 1, DEID_WORKERS) if turns >= DEID_PARALLEL_TURNS else 1
        for session, counts in self.deidentifier.sessions(sessions, workers):
            replaced.update(counts)
            out.append(session)
        self.stats.counts["phi_replaced"] = dict(sorted(replaced.items()))
        logger.info(
            "de-identified %d sessions (%s): %d values replaced (%s)",
            len(out),
            self.config.deidentify,
            sum(replaced.values()),
            ", ".join(f"{k}: {v}" for k, v in sorted(replaced.items())) or "none",
        )
        return out

    def chunk_sessions(self, sessions: list[Session]) -> list[Chunk]:
        cfg = self.config
        overlap = overlap_turns(cfg.max_session_exchanges, cfg.overlap_percentage)
        chunks = [c for s in sessions for c in chunk_session(s, cfg.max_session_exchanges, overlap)]
        self.stats.counts["chunks"] = len(chunks)
        self.stats.counts["sessions_chunked"] = len({c.session_id for c in chunks if c.chunk_index > 0})
        logger.info(
            "%d chunks (%d sessions over %d exchanges split with %d exchanges of overlap)",
            len(chunks),
            self.stats.counts["sessions_chunked"],
            cfg.max_session_exchanges,
            overlap,
        )
        return chunks

    def format_examples(self, chunks: list[Chunk], work: Path) -> Dataset:
        """A plan per chunk with targets (its turns, which are supervised), as an Arrow file in `work`:
        memory-mapped, so neither this process nor map workers hold them in memory.

        With split_by session, each session's split is decided here from its targets, and the plans
        are written split by split: each split's examples then come out of the encoder as one run of
        rows, which is saved without gathering rows from all over the table.
        """
        cfg = self.config
        targets = [
            eligible_targets(c, cfg.example_format, cfg.min_exchange_length, cfg.max_exchange_length, self.stats)
            for c in chunks
        ]
        order = [i for i, chunk_targets in enumerate(targets) if chunk_targets]
        if cfg.split_by == "session":
            sizes: Counter = Counter()
            for i in order:
                sizes[chunks[i].session_id] += len(targets[i])
            self.split_of = assign_sessions(sizes, cfg.split_ratios, cfg.seed)
            rank = {name: position for position, name in enumerate(SPLITS)}
            order.sort(key=lambda i: rank[self.split_of[chunks[i].session_id]])
        features = plan_features()
        columns: dict[str, list] = {name: [] for name in features}
        planned = 0
        path = work / "plans.arrow"
        with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_stream(sink, features.arrow_schema) as writer:

            def flush() -> None:
                writer.write_batch(pa.RecordBatch.from_pydict(columns, schema=features.arrow_schema))
                for column in columns.values():
                    column.clear()

            for i in order:
                for name, value in chunk_plan(chunks[i], targets[i]).items():
                    columns[name].append(value)
                planned += 1
                if planned % PLAN_SLICE == 0:
                    flush()
            flush()
        logger.info(
            "%d therapist turns, %d eligible as targets, in %d chunk plans (%s)",
            self.stats.counts["therapist_turns"],
            self.stats.counts["targets_eligible"],
            planned,
            cfg.example_format,
        )
        return Dataset.from_file(str(path), info=DatasetInfo(features=features))

    def tokenize(self, plans: Dataset, work: Path) -> Dataset:
        """Batched `Dataset.map` of the encoder; rows too long for max_length are counted and removed."""
        cfg = self.config
        encoder = ExampleEncoder(
            self.tokenizer,
            instruction=cfg.instruction,
            example_format=cfg.example_format,
            prompt_format=cfg.prompt_format,
            max_length=cfg.max_length,
            train_on_inputs=cfg.train_on_inputs,
            context_exchanges=cfg.context_exchanges,
        )
        fingerprint = self._fingerprint()
        num_proc = self._num_proc(len(plans))
        # In one process, the next batches are tokenized in a thread while this one is assembled.
        with encoder.encode_ahead(plans, MAP_BATCH_SIZE) if num_proc is None else contextlib.nullcontext():
            encoded = plans.with_format("arrow").map(
                encoder.arrow_batch,
                batched=True,
                batch_size=MAP_BATCH_SIZE,
                num_proc=num_proc,
                remove_columns=plans.column_names,
                features=example_features(),
                cache_file_name=str(work / "encoded.arrow"),
                new_fingerprint=f"{fingerprint}-encoded",
                desc="Tokenizing",
            )
        encoded = encoded.with_format(None)  # the encoder reads Arrow; the output is read as Python again
        reasons = Counter(r for r in column_values(encoded, "drop_reason") if r)
        self.stats.examples_dropped.update(reasons)
        kept = encoded
        if reasons:
            kept = encoded.filter(
                lambda r: [x == "" for x in r],
                input_columns="drop_reason",
                batched=True,
                cache_file_name=str(work / "kept.arrow"),
                new_fingerprint=f"{fingerprint}-kept",
                desc="Removing dropped",
            )
        logger.info(
            "%d examples tokenized; %d dropped (%s)",
            len(kept),
            sum(reasons.values()),
            ", ".join(f"{k}: {v}" for k, v in sorted(reasons.items())) or "none",
        )
        return kept.remove_columns(["drop_reason"])

    def account(self, sessions: list[Session], plans: Dataset, examples: Dataset) -> dict[str, Any]:
        """Every loaded exchange is in an example or dropped under a reason; every session has
        examples or a reason why not. Raises if the books do not balance (that is a bug)."""
        cfg = self.config
        used: dict[str, set[int]] = defaultdict(set)
        for session_id, indices in zip(column_values(examples, "session_id"), column_values(examples, "turn_indices")):
            used[session_id].update(indices)
        # The turns the examples would show if nothing were cut: the encoder's windows, or whole chunks.
        turn_indices = column_values(plans, "turn_indices")
        row_offsets = np.cumsum([0, *map(len, turn_indices)])
        shown = np.ones(row_offsets[-1], dtype=bool)
        if cfg.example_format == SLIDING_WINDOW:
            supervised = np.fromiter(itertools.chain.from_iterable(column_values(plans, "supervised")), dtype=bool)
            targets, _, shown = context_windows(row_offsets, supervised, cfg.context_exchanges)
            shown[targets] = True
        requested: dict[str, set[int]] = defaultdict(set)
        for session_id, indices, row_shown in zip(
            column_values(plans, "session_id"), turn_indices, np.split(shown, row_offsets[1:-1])
        ):
            requested[session_id].update(itertools.compress(indices, row_shown))
        without_examples = []
        for session in sessions:
            kept = used.get(session.session_id, set())
            for index, turn in enumerate(session.turns):
                if index in kept:
                    continue
                exclusion = (
                    target_exclusion(turn, cfg.min_exchange_length, cfg.max_exchange_length)
                    if turn.speaker == THERAPIST
                    else None
                )
                if exclusion:
                    reason = f"therapist_turn_{exclusion}"
                elif index in requested.get(session.session_id, ()):
                    reason = "cut_for_max_length"
                else:
                    reason = "outside_context_window"
                self.stats.exchanges_dropped[reason] += 1
            if not kept:
                reason = (
                    "no turns with text"
                    if not session.turns
                    else "no eligible therapist turn"
                    if session.session_id not in requested
                    else "every example exceeded max_length"
                )
                without_examples.append({"session_id": session.session_id, "reason": reason})
        self.stats.counts["exchanges_used"] = sum(len(v) for v in used.values())
        loaded = self.stats.counts["exchanges_loaded"]
        dropped = sum(self.stats.exchanges_dropped.values())
        self.stats.counts["targets_supervised"] = sum(column_values(examples, "targets"))
        counts = self.stats.counts
        books = {
            # every loaded exchange is in an example (as target or context) or dropped for a reason
            "exchanges": (loaded, counts["exchanges_used"] + dropped),
            # every file was loaded or skipped for a reason
            "files": (counts["files"], counts["files_loaded"] + counts["files_skipped"]),
            # every eligible target was trained or its loss counted
            "targets": (
                counts["targets_eligible"],
                counts["targets_supervised"] + sum(self.stats.examples_dropped.values()),
            ),
        }
        unbalanced = {name: pair for name, pair in books.items() if pair[0] != pair[1]}
        if unbalanced:
            raise AssertionError(f"accounting does not balance (a bug): {unbalanced}")
        return {
            "exchanges_balanced": True,
            "files_balanced": True,
            "targets_balanced": True,
            "sessions_without_examples": without_examples,
        }

    def split(self, examples: Dataset) -> DatasetDict:
        cfg = self.config
        rows: dict[str, Any]
        if self.split_of is not None:  # decided with the plans: each split is one run of rows
            splits = [self.split_of[s] for s in column_values(examples, "session_id")]
            counts = Counter(splits)
            if splits != [name for name in SPLITS for _ in range(counts[name])]:
                raise AssertionError("examples are not in split order (a bug)")
            ends = dict(zip(SPLITS, itertools.accumulate(counts[name] for name in SPLITS)))
            # (an empty range at the very end is refused by `select`: an empty list is not)
            rows = {name: range(ends[name] - counts[name], ends[name]) if counts[name] else [] for name in SPLITS}
        else:
            rows = split_by_example(len(examples), cfg.split_ratios, cfg.seed)
        fingerprint = self._fingerprint()
        dataset = DatasetDict(
            {name: examples.select(rows[name], new_fingerprint=f"{fingerprint}-{name}") for name in SPLITS}
        )
        self.stats.counts["examples"] = {name: len(dataset[name]) for name in SPLITS}
        empty = [name for name in SPLITS if len(dataset[name]) == 0 and cfg.split_ratios[name] > 0]
        if empty:
            logger.warning("corpus too small for three non-empty splits: %s empty", ", ".join(empty))
        logger.info("split by %s: %s", cfg.split_by, ", ".join(f"{n} {len(dataset[n])}" for n in SPLITS))
        return dataset

    def save(self, dataset: DatasetDict, manifest: dict[str, Any], staging: Path, export: str | None = None) -> None:
        with _progress_bars(False):
            # datasets writes an empty split without a shard file and then cannot load it: force one.
            dataset.save_to_disk(str(staging), num_shards={n: 1 for n in dataset if len(dataset[n]) == 0})
        self.tokenizer.save_pretrained(str(staging / "tokenizer"))
        if export == "jsonl":
            (staging / "export").mkdir()
            for name in SPLITS:
                with open(staging / "export" / f"{name}.jsonl", "w", encoding="utf-8") as out:
                    out.writelines(
                        json.dumps({"messages": messages}, ensure_ascii=False) + "\n"
                        for messages in column_values(dataset[name], "messages")
                    )
        write_json(staging / MANIFEST, manifest)

    # ------------------------------------------------------------------ helpers

    def manifest(self, loaded: LoadResult, dataset: DatasetDict, accounting: dict[str, Any]) -> dict[str, Any]:
        cfg = self.config
        tok = self.tokenizer
        inputs = [dataclasses.asdict(f) for f in loaded.files]
        skipped = [s.as_dict() for s in loaded.skips]
        method: dict[str, Any] = {"mode": deid.OFF}
        if self.deidentifier is not None:  # no source path, id or speaker label in the manifest
            method = self.deidentifier.describe()
            inputs = [{**f, "path": self.deidentifier.pseudonym_path(f["path"])} for f in inputs]
            skipped = [self._redacted_skip(s) for s in skipped]
        return {
            "pipeline_version": __version__,
            "config": cfg.to_dict(),
            "versions": _versions(),
            "tokenizer_source": self.tokenizer_source,
            "deidentification": method,
            "inputs": inputs,
            "skipped": skipped,
            "splits": {name: sorted(set(column_values(dataset[name], "session_id"))) for name in SPLITS},
            "counts": self.stats.as_dict(),
            "accounting": accounting,
            "collator": {
                "class": "therapy_pipeline.collator.TherapyDataCollator",
                "pad_token": PAD_TOKEN,
                "pad_token_id": tok.pad_token_id,
                "label_pad_token_id": -100,
                "pad_to_multiple_of": cfg.pad_to_multiple_of,
            },
            "columns": dataset["train"].column_names,
        }

    def _redacted_skip(self, skip: dict[str, Any]) -> dict[str, Any]:
        key = self.deidentifier.key
        out = {**skip, "path": deid.pseudonym(key, "file", skip["path"])}
        if "session_id" in skip:
            out["session_id"] = deid.pseudonym(key, "session", skip["session_id"])
        out["reason"] = redact_reason(skip["reason"], lambda kind, value: deid.pseudonym(key, kind, value))
        return out

    def _fingerprint(self) -> str:
        """Deterministic dataset fingerprints, so the saved state files are byte-identical too.

        Built from what decides the content (inputs, tokenizer, content settings), not from where
        the output goes or how many workers made it.
        """
        settings = {k: v for k, v in self.config.to_dict().items() if k not in _NOT_CONTENT}
        key = {"settings": settings, "inputs": self.input_hashes, "tokenizer": self.tokenizer_source}
        if self.deidentifier is not None:  # another key gives other surrogates: other content
            key["deidentification"] = self.deidentifier.describe()
        return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]

    def _num_proc(self, rows: int) -> int | None:
        # A worker needs at least one batch, or its start-up is pure cost.
        procs = min(self.config.num_proc, -(-rows // MAP_BATCH_SIZE))
        return procs if procs > 1 else None


def _versions() -> dict[str, str]:
    import tokenizers
    import transformers

    versions = {
        "python": platform.python_version(),
        "datasets": datasets.__version__,
        "tokenizers": tokenizers.__version__,
        "transformers": transformers.__version__,
        "yaml": yaml.__version__,
    }
    try:
        from importlib.metadata import version

        versions["llama-models"] = version("llama-models")
    except Exception:  # noqa: BLE001 - the version is informative only
        versions["llama-models"] = "not installed"
    return versions


@contextlib.contextmanager
def _progress_bars(enabled: bool) -> Iterator[None]:
    was_enabled = datasets.is_progress_bar_enabled()
    (datasets.enable_progress_bars if enabled else datasets.disable_progress_bars)()
    try:
        yield
    finally:
        (datasets.enable_progress_bars if was_enabled else datasets.disable_progress_bars)()


def column_values(dataset: Dataset, name: str) -> list:
    """A whole column as a list, through Arrow: `dataset[name]` iterates row by row in datasets 4+."""
    return dataset.with_format("arrow")[name].to_pylist()


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """No collections while the corpus is read: it makes millions of objects and no cycles, and
    every full collection would walk them all again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextlib.contextmanager
def _gc_frozen() -> Iterator[None]:
    """Keep the collector off the objects alive now (the loaded sessions): it stops re-scanning
    millions of turns at every collection, and forked map workers do not copy them by touching them."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
