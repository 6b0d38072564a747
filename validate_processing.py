"""Validate a processed dataset: the checklist a fine-tuning run relies on.

    python validate_processing.py [--output-dir D] [--config F] [--json] [--max-leak F] [--train-steps N]
                                  [--corpus-deidentified]

Without --output-dir, the `output_dir` of the config (default config.yaml) is validated. Every check
prints `PASS name: evidence` or `FAIL name: evidence`; with --json, stdout holds exactly one object
{"passed": bool, "checks": [{"name", "passed", "evidence"}, ...]}; messages go to stderr.

Evidence is counts, shares, split names and row indices, never transcript text or session ids
(protected health information). For the same reason an error raised inside a check is reported by
its exception type only: its message could quote the data. A check whose input did not load (the
dataset, the manifest or the tokenizer) fails with `not run: ...`.

Decisions worth knowing:
- split_ratios: each split's share of the examples must be within max(0.05, share of the largest
  session) of its ratio, because whole sessions go to one split (the pipeline's assignment stays
  within about two thirds of that); with split_by example the unit is one example. An empty split
  (a corpus with fewer sessions than splits) is reported as a warning in the evidence, and fails
  only when it is out of that tolerance.
- no_session_leak is informational (it passes) when the manifest says split_by example.
- deidentified fails on output made with `deidentify: off`, unless --corpus-deidentified says the
  corpus was de-identified before it reached the pipeline. It also fails when a session id, an
  input path or a skipped path in the output is not a keyed pseudonym, or when `surrogate` output
  holds typed tags.
- messages_match_input_ids (chat) skips, and counts, rows whose text spells a special token such as
  `<|eot_id|>`: the pipeline encodes it as plain text, as Meta's encoder does, while the chat
  template would turn it into the special token.
- Assistant turns are the chat template's {% generation %} spans; a template without them (the
  official one, from the hub) has its assistant turns found by their Llama 3 headers instead.
- Rows whose messages do not render to their input_ids, or whose labels have another length, are
  left out of prompt_not_supervised and response_leak (their own checks fail instead).
- ready_for_fine_tuning trains on up to 3 collated batches of up to 8 seeded random train rows
  (fewer when rows are long: about 4096 tokens a batch). Its loss is the model's causal-LM loss
  (token t predicts label t+1, mean over labels != -100), with the 128k-wide output layer applied
  at no more than 128 trained positions of a batch (a fixed random subset: an estimate of the
  same mean). Full logits take gigabytes and minutes on CPU.

Exit codes: 0 every check passed; 1 at least one check failed; 2 bad usage (bad arguments, an
unreadable config, an output dir that does not exist): one line on stderr, nothing on stdout.
"""

from __future__ import annotations

import os

# Before transformers or the hub client are imported: they read it once, at import.
os.environ["HF_HUB_OFFLINE"] = "1"

import argparse
import json
import math
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import datasets
import numpy as np
import pyarrow as pa
import torch
import torch.nn.functional as F
import transformers
from datasets import Dataset, DatasetDict, load_from_disk
from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerBase

from therapy_pipeline.collator import MODEL_COLUMNS, TherapyDataCollator
from therapy_pipeline.columns import column_values, flat_values, row_lengths
from therapy_pipeline.config import ConfigError, ProcessingConfig
from therapy_pipeline.deid import PHI_TYPES
from therapy_pipeline.encoding import IGNORE_INDEX, alpaca_prompt
from therapy_pipeline.saving import MANIFEST
from therapy_pipeline.splitting import SPLITS

EVAL_SPLITS = ("validation", "test")
REQUIRED_COLUMNS = ("session_id", "chunk_index", "messages", "input_ids", "attention_mask", "labels", "length")
TOKEN_COLUMNS = ("input_ids", "attention_mask", "labels")
CONFIG_KEYS = ("max_length", "train_on_inputs", "split_ratios", "split_by", "prompt_format", "example_format")
EOT_TOKEN = "<|eot_id|>"
GENERATION_MARKER = re.compile(r"{%-?\s*generation\s*-?%}")
BATCH_SIZE = 8
SAMPLED_BATCHES = 3
RENDER_BATCH = 256
MIN_RESPONSE_WORDS = 4  # "responses over 3 words": shorter ones ("I see.") recur by chance
SPLIT_TOLERANCE = 0.05
TRAIN_BATCH_TOKENS = 4096  # rows x width of one training batch
TRAINED_POSITIONS = 128  # most positions per step at which the 128k-wide softmax is computed

CheckResult = tuple[bool, str]
SplitRow = tuple[str, int]


class NotRun(Exception):
    """Something a check needs did not load; the check fails with this reason."""


# ------------------------------------------------------------------------------------ the output


@dataclass
class SplitRendering:
    """One split's rows rendered again from `messages` and compared with the stored ids and labels."""

    rows: int = 0
    skipped_special: int = 0
    mismatched: list[tuple[int, int]] = field(default_factory=list)  # (row, first differing token)
    not_aligned: int = 0  # labels of another length than input_ids (labels_aligned reports them)
    supervised_outside: list[int] = field(default_factory=list)  # rows training a non-assistant token
    partial_turns: list[int] = field(default_factory=list)  # rows training part of an assistant turn
    run_without_eot: list[int] = field(default_factory=list)
    supervised_turns: int = 0
    # Per row: indices in `messages` of the supervised assistant messages; None when not comparable.
    supervised_messages: list[list[int] | None] = field(default_factory=list)

    @property
    def compared(self) -> int:
        return self.rows - self.skipped_special - len(self.mismatched) - self.not_aligned


@dataclass
class Output:
    """What the pipeline wrote, each part loaded once; a part that did not load keeps the reason."""

    path: Path
    max_leak: float = 0.05
    train_steps: int = 8
    corpus_deidentified: bool = False  # the user says the input was de-identified upstream
    dataset: DatasetDict | None = None
    dataset_error: str = ""
    manifest: dict[str, Any] | None = None
    manifest_error: str = ""
    tokenizer: PreTrainedTokenizerBase | None = None
    tokenizer_error: str = ""
    _rendering: dict[str, SplitRendering] | None = None

    def splits(self, *names: str) -> dict[str, Dataset]:
        """The named splits (default: all three) that exist."""
        if self.dataset is None:
            raise NotRun(f"the dataset did not load ({self.dataset_error})")
        found = {n: self.dataset[n] for n in names or SPLITS if n in self.dataset}
        missing = [n for n in names if n not in found]
        if missing:
            raise NotRun(f"needs the {', '.join(missing)} split")
        return found

    def setting(self, key: str) -> Any:
        """A key of the resolved config recorded in the manifest."""
        config = self.manifest_part("config")
        if key not in config:
            raise NotRun(f"the manifest config has no {key}")
        return config[key]

    def manifest_part(self, key: str) -> dict[str, Any]:
        if self.manifest is None:
            raise NotRun(f"the manifest did not load ({self.manifest_error})")
        part = self.manifest.get(key)
        if not isinstance(part, dict):
            raise NotRun(f"the manifest has no {key}")
        return part

    def tok(self) -> PreTrainedTokenizerBase:
        if self.tokenizer is None:
            raise NotRun(f"the tokenizer did not load ({self.tokenizer_error})")
        return self.tokenizer

    def rendering(self) -> dict[str, SplitRendering]:
        """Every row's `messages` rendered again; computed once, used by three checks."""
        if self._rendering is None:
            tok, prompt_format = self.tok(), self.setting("prompt_format")
            self._rendering = {name: render_split(ds, tok, prompt_format) for name, ds in self.splits().items()}
        return self._rendering


def load_output(path: Path, max_leak: float = 0.05, train_steps: int = 8, corpus_deidentified: bool = False) -> Output:
    out = Output(path=path, max_leak=max_leak, train_steps=train_steps, corpus_deidentified=corpus_deidentified)
    try:
        loaded = load_from_disk(str(path))
        if isinstance(loaded, DatasetDict):
            out.dataset = loaded
        else:
            out.dataset_error = f"load_from_disk gave a {type(loaded).__name__}, not a DatasetDict"
    except Exception as exc:  # noqa: BLE001 - a damaged dataset raises many types; reported as FAIL
        out.dataset_error = describe(exc)
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        if isinstance(manifest, dict):
            out.manifest = manifest
        else:
            out.manifest_error = f"{MANIFEST} is not a JSON object"
    except Exception as exc:  # noqa: BLE001 - unreadable or not JSON: reported as FAIL
        out.manifest_error = describe(exc)
    try:
        out.tokenizer = AutoTokenizer.from_pretrained(str(path / "tokenizer"), local_files_only=True)
    except Exception as exc:  # noqa: BLE001 - missing or damaged tokenizer/: reported as FAIL
        out.tokenizer_error = describe(exc)
    return out


def describe(exc: BaseException) -> str:
    """An exception as evidence: its type, and its message only where it cannot quote data."""
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON at line {exc.lineno} column {exc.colno}"
    if isinstance(exc, OSError) and exc.strerror:
        name = Path(exc.filename).name if exc.filename else ""
        return f"{type(exc).__name__}: {exc.strerror}" + (f": {name}" if name else "")
    return type(exc).__name__


# ------------------------------------------------------------------------------------ helpers


def token_column(ds: Dataset, column: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A list column as flat arrays: (values, row of each value, length of each row)."""
    array = ds.with_format("arrow")[column]
    lengths = row_lengths(array)
    values = flat_values(array).to_numpy(zero_copy_only=False)
    return values.astype(np.int64), np.repeat(np.arange(len(lengths)), lengths), lengths


def tagged(split: str, rows: Sequence[int] | np.ndarray) -> list[SplitRow]:
    return [(split, int(r)) for r in rows]


def problem(count_text: str, offenders: list[SplitRow]) -> str:
    split, row = offenders[0]
    return f"{len(offenders)} {count_text}; first: {split} row {row}"


def runs(flags: Sequence[bool]) -> list[tuple[int, int]]:
    """[start, end) of each run of true values."""
    found, start = [], None
    for i, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            found.append((start, i))
            start = None
    return found


def first_difference(a: Sequence[int], b: Sequence[int]) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


def sampled_batches(rows: int, size: int = BATCH_SIZE) -> list[list[int]]:
    """A few batches of seeded random rows: mixed lengths, so padding is exercised."""
    picked = random.Random(0).sample(range(rows), min(rows, size * SAMPLED_BATCHES))
    return [picked[i:i + size] for i in range(0, len(picked), size)]


def model_features(ds: Dataset, rows: list[int]) -> list[dict[str, list[int]]]:
    subset = ds.select_columns(list(MODEL_COLUMNS)).select(rows)
    return [subset[i] for i in range(len(subset))]


def collator_for(out: Output) -> tuple[TherapyDataCollator, int]:
    multiple = int(out.manifest_part("collator").get("pad_to_multiple_of") or 1)
    return TherapyDataCollator(out.tok(), pad_to_multiple_of=multiple), multiple


# ------------------------------------------------------------------------------------ rendering


def render_split(ds: Dataset, tok: PreTrainedTokenizerBase, prompt_format: str) -> SplitRendering:
    result = SplitRendering(rows=len(ds))
    eot = tok.convert_tokens_to_ids(EOT_TOKEN)
    added = sorted(tok.get_added_vocab(), key=len, reverse=True)
    special = re.compile("|".join(map(re.escape, added))) if added else None
    row = 0
    for batch in ds.select_columns(["messages", "input_ids", "labels"]).iter(batch_size=RENDER_BATCH):
        if prompt_format == "alpaca":
            rendered = render_alpaca(batch["messages"], tok)
        else:
            rendered = render_chat(batch["messages"], tok, special)
        for messages, ids, labels, expected in zip(batch["messages"], batch["input_ids"], batch["labels"],
                                                   rendered):
            compare_row(result, row, messages, ids, labels, expected, eot)
            row += 1
    return result


def render_chat(conversations: list[list[dict]], tok: PreTrainedTokenizerBase,
                special: re.Pattern | None) -> list[tuple[list[int], list[int]] | None]:
    """The saved chat template's ids and assistant mask (its {% generation %} spans). None for a row
    whose text spells a special token: the template would not keep that as text."""
    plain = [i for i, conv in enumerate(conversations)
             if special is None or not any(special.search(m["content"]) for m in conv)]
    rendered: list[tuple[list[int], list[int]] | None] = [None] * len(conversations)
    if not plain:
        return rendered
    # The official Llama 3.1 template (a hub tokenizer) has no {% generation %} markers.
    marked = bool(GENERATION_MARKER.search(tok.chat_template or ""))
    encoded = tok.apply_chat_template([conversations[i] for i in plain], tokenize=True, return_dict=True,
                                      return_assistant_tokens_mask=marked)
    for n, (i, ids) in enumerate(zip(plain, encoded["input_ids"])):
        ids = list(ids)
        rendered[i] = (ids, list(encoded["assistant_masks"][n]) if marked else llama3_assistant_mask(ids, tok))
    return rendered


def llama3_assistant_mask(ids: list[int], tok: PreTrainedTokenizerBase) -> list[int]:
    """1 from the end of each assistant header (`<|start_header_id|>assistant<|end_header_id|>` and a
    blank line) up to and including the next <|eot_id|>: the assistant spans, by their Llama 3 headers."""
    header = tok.encode("<|start_header_id|>assistant<|end_header_id|>\n\n", add_special_tokens=False)
    eot = tok.convert_tokens_to_ids(EOT_TOKEN)
    mask, inside = [0] * len(ids), False
    for i, token in enumerate(ids):
        if inside:
            mask[i] = 1
            inside = token != eot
        elif ids[max(0, i - len(header) + 1):i + 1] == header:
            inside = True
    return mask


def render_alpaca(conversations: list[list[dict]],
                  tok: PreTrainedTokenizerBase) -> list[tuple[list[int], list[int]]]:
    """The seed's Instruction / Input / Output text tokenized as one string; the response and the
    end-of-turn token after it are the assistant mask."""
    bos, eot = tok.bos_token_id, tok.convert_tokens_to_ids(EOT_TOKEN)
    texts, prompt_ends = [], []
    for conv in conversations:
        content = {m["role"]: m["content"] for m in conv}
        prompt = alpaca_prompt(content.get("system", ""), content.get("user", ""))
        texts.append(prompt + content.get("assistant", ""))
        prompt_ends.append(len(prompt))
    encoded = tok(texts, add_special_tokens=False, split_special_tokens=True, return_offsets_mapping=True)
    rendered = []
    for ids, offsets, prompt_end in zip(encoded["input_ids"], encoded["offset_mapping"], prompt_ends):
        mask = [int(start >= prompt_end) for start, _ in offsets]
        rendered.append(([bos, *ids, eot], [0, *mask, 1]))
    return rendered


def compare_row(result: SplitRendering, row: int, messages: list[dict], ids: list[int], labels: list[int],
                rendered: tuple[list[int], list[int]] | None, eot: int) -> None:
    trained_messages: list[int] | None = None
    if rendered is None:
        result.skipped_special += 1
    elif rendered[0] != ids:
        result.mismatched.append((row, first_difference(rendered[0], ids)))
    elif labels is None or len(labels) != len(ids):
        result.not_aligned += 1
    else:
        assistant_mask = rendered[1]
        supervised = [label != IGNORE_INDEX for label in labels]
        assistant_turns = runs([bool(m) for m in assistant_mask])
        supervised_runs = runs(supervised)
        if any(s and not m for s, m in zip(supervised, assistant_mask)):
            result.supervised_outside.append(row)
        elif any(r not in assistant_turns for r in supervised_runs):
            result.partial_turns.append(row)
        if any(ids[end - 1] != eot for _, end in supervised_runs):
            result.run_without_eot.append(row)
        # The k-th assistant span of the rendering is the k-th assistant message.
        assistant_messages = [i for i, m in enumerate(messages) if m["role"] == "assistant"]
        if len(assistant_messages) == len(assistant_turns):
            trained_messages = [i for i, (start, end) in zip(assistant_messages, assistant_turns)
                                if any(supervised[start:end])]
            result.supervised_turns += len(trained_messages)
    result.supervised_messages.append(trained_messages)


def prompt_format_name(out: Output) -> str:
    return "alpaca prompt" if out.setting("prompt_format") == "alpaca" else "saved chat template"


# ------------------------------------------------------------------------------------ the checks


def check_dataset_loads(out: Output) -> CheckResult:
    if out.dataset is None:
        return False, f"load_from_disk failed: {out.dataset_error}"
    problems = [f"missing split {s}" for s in SPLITS if s not in out.dataset]
    for name, ds in out.splits().items():
        missing = [c for c in REQUIRED_COLUMNS if c not in ds.column_names]
        if missing:
            problems.append(f"{name} lacks column(s) {', '.join(missing)}")
        for column in TOKEN_COLUMNS:
            kind = ds.data.schema.field(column).type if column in ds.column_names else None
            if kind is not None and not (pa.types.is_list(kind) and pa.types.is_integer(kind.value_type)):
                problems.append(f"{name}.{column} is {kind}, not a list of integers")
    if problems:
        return False, "; ".join(problems)
    rows = ", ".join(f"{s} {len(out.dataset[s])}" for s in SPLITS)
    return True, f"DatasetDict with {rows} rows; all {len(REQUIRED_COLUMNS)} required columns in every split"


def check_manifest_consistent(out: Output) -> CheckResult:
    if out.manifest is None:
        return False, f"{MANIFEST} did not load: {out.manifest_error}"
    splits = out.splits()
    counted = out.manifest_part("counts").get("examples", {})
    listed = out.manifest_part("splits")
    problems = []
    for name in SPLITS:
        rows = len(splits[name]) if name in splits else None
        if counted.get(name) != rows:
            problems.append(f"{name}: manifest counts {counted.get(name)} examples, the dataset has {rows}")
        sessions = set(splits[name].unique("session_id")) if name in splits else set()
        if set(listed.get(name) or ()) != sessions:
            problems.append(f"{name}: the manifest's {len(listed.get(name) or ())} session ids are not the "
                            f"dataset's {len(sessions)}")
    missing = [k for k in CONFIG_KEYS if k not in out.manifest_part("config")]
    if missing:
        problems.append(f"config lacks {', '.join(missing)}")
    if problems:
        return False, "; ".join(problems)
    source = str(out.manifest.get("tokenizer_source", "?")).split(" ")[0]
    return True, (f"example counts and session ids of train/validation/test match the dataset; the config has "
                  f"the {len(CONFIG_KEYS)} keys the checks read; tokenizer_source {source}")


def check_tokenizer_loads_offline(out: Output) -> CheckResult:
    if out.tokenizer is None:
        return False, f"AutoTokenizer.from_pretrained(tokenizer/) offline failed: {out.tokenizer_error}"
    tok = out.tokenizer
    eot = tok.get_vocab().get(EOT_TOKEN)
    problems = []
    if tok.pad_token_id is None:
        problems.append("no pad token")
    elif tok.pad_token_id in (tok.eos_token_id, eot):
        # Padding with an end token would mask the real end-of-turn tokens out of the loss.
        problems.append(f"pad id {tok.pad_token_id} is the eos/eot id")
    if not tok.chat_template:
        problems.append("no chat template")
    evidence = (f"{len(tok)} tokens, pad {tok.pad_token} {tok.pad_token_id}, eos {tok.eos_token_id}, "
                f"{EOT_TOKEN} {eot}, chat template of {len(tok.chat_template or '')} chars, HF_HUB_OFFLINE=1")
    if problems:
        return False, "; ".join(problems) + f" ({evidence})"
    return True, evidence


def check_ids_in_vocabulary(out: Output) -> CheckResult:
    vocab = len(out.tok())
    total, low, high, offenders, bad_ids = 0, vocab, 0, [], 0
    for name, ds in out.splits().items():
        ids, rows, _ = token_column(ds, "input_ids")
        if not len(ids):
            continue
        total += len(ids)
        low, high = min(low, int(ids.min())), max(high, int(ids.max()))
        outside = (ids < 0) | (ids >= vocab)
        bad_ids += int(outside.sum())
        offenders += tagged(name, np.unique(rows[outside]))
    if offenders:
        return False, problem(f"rows with ids outside [0, {vocab}) ({bad_ids} of {total} ids, min {low}, "
                              f"max {high})", offenders)
    if not total:
        return True, "no input ids in any split"
    return True, f"{total} ids, all in [0, {vocab}) (min {low}, max {high})"


def check_max_length(out: Output) -> CheckResult:
    max_length = int(out.setting("max_length"))
    longest, over, wrong_length = 0, [], []
    for name, ds in out.splits().items():
        _, _, lengths = token_column(ds, "input_ids")
        longest = max([longest, *lengths.tolist()])
        over += tagged(name, np.flatnonzero(lengths > max_length))
        stated = ds.with_format("arrow")["length"].to_numpy(zero_copy_only=False)
        wrong_length += tagged(name, np.flatnonzero(stated != lengths))
    problems = []
    if over:
        problems.append(problem(f"sequences over max_length {max_length} (longest {longest})", over))
    if wrong_length:
        problems.append(problem("rows whose length column is not len(input_ids)", wrong_length))
    if problems:
        return False, "; ".join(problems)
    return True, f"longest sequence {longest} <= max_length {max_length}; length column = len(input_ids)"


def check_labels_aligned(out: Output) -> CheckResult:
    total, length_bad, label_bad, mask_bad = 0, [], [], []
    for name, ds in out.splits().items():
        ids, id_rows, id_lengths = token_column(ds, "input_ids")
        labels, label_rows, label_lengths = token_column(ds, "labels")
        mask, mask_rows, mask_lengths = token_column(ds, "attention_mask")
        total += len(ds)
        aligned = (id_lengths == label_lengths) & (id_lengths == mask_lengths)
        length_bad += tagged(name, np.flatnonzero(~aligned))
        # Token by token only within rows whose three lists have one length: the flat arrays line up.
        keep_ids, keep_labels = aligned[id_rows], aligned[label_rows]
        kept_labels = labels[keep_labels]
        differs = (kept_labels != IGNORE_INDEX) & (kept_labels != ids[keep_ids])
        label_bad += tagged(name, np.unique(id_rows[keep_ids][differs]))
        mask_bad += tagged(name, np.unique(mask_rows[mask != 1]))
    problems = []
    if length_bad:
        problems.append(problem("rows whose labels or attention_mask length is not len(input_ids)", length_bad))
    if label_bad:
        problems.append(problem("rows with a label that is neither -100 nor its input id", label_bad))
    if mask_bad:
        problems.append(problem("rows with attention_mask 0 in unpadded storage", mask_bad))
    if problems:
        return False, "; ".join(problems)
    return True, (f"{total} rows: labels, attention_mask and input_ids of one length; every label is -100 or "
                  "its input id; attention_mask all 1")


def check_supervised_tokens(out: Output) -> CheckResult:
    tokens, supervised, fewest, empty = 0, 0, None, []
    for name, ds in out.splits().items():
        labels, rows, _ = token_column(ds, "labels")
        per_row = np.bincount(rows[labels != IGNORE_INDEX], minlength=len(ds))
        empty += tagged(name, np.flatnonzero(per_row == 0))
        tokens, supervised = tokens + len(labels), supervised + int(per_row.sum())
        if len(per_row):
            fewest = min(int(per_row.min()), fewest if fewest is not None else int(per_row.min()))
    if empty:
        return False, problem("rows with no supervised token (all labels -100)", empty)
    share = f"{supervised / tokens:.1%}" if tokens else "n/a"
    return True, (f"every row has supervised tokens (fewest {fewest}); {supervised} of {tokens} tokens "
                  f"supervised ({share})")


def check_messages_match_input_ids(out: Output) -> CheckResult:
    rendering = out.rendering()
    how = prompt_format_name(out)
    rows = sum(r.rows for r in rendering.values())
    mismatched = [(name, row, token) for name, r in rendering.items() for row, token in r.mismatched]
    skipped = sum(r.skipped_special for r in rendering.values())
    note = f"; {skipped} rows skipped: their text spells a special token" if skipped else ""
    if mismatched:
        name, row, token = mismatched[0]
        return False, (f"{len(mismatched)} of {rows} rows: messages rendered with the {how} differ from "
                       f"input_ids; first: {name} row {row} at token {token}{note}")
    return True, f"{rows - skipped} of {rows} rows: messages rendered with the {how} give exactly input_ids{note}"


def check_prompt_not_supervised(out: Output) -> CheckResult:
    if out.setting("train_on_inputs"):
        return True, "train_on_inputs is true: every token is trained by design"
    how = prompt_format_name(out)
    rendering = out.rendering()
    compared = sum(r.compared for r in rendering.values())
    not_compared = sum(r.rows for r in rendering.values()) - compared
    problems = []
    for text, attribute in (("rows with a supervised token outside the assistant turns", "supervised_outside"),
                            ("rows supervising only part of an assistant turn", "partial_turns"),
                            (f"rows with a supervised run not ending with {EOT_TOKEN}", "run_without_eot")):
        offenders = [(name, row) for name, r in rendering.items() for row in getattr(r, attribute)]
        if offenders:
            problems.append(problem(text, offenders))
    note = f"; {not_compared} rows not compared (see the checks above)" if not_compared else ""
    if problems:
        return False, "; ".join(problems) + note
    if not compared:
        return False, "no row could be compared" + note
    turns = sum(r.supervised_turns for r in rendering.values())
    return True, (f"{compared} rows: supervised tokens are exactly {turns} whole assistant turns of the {how}, "
                  f"each ending with {EOT_TOKEN}{note}")


def check_split_ratios(out: Output) -> CheckResult:
    splits = out.splits(*SPLITS)
    ratios, split_by = out.setting("split_ratios"), out.setting("split_by")
    counts = {name: len(ds) for name, ds in splits.items()}
    total = sum(counts.values())
    if not total:
        return False, "no examples in any split"
    if split_by == "session":
        sessions = Counter(sid for ds in splits.values() for sid in column_values(ds, "session_id"))
        unit, why = max(sessions.values()), "the largest session: whole sessions go to one split"
    elif split_by == "client":
        client_of = {session: client for groups in ((out.manifest or {}).get("clients") or {}).values()
                     for client, listed in groups.items() for session in listed}
        sessions = Counter(client_of.get(sid, "session:" + sid)
                           for ds in splits.values() for sid in column_values(ds, "session_id"))
        unit, why = max(sessions.values()), "the largest client: all sessions of a client go to one split"
    else:
        sessions, unit, why = Counter(), 1, "one example"
    tolerance = max(SPLIT_TOLERANCE, unit / total)
    shares = {name: counts[name] / total for name in SPLITS}
    off = [name for name in SPLITS if abs(shares[name] - ratios[name]) > tolerance + 1e-9]
    evidence = (", ".join(f"{n} {shares[n]:.3f} (ratio {ratios[n]})" for n in SPLITS)
                + f" of {total} examples; tolerance {tolerance:.3f} = max({SPLIT_TOLERANCE}, {unit}/{total}, {why})")
    empty = [name for name in SPLITS if not counts[name] and ratios[name] > 0]
    if empty:
        evidence += f"; warning: {', '.join(empty)} empty ({len(sessions) or total} {split_by}s)"
    if off:
        return False, f"{', '.join(off)} out of tolerance: " + evidence
    return True, evidence


def check_no_session_leak(out: Output) -> CheckResult:
    split_of: dict[str, str] = {}
    shared: set[str] = set()
    offenders: list[SplitRow] = []  # rows of a session first seen in an earlier split
    for name, ds in out.splits().items():
        for row, session_id in enumerate(column_values(ds, "session_id")):
            if split_of.setdefault(session_id, name) != name:
                shared.add(session_id)
                offenders.append((name, row))
    total = len(split_of)
    if out.setting("split_by") == "example":
        return True, (f"info: split_by example (the seed's random split): {len(shared)} of {total} sessions "
                      "have examples in more than one split")
    if shared:
        return False, (f"{len(shared)} of {total} sessions have examples in more than one split; "
                       + problem("rows in a second split", offenders))
    per_split = Counter(split_of.values())
    return True, f"{total} sessions, each in one split (" + ", ".join(f"{n} {per_split[n]}" for n in SPLITS) + ")"


def check_no_client_leak(out: Output) -> CheckResult:
    """split_by client: no client in two splits. The manifest's `clients` (split -> client -> sessions)
    is checked against the sessions each split of the dataset really holds."""
    if out.setting("split_by") != "client":
        return True, f"info: split_by {out.setting('split_by')}: clients are not kept apart"
    listed = out.manifest_part("clients")
    if not isinstance(listed, dict) or set(listed) != set(SPLITS):
        return False, "split_by client, but the manifest has no clients per split"
    split_of_client: dict[str, str] = {}
    in_two: set[str] = set()
    listed_split: dict[str, tuple[str, str]] = {}  # session -> (client, split the manifest lists it in)
    for name in SPLITS:
        for client, sessions in listed[name].items():
            if split_of_client.setdefault(client, name) != name:
                in_two.add(client)
            for session in sessions:
                listed_split[session] = (client, name)
    held = {name: set(column_values(ds, "session_id")) for name, ds in out.splits(*SPLITS).items()}
    # a client's session found in another split than its client's, and a listed one not in its split
    misplaced = [(name, s) for name in SPLITS for s in held[name] if s in listed_split and listed_split[s][1] != name]
    absent = [s for s, (_, name) in listed_split.items() if s not in held[name]]
    problems = []
    if in_two:
        problems.append(f"{len(in_two)} clients are listed in more than one split")
    if misplaced:
        problems.append(f"{len(misplaced)} sessions of a client are in a split other than their client's")
    if absent:
        problems.append(f"{len(absent)} sessions the manifest lists are not in their split")
    if problems:
        return False, "; ".join(problems)
    per_split = ", ".join(f"{n} {len(listed[n])}" for n in SPLITS)
    return True, (f"{len(split_of_client)} clients, each in one split ({per_split}), {len(listed_split)} of their "
                  "sessions checked against the dataset's splits")


def check_response_leak(out: Output) -> CheckResult:
    train = out.splits("train")["train"]
    rendering = out.rendering()
    # Every user and assistant text of train (context included), each distinct text once.
    seen: dict[str, None] = {}
    for batch in train.select_columns(["messages"]).iter(batch_size=1000):
        for messages in batch["messages"]:
            seen.update((m["content"], None) for m in messages if m["role"] != "system")
    train_text = "\0".join(seen)
    responses, leaked = 0, []
    for name, ds in out.splits().items():
        if name not in EVAL_SPLITS:
            continue
        for row, (messages, trained) in enumerate(zip(column_values(ds, "messages"), rendering[name].supervised_messages)):
            for index in trained or ():
                response = messages[index]["content"].strip()
                if len(response.split()) >= MIN_RESPONSE_WORDS:
                    responses += 1
                    if response in train_text:
                        leaked.append((name, row))
    if not responses:
        return True, f"no supervised validation/test responses over {MIN_RESPONSE_WORDS - 1} words to compare"
    share = len(leaked) / responses
    evidence = (f"{len(leaked)} of {responses} supervised validation/test responses over {MIN_RESPONSE_WORDS - 1} "
                f"words ({share:.1%}) appear verbatim in train text; limit {out.max_leak:.1%}")
    if leaked:
        evidence += f"; first: {leaked[0][0]} row {leaked[0][1]}"
    return share <= out.max_leak, evidence


def check_dynamic_padding(out: Output) -> CheckResult:
    tok, train = out.tok(), out.splits("train")["train"]
    if not len(train):
        return False, "the train split is empty"
    collator_config = out.manifest_part("collator")
    collator, multiple = collator_for(out)
    pad = tok.pad_token_id
    problems = []
    if collator_config.get("pad_token_id") != pad:
        problems.append(f"manifest pad_token_id {collator_config.get('pad_token_id')} != tokenizer's {pad}")
    if collator_config.get("label_pad_token_id") != IGNORE_INDEX:
        problems.append(f"manifest label_pad_token_id {collator_config.get('label_pad_token_id')} != -100")
    widths, padded, real = [], 0, 0
    for batch_number, rows in enumerate(sampled_batches(len(train))):
        features = model_features(train, rows)
        batch = collator(features)
        shapes = {key: tuple(batch[key].shape) for key in MODEL_COLUMNS}
        width = shapes["input_ids"][1]
        widths.append(width)
        longest = max(len(f["input_ids"]) for f in features)
        if len(set(shapes.values())) != 1:
            problems.append(f"batch {batch_number}: shapes differ {sorted(set(shapes.values()))}")
            continue
        if width % multiple or width != math.ceil(longest / multiple) * multiple:
            problems.append(f"batch {batch_number}: width {width} for a longest row of {longest}, multiple {multiple}")
        for j, (row, feature) in enumerate(zip(rows, features)):
            if not padded_as_expected(batch, j, feature, pad):
                problems.append(f"batch {batch_number}: train row {row} is not its stored row followed by padding "
                                f"({pad}, attention 0, label -100)")
                break
            padded, real = padded + width - len(feature["input_ids"]), real + len(feature["input_ids"])
    if problems:
        return False, "; ".join(problems)
    return True, (f"{len(widths)} batches of up to {BATCH_SIZE} train rows: widths {widths}, multiples of {multiple}; "
                  f"{padded} padded positions hold input id {pad}, attention 0, label -100; "
                  f"real-token share {real / max(1, real + padded):.2f}")


def padded_as_expected(batch: dict[str, torch.Tensor], j: int, feature: dict[str, list[int]], pad: int) -> bool:
    """Row j of a collated batch: the stored row unchanged, then pad id / attention 0 / label -100."""
    n = len(feature["input_ids"])
    ids, mask, labels = batch["input_ids"][j], batch["attention_mask"][j], batch["labels"][j]
    stored = ids[:n].tolist() == feature["input_ids"] and labels[:n].tolist() == feature["labels"]
    padding = bool((ids[n:] == pad).all() and (mask[n:] == 0).all() and (labels[n:] == IGNORE_INDEX).all())
    return stored and bool((mask[:n] == 1).all()) and padding


def training_batches(out: Output, train: Dataset) -> list[dict[str, torch.Tensor]]:
    """Collated train batches of up to 8 rows and about TRAIN_BATCH_TOKENS tokens: multi_turn rows of
    2048 tokens train two at a time, so the run stays short on CPU."""
    _, _, lengths = token_column(train, "input_ids")
    size = max(1, min(BATCH_SIZE, TRAIN_BATCH_TOKENS // max(1, int(lengths.max()))))
    collator, _ = collator_for(out)
    return [collator(model_features(train, rows)) for rows in sampled_batches(len(train), size)]


def loss_positions(batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """Flat indices into labels[:, 1:] of the trained positions; above TRAINED_POSITIONS, a fixed
    random subset of them (the mean over a subset estimates the same loss)."""
    trained = (batch["labels"][:, 1:] != IGNORE_INDEX).flatten().nonzero().squeeze(1)
    if len(trained) > TRAINED_POSITIONS:
        order = torch.randperm(len(trained), generator=torch.Generator().manual_seed(0))
        trained = trained[order[:TRAINED_POSITIONS]].sort().values
    return trained


def causal_lm_loss(model: LlamaForCausalLM, batch: dict[str, torch.Tensor], positions: torch.Tensor) -> torch.Tensor:
    """The model's own loss (token t predicts label t+1, mean over trained labels), with the
    128k-wide output layer applied only at `positions`."""
    hidden = model.model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).last_hidden_state
    hidden = hidden[:, :-1].reshape(-1, hidden.shape[-1])
    targets = batch["labels"][:, 1:].reshape(-1)
    return F.cross_entropy(model.lm_head(hidden[positions]).float(), targets[positions])


def check_ready_for_fine_tuning(out: Output) -> CheckResult:
    tok, train = out.tok(), out.splits("train")["train"]
    if not len(train):
        return False, "the train split is empty"
    batches = training_batches(out, train)
    positions = [loss_positions(batch) for batch in batches]
    empty = [i for i, p in enumerate(positions) if not len(p)]
    if empty:
        return False, f"collated train batch {empty[0]} has no trained label"
    started = time.monotonic()
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tok), hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                         num_key_value_heads=4, intermediate_size=128, tie_word_embeddings=True,
                         max_position_embeddings=max(b["input_ids"].shape[1] for b in batches),
                         pad_token_id=tok.pad_token_id)
    model = LlamaForCausalLM(config)  # tied embeddings: half the optimizer work on a 128k vocabulary
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    losses: list[float] = []
    for step in range(out.train_steps):
        k = step % len(batches)
        loss = causal_lm_loss(model, batches[k], positions[k])
        losses.append(loss.item())
        if not math.isfinite(losses[-1]):
            return False, f"loss {losses[-1]} at step {step} (before: {[round(x, 3) for x in losses[:-1]]})"
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    last = sum(losses[-3:]) / 3
    shapes = sorted({tuple(b["input_ids"].shape) for b in batches})
    evidence = (f"tiny random LlamaForCausalLM (vocab {len(tok)}, 2 layers, hidden 64), {out.train_steps} AdamW "
                f"steps on {len(batches)} collated train batches {shapes}: loss {losses[0]:.3f} -> "
                f"{losses[-1]:.3f}, mean of last 3 {last:.3f}, all finite; {time.monotonic() - started:.1f} s")
    if last >= losses[0]:
        return False, "loss did not fall: " + evidence
    return True, evidence


_PSEUDONYM = {kind: re.compile(rf"^{kind}-[0-9a-f]{{16}}$") for kind in ("session", "file")}
_TAG = re.compile(r"\[(?:" + "|".join(PHI_TYPES) + r")\]")


def check_deidentified(out: Output) -> CheckResult:
    method = out.manifest_part("deidentification")
    mode = method.get("mode")
    if mode == "off":
        if out.corpus_deidentified:
            return True, "info: deidentify off; the corpus was de-identified upstream (--corpus-deidentified)"
        return False, ("deidentify off: transcripts keep their names, numbers and dates; run with deidentify "
                       "surrogate or tag, or pass --corpus-deidentified if the corpus was de-identified before")
    problems = []
    if mode not in ("surrogate", "tag") or not method.get("key_id") or not method.get("method_version"):
        problems.append(f"the manifest's de-identification record is incomplete (mode {mode!r})")
    replaced = out.manifest_part("counts").get("phi_replaced")
    if not isinstance(replaced, dict):
        problems.append("the manifest counts no phi_replaced")
    raw_ids = [(name, row) for name, ds in out.splits().items()
               for row, sid in enumerate(column_values(ds, "session_id")) if not _PSEUDONYM["session"].match(sid)]
    if raw_ids:
        problems.append(f"{len(raw_ids)} session ids are not keyed pseudonyms; " + problem("rows", raw_ids))
    paths = [f.get("path", "") for f in out.manifest.get("inputs", [])] + [
        s.get("path", "") for s in out.manifest.get("skipped", [])]
    raw_paths = [p for p in paths if not _PSEUDONYM["file"].match(str(p))]
    if raw_paths:
        problems.append(f"{len(raw_paths)} paths in the manifest are not keyed pseudonyms")
    tagged = 0
    if mode == "surrogate":
        for ds in out.splits().values():
            tagged += sum(bool(_TAG.search(m["content"])) for messages in column_values(ds, "messages")
                          for m in messages if m["role"] != "system")
        if tagged:
            problems.append(f"{tagged} messages hold typed tags although the mode is surrogate")
    if problems:
        return False, "; ".join(problems)
    total = sum(replaced.values())
    by_type = ", ".join(f"{k} {v}" for k, v in replaced.items()) or "none found"
    return True, (f"{mode}: {total} values replaced ({by_type}); every session id and manifest path is a keyed "
                  f"pseudonym (key {method['key_id']})")


CHECKS: list[tuple[str, Callable[[Output], CheckResult]]] = [
    ("dataset_loads", check_dataset_loads),
    ("manifest_consistent", check_manifest_consistent),
    ("tokenizer_loads_offline", check_tokenizer_loads_offline),
    ("ids_in_vocabulary", check_ids_in_vocabulary),
    ("max_length", check_max_length),
    ("labels_aligned", check_labels_aligned),
    ("supervised_tokens", check_supervised_tokens),
    ("messages_match_input_ids", check_messages_match_input_ids),
    ("prompt_not_supervised", check_prompt_not_supervised),
    ("split_ratios", check_split_ratios),
    ("no_session_leak", check_no_session_leak),
    ("no_client_leak", check_no_client_leak),
    ("response_leak", check_response_leak),
    ("dynamic_padding", check_dynamic_padding),
    ("ready_for_fine_tuning", check_ready_for_fine_tuning),
    ("deidentified", check_deidentified),
]


def run_checks(out: Output) -> list[dict[str, Any]]:
    results = []
    for name, check in CHECKS:
        try:
            passed, evidence = check(out)
        except NotRun as reason:
            passed, evidence = False, f"not run: {reason}"
        except Exception as exc:  # noqa: BLE001 - corrupted data gives FAIL, never a traceback (it may quote PHI)
            passed, evidence = False, f"error: {describe(exc)} raised while checking"
        results.append({"name": name, "passed": bool(passed), "evidence": evidence})
    return results


# ------------------------------------------------------------------------------------ command line


def fraction(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1], got {text}")
    return value


def train_steps(text: str) -> int:
    value = int(text)
    if value < 4:  # a first step and three more to average
        raise argparse.ArgumentTypeError(f"must be at least 4, got {text}")
    return value


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Validate a processed therapy fine-tuning dataset.")
    parser.add_argument("--output-dir", help="the processed dataset (default: output_dir of the config)")
    parser.add_argument("--config", default="config.yaml", help="config read for output_dir (default: config.yaml)")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout instead of lines")
    parser.add_argument("--max-leak", type=fraction, default=0.05,
                        help="largest share of validation/test responses found verbatim in train (default 0.05)")
    parser.add_argument("--corpus-deidentified", action="store_true",
                        help="the corpus was de-identified before the pipeline: deidentify off passes")
    parser.add_argument("--train-steps", type=train_steps, default=8,
                        help="optimizer steps of the tiny training run (default 8, at least 4)")
    return parser.parse_args(argv)


def resolve_output_dir(args: argparse.Namespace) -> Path:
    if args.output_dir:
        return Path(args.output_dir)
    return Path(ProcessingConfig.from_yaml(args.config).output_dir)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    datasets.disable_progress_bars()
    datasets.logging.set_verbosity_error()
    transformers.logging.set_verbosity_error()
    try:
        output_dir = resolve_output_dir(args)
    except ConfigError as err:
        print(f"config error: {str(err).splitlines()[0]}", file=sys.stderr)
        return 2
    if not output_dir.is_dir():
        print(f"error: output dir {output_dir} does not exist (run run_data_processing.py first)", file=sys.stderr)
        return 2
    print(f"validating {output_dir}", file=sys.stderr)
    results = run_checks(load_output(output_dir, args.max_leak, args.train_steps, args.corpus_deidentified))
    passed = all(r["passed"] for r in results)
    if args.json:
        print(json.dumps({"passed": passed, "checks": results}))
    else:
        for r in results:
            print(f"{'PASS' if r['passed'] else 'FAIL'} {r['name']}: {r['evidence']}")
        print(f"{sum(r['passed'] for r in results)} of {len(results)} checks passed")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
