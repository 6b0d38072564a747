"""Seed step 6, made atomic: everything is written to a staging folder beside `output_dir` and
swapped in whole, so a failed or killed run leaves the previous output exactly as it was."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import json
import logging
import os
import re
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

import datasets
from datasets import Dataset, DatasetDict, load_from_disk
from transformers import PreTrainedTokenizerBase

from .collator import MODEL_COLUMNS
from .columns import column_values
from .llamafactory import write_export
from .splitting import SPLITS

logger = logging.getLogger(__name__)

MANIFEST = "processing_manifest.json"

_STAGING = ".{name}.staging-{pid}"
_RENAME_EXCHANGE = 2  # linux/fs.h


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_staging(output_dir: Path) -> int:
    """Remove staging folders left by runs that were killed; returns how many were removed."""
    removed = 0
    for path in output_dir.parent.glob(f".{output_dir.name}.staging-*"):
        pid = path.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _pid_alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    return removed


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths with renameat2(RENAME_EXCHANGE); False where the OS cannot."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    if not hasattr(libc, "renameat2"):
        return False
    at_fdcwd = -100
    if libc.renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(err, f"cannot swap {a} and {b}: {os.strerror(err)}")


def file_in_the_way(output_dir: Path) -> Path | None:
    """The file, if any, at `output_dir` or at the nearest existing folder above it: where a folder is needed."""
    existing = next((p for p in (output_dir, *output_dir.parents) if p.exists()), None)
    return existing if existing is not None and not existing.is_dir() else None


@contextlib.contextmanager
def staging_dir(output_dir: Path, private: bool) -> Iterator[Path]:
    """A fresh folder to write the output into; on success it replaces `output_dir` atomically.

    With `private`, everything written inside is readable by the owner only (transcripts are PHI).
    An OS error (a full disk, a permission) names the path the user gave, not the staging folder.
    """
    output_dir = output_dir.absolute()
    blocked = file_in_the_way(output_dir)  # found before any work, not at the swap
    if blocked is not None:
        raise NotADirectoryError(errno.ENOTDIR, "a file where the output folder should be", str(blocked))
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(output_dir)
    staging = output_dir.parent / _STAGING.format(name=output_dir.name, pid=os.getpid())
    shutil.rmtree(staging, ignore_errors=True)
    old_umask = os.umask(0o077) if private else None
    try:
        staging.mkdir(mode=0o700 if private else 0o777)
        try:
            yield staging
        except OSError as err:
            if err.filename and str(err.filename).startswith(str(staging)):
                where = str(output_dir) + str(err.filename)[len(str(staging)) :]
                raise type(err)(err.errno, err.strerror, where) from None
            raise
        if output_dir.exists() and _exchange(staging, output_dir):
            shutil.rmtree(staging)  # now holds the previous output
        else:
            if output_dir.exists():
                # No atomic exchange on this OS: the shortest possible window instead.
                shutil.rmtree(output_dir)
            os.replace(staging, output_dir)
    finally:
        if old_umask is not None:
            os.umask(old_umask)
        shutil.rmtree(staging, ignore_errors=True)


def write_json(path: Path, data: dict) -> None:
    """Deterministic JSON (sorted keys, fixed indentation) so that identical runs are byte-identical."""
    path.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


EXPORTS = ("jsonl", "tokenized", "llamafactory")


def assemble_splits(
    shards: dict[str, list[str]], folder: Path, fingerprint: str, private: bool
) -> tuple[DatasetDict, int]:
    """The DatasetDict in `folder` from the units' shards (split -> its shards, saved by
    `save_to_disk` in the units, in unit order): each shard moved in as `data-<k>-of-<n>.arrow`, beside
    the split's `dataset_info.json` and `state.json` as `save_to_disk` writes them. Nothing is read or
    copied, so the driver's memory does not grow with the output. Returns it (memory-mapped) and the
    shards moved."""
    first = next(paths[0] for paths in shards.values() if paths)
    features = Dataset.from_file(first).features
    moved = 0
    for name in SPLITS:
        paths, split = shards.get(name, []), folder / name
        if not paths:  # datasets writes an empty split without a shard file and then cannot load it: force one
            empty = Dataset.from_dict({column: [] for column in features}, features=features)
            empty.save_to_disk(str(split), num_shards=1)
        else:
            split.mkdir()
            for k, path in enumerate(paths):
                target = split / f"data-{k:05d}-of-{len(paths):05d}.arrow"
                os.replace(path, target)
                if private:  # (a Ray worker writes with its own umask)
                    target.chmod(0o600)
            shutil.copyfile(Path(first).parent / "dataset_info.json", split / "dataset_info.json")
            moved += len(paths)
        n = max(1, len(paths))
        state = {
            "_data_files": [{"filename": f"data-{k:05d}-of-{n:05d}.arrow"} for k in range(n)],
            "_fingerprint": f"{fingerprint}-{name}",
            "_format_columns": None,
            "_format_kwargs": {},
            "_format_type": None,
            "_output_all_columns": False,
            "_split": None,
        }
        (split / "state.json").write_text(json.dumps(state, indent=2, sort_keys=True), encoding="utf-8")  # as datasets
    (folder / "dataset_dict.json").write_text(json.dumps({"splits": list(SPLITS)}), encoding="utf-8")
    return load_from_disk(str(folder)), moved


def save_output(
    dataset: DatasetDict,
    tokenizer: PreTrainedTokenizerBase,
    folder: Path,
    exports: Sequence[str] = (),
    prompt_format: str = "chat",
    saved: bool = False,
) -> dict:
    """The save step: the DatasetDict and `tokenizer/` into `folder` (the staging folder; the
    manifest is written after), and under `export/` each export asked for:
    - jsonl: `<split>.jsonl` of `{"messages": [...]}`;
    - tokenized: `tokenized/`, a DatasetDict of only input_ids, attention_mask and labels (what
      Axolotl's sample packing and LLaMA-Factory's `tokenized_path` collate);
    - llamafactory: see `llamafactory.write_export`.
    Returns what the exports wrote, for the manifest.
    """
    written: dict = {}
    with _progress_bars(False):
        # datasets writes an empty split without a shard file and then cannot load it: force one.
        single = {n: 1 for n in dataset if len(dataset[n]) == 0}
        if not saved:  # (saved: assemble_splits put it in place)
            dataset.save_to_disk(str(folder), num_shards=single)
        if "tokenized" in exports:
            dataset.select_columns(list(MODEL_COLUMNS)).save_to_disk(
                str(folder / "export" / "tokenized"), num_shards=single
            )
    save_tokenizer(tokenizer, folder / "tokenizer")
    if "jsonl" in exports:
        (folder / "export").mkdir(exist_ok=True)
        for name in dataset:
            with open(folder / "export" / f"{name}.jsonl", "w", encoding="utf-8") as out:
                out.writelines(
                    json.dumps({"messages": messages}, ensure_ascii=False) + "\n"
                    for messages in column_values(dataset[name], "messages")
                )
    if "llamafactory" in exports:
        eot = tokenizer.convert_tokens_to_ids("<|eot_id|>")
        chat = prompt_format == "chat"
        written["llamafactory"] = write_export(dataset, folder / "export" / "llamafactory", eot, chat)
    return written


def save_tokenizer(tokenizer: PreTrainedTokenizerBase, folder: Path) -> None:
    """`save_pretrained`, its OS errors as OSError naming the folder."""
    try:
        tokenizer.save_pretrained(str(folder))
    except Exception as err:  # `tokenizers` raises a plain Exception for an OS error: "... (os error 28)"
        code = re.search(r"\(os error (\d+)\)$", str(err))
        if code is None:
            raise
        raise OSError(int(code[1]), os.strerror(int(code[1])), str(folder)) from None


@contextlib.contextmanager
def _progress_bars(enabled: bool) -> Iterator[None]:
    was_enabled = datasets.is_progress_bar_enabled()
    (datasets.enable_progress_bars if enabled else datasets.disable_progress_bars)()
    try:
        yield
    finally:
        (datasets.enable_progress_bars if was_enabled else datasets.disable_progress_bars)()
