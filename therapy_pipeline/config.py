"""The run's settings: `ProcessingConfig`, read from YAML with `--set` overrides, checked once.

Each field's `help` is the single source of the README's config table and of `--help`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import dedupe, deid
from .chunking import overlap_turns
from .engines import ENGINES, RAY, RAY_REQUIREMENTS, ray_available
from .loaders import SKIP_UNMAPPED, UNMAPPED_SPEAKERS, read_speaker_roles
from .planning import MULTI_TURN, SLIDING_WINDOW, PlanRules
from .rendering import ExampleRules
from .splitting import SPLITS

# Config keys that change where or how fast the output is made, never what it holds.
NOT_CONTENT = frozenset(
    {
        "input_data_dir",
        "output_dir",
        "cache_dir",
        "num_proc",
        "private_output",
        "strict",
        "deid_key_file",
        "engine",
        "ray_address",
        "unit_mb",
    }
)


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
        metadata={"help": "folder searched recursively for .json, .jsonl, .csv, .txt, .vtt and .srt sessions"},
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
        metadata={
            "help": "session: all examples of a session in one split; client: all sessions of a client (the "
            "session's client_id / patient_id field or column; none: its own client) in one split; "
            "example: the seed's random split"
        },
    )
    seed: int = field(
        default=42, metadata={"help": "seed of the split; same input + same config = byte-identical output"}
    )
    speaker_map: dict = field(
        default_factory=dict, metadata={"help": "extra raw speaker labels -> therapist or client"}
    )
    speaker_roles_file: str | None = field(
        default=None,
        metadata={
            "help": "CSV with columns session_id,speaker,role (role therapist or client): roles for labels that "
            "differ per session, such as diarization labels (SPEAKER_00) or people's names"
        },
    )
    unmapped_speakers: str = field(
        default=SKIP_UNMAPPED,
        metadata={
            "help": "skip: a session with a label that maps to no role is skipped (the reason names the label); "
            "first_is_therapist: in a session with exactly two unmapped labels, the first to speak is the therapist"
        },
    )
    dedupe: str = field(
        default=dedupe.NEAR,
        metadata={
            "help": "near: sessions that are exact or near copies of another (exported twice, re-transcribed, "
            "lightly edited; other ids and file names) are dropped and counted, the one with the most words "
            "kept; exact: identical turns only; off"
        },
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
    engine: str = field(
        default="local",
        metadata={
            "help": "local: this machine, the corpus a unit (unit_mb) at a time; ray: the same steps on Ray Data "
            "(pip install -r requirements-ray.txt), output identical to local"
        },
    )
    ray_address: str | None = field(
        default=None,
        metadata={"help": "engine ray: null starts a local Ray instance; auto or an address joins a running cluster"},
    )
    unit_mb: float = field(
        default=64.0,
        metadata={
            "help": "input files are processed in units of about this many MB (whole files, in order): memory "
            "grows with a unit, not with the corpus; the output does not depend on it"
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
        for key in ("deidentify", "dedupe"):  # YAML reads a bare `off` as false: the documented value
            if values.get(key) is False:
                values = {**values, key: "off"}
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
            expected = {
                "str": str,
                "int": int,
                "float": (int, float),
                "bool": bool,
                "dict": dict,
                "str | None": (str, type(None)),
            }[f.type]
            if isinstance(value, bool) and f.type != "bool" or not isinstance(value, expected):
                wanted = {"float": "a number", "str | None": "a string or null"}.get(f.type, f.type)
                errors.append(f"{f.name}: must be {wanted}, got {value!r}")
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
        need(self.split_by in ("session", "client", "example"), "split_by", "must be session, client or example")
        need(self.dedupe in dedupe.MODES, "dedupe", f"must be one of {', '.join(dedupe.MODES)}")
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
        need(
            self.speaker_roles_file is None or Path(self.speaker_roles_file).is_file(),
            "speaker_roles_file",
            "must be a CSV file that exists (or null)",
        )
        need(
            self.unmapped_speakers in UNMAPPED_SPEAKERS,
            "unmapped_speakers",
            f"must be {' or '.join(UNMAPPED_SPEAKERS)}",
        )
        need(self.num_proc >= 1, "num_proc", "must be at least 1")
        need(self.engine in ENGINES, "engine", f"must be {' or '.join(ENGINES)}")
        need(self.unit_mb > 0, "unit_mb", "must be above 0")
        if self.engine == RAY and not ray_available():
            errors.append(f"engine: ray is not installed; pip install -r {RAY_REQUIREMENTS}")
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


def load_config(
    path: str | Path,
    overrides: list[str] | None = None,
    *,
    input_data_dir: str | None = None,
    output_dir: str | None = None,
) -> ProcessingConfig:
    """The scripts' config: the YAML file, `--set` overrides, then the folders given as command-line
    flags, taken as they are (not parsed as YAML: a folder named 2024 stays a string); checked."""
    config = ProcessingConfig.from_yaml(path, overrides)
    paths = {"input_data_dir": input_data_dir, "output_dir": output_dir}
    config = dataclasses.replace(config, **{k: v for k, v in paths.items() if v is not None})
    config.validate()
    return config


def speaker_roles(config: ProcessingConfig) -> dict[str, dict[str, str]] | None:
    """The roles of `speaker_roles_file` per session id, or None without one (InputError if unusable)."""
    return read_speaker_roles(config.speaker_roles_file) if config.speaker_roles_file else None


def plan_rules(config: ProcessingConfig) -> PlanRules:
    """The settings planning reads (and no other step)."""
    return PlanRules(
        config.example_format, config.context_exchanges, config.min_exchange_length, config.max_exchange_length
    )


def example_rules(config: ProcessingConfig) -> ExampleRules:
    """The settings that decide what an example is, for the encoder."""
    return ExampleRules(
        config.instruction, config.example_format, config.prompt_format, config.max_length, config.train_on_inputs
    )
