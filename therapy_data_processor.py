"""Therapy transcripts -> a Llama 3.1 8B Instruct fine-tuning dataset.

`TherapyDataProcessor.run()` reads top to bottom as the pipeline:
load -> de-identify -> chunk -> plan -> tokenize -> account -> split -> save.
Each step is a function in the `therapy_pipeline` package that takes what it needs and returns its
result with its counts; `run()` passes every value explicitly, adds the counts up, checks the books
and records each step's seconds. The steps run on units of input files (`units.py`), in three
passes that an engine runs here or on Ray (`engines.py`); between the passes this driver decides
what needs the whole corpus: one session per id, the copies, the splits.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import platform
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import datasets
import yaml
from datasets import Dataset, DatasetDict, concatenate_datasets
from transformers import PreTrainedTokenizerBase

from therapy_pipeline import __version__, deid
from therapy_pipeline.accounting import check_books
from therapy_pipeline.chunking import overlap_turns
from therapy_pipeline.columns import column_values
from therapy_pipeline.config import (
    NOT_CONTENT,
    ConfigError,
    ProcessingConfig,
    example_rules,
    plan_rules,
    speaker_roles,
)
from therapy_pipeline.dedupe import copy_skips, dedupe_sessions, find_copies
from therapy_pipeline.encoding import log_examples
from therapy_pipeline.engines import LOCAL, open_engine
from therapy_pipeline.loaders import (
    SKIP_UNMAPPED,
    LoadResult,
    find_input_files,
    load_corpus,
    redact_reason,
    settle,
)
from therapy_pipeline.model import InputError, Session, Stats
from therapy_pipeline.planning import assign_splits
from therapy_pipeline.saving import (
    EXPORTS,
    MANIFEST,
    assemble_splits,
    save_output,
    save_tokenizer,
    staging_dir,
    write_json,
)
from therapy_pipeline.splitting import SPLITS, split_counts, split_examples
from therapy_pipeline.tokenizer import PAD_TOKEN, load_tokenizer
from therapy_pipeline.units import (
    SessionRecord,
    StepClock,
    Unit,
    UnitSettings,
    log_prepared,
    make_units,
    shingles_reader,
)

__all__ = ["MANIFEST", "ConfigError", "ProcessingConfig", "TherapyDataProcessor", "load_sessions"]

logger = logging.getLogger("therapy_data_processor")


class TherapyDataProcessor:
    """load -> de-identify -> chunk -> plan -> tokenize -> account -> split -> save, driven by a ProcessingConfig."""

    def __init__(self, config: ProcessingConfig) -> None:
        self.config = config
        self.skipped: list = []  # after run(): the files and sessions skipped, as the console names them

    def run(self, export: str | Sequence[str] | None = None) -> dict[str, Any]:
        """The whole pipeline; returns the manifest. Output appears only when complete. Every step
        but the save returns its counts (the save returns what the exports wrote).

        The steps run unit by unit (units.py; `engine` says where), in three passes: scan (load, and
        what dedupe needs), then, once the driver has settled ids and copies, prepare (de-identify,
        chunk, plan), then, once it has assigned the splits, encode (tokenize, account). The driver
        puts the units' examples together in unit order, splits and saves.

        `export`: the extra forms to write under `export/` (saving.EXPORTS), one name or several."""
        cfg = self.config
        exports = (export,) if isinstance(export, str) else tuple(export or ())
        unknown = sorted(set(exports) - set(EXPORTS))
        if unknown:
            raise ValueError(f"unknown export {', '.join(unknown)}: choose from {', '.join(EXPORTS)}")
        clock = StepClock()
        with clock("load_tokenizer"):
            tokenizer, tokenizer_source = load_tokenizer(cfg.model_name, cfg.cache_dir)
        # The key first: a key that cannot be read stops the run before any work. (Split by client,
        # the manifest names clients by keyed pseudonyms even with de-identification off.)
        needs_key = cfg.deidentify != deid.OFF or cfg.split_by == "client"
        key = deid.load_key(cfg.deid_key_file) if needs_key else None
        deidentifier = None
        if key is not None and cfg.deidentify != deid.OFF:
            deidentifier = deid.Deidentifier(cfg.deidentify, key, deid.load_word_lists(cfg.cache_dir))
        roles = speaker_roles(cfg)
        input_dir = Path(cfg.input_data_dir)
        if not input_dir.is_dir():
            raise InputError(str(input_dir), "input directory does not exist")
        units = make_units(find_input_files(input_dir), input_dir, max(1, int(cfg.unit_mb * 2**20)))
        with staging_dir(Path(cfg.output_dir), private=cfg.private_output) as staging:
            work = staging / "_work"  # the units' intermediate files: inside the private staging folder
            work.mkdir()
            if cfg.engine != LOCAL:  # what every worker encodes with (the local one has it in hand)
                save_tokenizer(tokenizer, work / "tokenizer")
            settings = unit_settings(cfg, input_dir, work, roles, key if deidentifier is not None else None)
            engine = open_engine(cfg.engine, settings, cfg.ray_address, deidentifier, tokenizer)
            try:
                loaded, kept = self._scan(engine, units, roles, settings.work_dir, clock)
                fingerprint = dataset_fingerprint(cfg, loaded, tokenizer_source, deidentifier)
                prepared = engine.map("prepare", [(unit, kept[unit.index]) for unit in units])
                clock.add(*(p.seconds for p in prepared))
                prepare_stats = Stats.total(*(p.stats for p in prepared))
                plan_rows = sum(p.plan_rows for p in prepared)
                log_prepared(prepare_stats, plan_rows, cfg.deidentify, cfg.example_format)
                if not plan_rows:
                    raise InputError(
                        cfg.input_data_dir, "no session has a therapist turn that can be a training target"
                    )
                with clock("assign"):  # the driver: the split assignment, from every session's targets
                    targets = {s: n for p in prepared for s, n in p.targets.items()}
                    clients = {s: c for p in prepared for s, c in p.clients.items()}
                    split_of = None
                    if cfg.split_by in ("session", "client"):
                        split_of = assign_splits(targets, cfg.split_by, clients, cfg.split_ratios, cfg.seed)
                calls = [
                    (unit, {s: split_of[s] for s in p.targets} if split_of is not None else None, fingerprint)
                    for unit, p in zip(units, prepared)
                ]
                encoded = engine.map("encode", calls)
                clock.add(*(e.seconds for e in encoded))
            finally:
                engine.close()
            stats = Stats.total(loaded.stats, prepare_stats, *(e.stats for e in encoded))
            log_examples(sum(e.rows for e in encoded), stats.examples_dropped)
            with clock("books"):  # the driver: the counts of every unit add up
                balances = check_books(stats)
                without_examples = [row for e in encoded for row in e.without_examples]
            with clock("split"):
                if split_of is None:  # the seed's random split of all the examples: made here
                    parts = [_examples(e.files) for e in encoded if e.files]  # (a unit without plans has none)
                    parts = [part.remove_columns(["turn_indices", "targets"]) for part in parts]
                    dataset, split_stats = split_examples(
                        parts, split_of, cfg.split_by, cfg.split_ratios, cfg.seed, fingerprint
                    )
                else:  # the units saved their shards of each split: put in place, in unit order
                    shards = {name: [e.shards[name] for e in encoded if name in e.shards] for name in SPLITS}
                    dataset, _ = assemble_splits(shards, staging, fingerprint, cfg.private_output)
                    split_stats = split_counts(dataset, cfg.split_by, cfg.split_ratios)
                stats += split_stats
                by_client = None
                if cfg.split_by == "client":
                    # with de-identification off, the manifest's client ids are made keyed pseudonyms here
                    by_client, client_stats = clients_per_split(
                        split_of, clients, key if deidentifier is None else None
                    )
                    stats += client_stats
            with clock("save"):
                exported = save_output(
                    dataset, tokenizer, staging, exports, cfg.prompt_format, saved=split_of is not None
                )
            accounting = {**balances, "sessions_without_examples": without_examples}
            manifest = build_manifest(
                cfg, tokenizer, tokenizer_source, loaded, deidentifier, dataset, stats, accounting, clock.seconds
            )
            if by_client is not None:
                manifest["clients"] = by_client  # split -> client pseudonym -> its sessions
            if exported:
                manifest["exports"] = exported  # rows written and left out, per export and split
            write_json(staging / MANIFEST, manifest)
            del dataset
            shutil.rmtree(work)
        return manifest

    def _scan(
        self, engine, units: list[Unit], roles: dict | None, work_dir: str, clock: StepClock
    ) -> tuple[LoadResult, dict[int, dict[int, str]]]:
        """Pass 1 and what the driver decides from it: the corpus as loaded (its files, skips and
        counts; its sessions as records), the copies dropped, and per unit the sessions kept (their
        position in the unit -> their id)."""
        cfg = self.config
        scans = engine.map("scan", [(unit,) for unit in units])
        clock.add(*(scan.seconds for scan in scans))
        with clock("ids"):  # the driver: one session per id, across files
            loaded = settle(
                (load for scan in scans for load in scan.loads), roles or {}, cfg.strict, lambda r: (r.key, r.turns)
            )
            log_loaded(loaded, cfg.input_data_dir)
        with clock("copies"):  # the driver: copies across the corpus (LSH, candidates verified)
            records: list[SessionRecord] = loaded.sessions
            copies = find_copies(records, cfg.dedupe, shingles_reader(work_dir, records))
            skips, stats = copy_skips(
                copies, records, [r.session_id for r in records], [r.source for r in records], cfg.dedupe
            )
            for skip in skips:
                logger.warning("skipped %s", skip)
            loaded.skips += skips
            stats.counts["sessions_skipped"] += len(skips)
            loaded.stats += stats
            loaded.stats.counts["sessions"] = len(records) - len(copies)
            self.skipped = list(loaded.skips)
        kept: dict[int, dict[int, str]] = {unit.index: {} for unit in units}
        for i, record in enumerate(records):
            if i not in copies:
                kept[record.unit][record.position] = record.session_id
        loaded.sessions = []
        return loaded, kept


def clients_of(sessions: list[Session]) -> dict[str, str]:
    """Session -> client, for the sessions that name one (de-identified: keyed pseudonyms already)."""
    return {s.session_id: s.client_id for s in sessions if s.client_id is not None}


def clients_per_split(
    split_of: dict[str, str], clients: dict[str, str], key: bytes | None
) -> tuple[dict[str, dict[str, list[str]]], Stats]:
    """Split -> client -> its sessions (those with examples), and the counts: clients per split and
    sessions without a client id (each its own client). With `key`, the client ids are shown as keyed
    pseudonyms (de-identification off; on, they are pseudonyms already)."""
    stats = Stats()
    if key is not None:
        clients = {session: deid.pseudonym(key, "client", client) for session, client in clients.items()}
    by_client: dict[str, dict[str, list[str]]] = {name: {} for name in SPLITS}
    for session_id in sorted(split_of):
        if session_id in clients:
            by_client[split_of[session_id]].setdefault(clients[session_id], []).append(session_id)
        else:
            stats.counts["sessions_without_client_id"] += 1
    stats.counts["clients"] = {name: len(by_client[name]) for name in SPLITS}
    stats.counts.setdefault("sessions_without_client_id", 0)
    by_client = {name: dict(sorted(groups.items())) for name, groups in by_client.items()}
    return by_client, stats


def load_sessions(
    input_data_dir: str,
    speaker_map: dict[str, str],
    strict: bool,
    roles: dict[str, dict[str, str]] | None = None,
    unmapped_speakers: str = SKIP_UNMAPPED,
) -> LoadResult:
    """The load step: every session of every file, and what was skipped and why. Speakers through
    `speaker_map`, the `roles` of speaker_roles_file per session id, and `unmapped_speakers`."""
    result = load_corpus(input_data_dir, speaker_map, strict=strict, roles=roles, unmapped=unmapped_speakers)
    log_loaded(result, input_data_dir)
    return result


def log_loaded(result: LoadResult, input_data_dir: str) -> None:
    """The load step's line (and its end: a corpus without a usable session)."""
    logger.info(
        "loaded %d sessions (%d exchanges) from %d files; %d files and %d sessions skipped",
        len(result.sessions),
        result.stats.counts["exchanges_loaded"],
        result.stats.counts["files"],
        result.stats.counts["files_skipped"],
        result.stats.counts["sessions_skipped"],
    )
    if not result.sessions:
        raise InputError(input_data_dir, "no usable sessions found")


def unit_settings(
    cfg: ProcessingConfig, input_dir: Path, work: Path, roles: dict | None, key: bytes | None
) -> UnitSettings:
    """What every unit worker reads; paths absolute (a worker may run elsewhere)."""
    return UnitSettings(
        input_dir=str(input_dir.resolve()),
        work_dir=str(work.resolve()),
        cache_dir=str(Path(cfg.cache_dir).resolve()),
        tokenizer_dir=str((work / "tokenizer").resolve()),
        speaker_map=dict(cfg.speaker_map),
        roles=roles,
        unmapped=cfg.unmapped_speakers,
        dedupe=cfg.dedupe,
        deidentify=cfg.deidentify,
        key=key,
        chunk_size=cfg.max_session_exchanges,
        overlap=overlap_turns(cfg.max_session_exchanges, cfg.overlap_percentage),
        plan_rules=plan_rules(cfg),
        example_rules=example_rules(cfg),
        num_proc=cfg.num_proc if cfg.engine == LOCAL else 1,
        workers=None if cfg.engine == LOCAL else 1,
    )


def _examples(files: list[str]) -> Dataset:
    """A unit's examples, from the Arrow files its encode pass wrote (memory-mapped)."""
    parts = [Dataset.from_file(f) for f in files]
    examples = parts[0] if len(parts) == 1 else concatenate_datasets(parts)
    return examples.remove_columns(["drop_reason"])


def deduplicate(loaded: LoadResult, mode: str) -> None:
    """The dedupe step on the loaded corpus (before de-identification: copies are compared as written,
    not as their surrogates differ); its skips and counts join the load's."""
    kept, skips, stats = dedupe_sessions(loaded.sessions, mode)
    for skip in skips:
        logger.warning("skipped %s", skip)
    loaded.sessions = kept
    loaded.skips += skips
    stats.counts["sessions_skipped"] += len(skips)
    loaded.stats += stats
    loaded.stats.counts["sessions"] = len(kept)


def build_manifest(
    cfg: ProcessingConfig,
    tokenizer: PreTrainedTokenizerBase,
    tokenizer_source: str,
    loaded: LoadResult,
    deidentifier: deid.Deidentifier | None,
    dataset: DatasetDict,
    stats: Stats,
    accounting: dict[str, Any],
    step_seconds: dict[str, float],
) -> dict[str, Any]:
    """The manifest: counts and reasons, never transcript text; with de-identification on, no
    source path, id or speaker label either (keyed pseudonyms instead)."""
    inputs = [dataclasses.asdict(f) for f in loaded.files]
    skipped = [s.as_dict() for s in loaded.skips]
    method: dict[str, Any] = {"mode": deid.OFF}
    config = cfg.to_dict()
    if deidentifier is not None:
        method = deidentifier.describe()
        # speaker labels can be people's names ("Dr. Lee": therapist)
        config["speaker_map"] = {
            deid.pseudonym(deidentifier.key, "label", label.strip()): role for label, role in cfg.speaker_map.items()
        }
        inputs = [{**f, "path": deidentifier.pseudonym_path(f["path"])} for f in inputs]
        skipped = [_redacted_skip(s, deidentifier.key) for s in skipped]
    return {
        "pipeline_version": __version__,
        "config": config,
        "versions": _versions(),
        "tokenizer_source": tokenizer_source,
        "deidentification": method,
        "inputs": inputs,
        "skipped": skipped,
        "splits": {name: sorted(set(column_values(dataset[name], "session_id"))) for name in SPLITS},
        "counts": stats.as_dict(),
        "accounting": accounting,
        "collator": {
            "class": "therapy_pipeline.collator.TherapyDataCollator",
            "pad_token": PAD_TOKEN,
            "pad_token_id": tokenizer.pad_token_id,
            "label_pad_token_id": -100,
            "pad_to_multiple_of": cfg.pad_to_multiple_of,
        },
        "columns": dataset["train"].column_names,
        # the longest example in tokens: what a trainer's max_length / sequence_len / cutoff_len must hold
        "longest_example": max((max(column_values(dataset[n], "length"), default=0) for n in SPLITS), default=0),
        "step_seconds": step_seconds,  # the only part of the manifest that differs between identical runs
    }


def _redacted_skip(skip: dict[str, Any], key: bytes) -> dict[str, Any]:
    out = {**skip, "path": deid.pseudonym(key, "file", skip["path"])}
    if "session_id" in skip:
        out["session_id"] = deid.pseudonym(key, "session", skip["session_id"])
    out["reason"] = redact_reason(skip["reason"], lambda kind, value: deid.pseudonym(key, kind, value))
    return out


def dataset_fingerprint(
    cfg: ProcessingConfig, loaded: LoadResult, tokenizer_source: str, deidentifier: deid.Deidentifier | None
) -> str:
    """Deterministic dataset fingerprints, so the saved state files are byte-identical too.

    Built from what decides the content (inputs, tokenizer, content settings), not from where
    the output goes or how many workers made it.
    """
    settings = {k: v for k, v in cfg.to_dict().items() if k not in NOT_CONTENT}
    inputs = [f"{f.path}:{f.sha256}" for f in loaded.files]
    key: dict[str, Any] = {"settings": settings, "inputs": inputs, "tokenizer": tokenizer_source}
    if cfg.speaker_roles_file:  # its rows decide roles: content, whatever the file is called
        key["speaker_roles"] = hashlib.sha256(Path(cfg.speaker_roles_file).read_bytes()).hexdigest()
    if deidentifier is not None:  # another key gives other surrogates: other content
        key["deidentification"] = deidentifier.describe()
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]


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
