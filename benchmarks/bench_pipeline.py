"""Benchmark: the whole pipeline against the fast tokenizer's encode of the same final texts.

    python benchmarks/bench_pipeline.py --exchanges 200000 --json

1. Writes a deterministic synthetic corpus of N exchanges (fictional English-like text; turn lengths
   lognormal with median ~10 and p90 ~45 words; sessions of 6-900 turns) as JSON, JSONL and
   `{"sessions": [...]}` files into a temporary folder. Not timed.
2. Runs `TherapyDataProcessor(...).run()` in a child process (`pipeline_seconds`: the whole run,
   loading and saving included). The child reports its own peak RSS (VmHWM of its address space,
   so neither this parent nor the baselines below inflate it). The embedded tokenizer's cache is
   built beforehand, so its one-off conversion is not measured.
3. In this process: loads the saved splits, renders every example's `messages` with the saved
   tokenizer's chat template (not timed) and times only `tokenizer(texts, add_special_tokens=False)`
   in batches of 1000 (`tokenizer_limit_seconds`), checking that the ids equal the saved
   `input_ids` (token parity). Optionally times the naive alternative: a batched `Dataset.map` that
   renders with `apply_chat_template` and tokenizes (`naive_batched_map_seconds`).
4. Padding efficiency of the train split: random order with `DataCollatorForSeq2Seq`-style padding,
   transformers' `LengthGroupedSampler` (as `Trainer(group_by_length=True)`), and
   `DataCollatorWithFlattening` (padding-free).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the pipeline's package, for the parent's checks and the child's run
SPLITS = ("train", "validation", "test")
ENCODE_BATCH = 1000

# Turn lengths in words: lognormal with median 10 and 90th percentile 45, clipped to [1, 400].
WORDS_MEDIAN, WORDS_P90, WORDS_MAX = 10, 45, 400
# Session lengths in turns: lognormal with median 50 (p90 ~160), clipped to [6, 900].
SESSION_MEDIAN, SESSION_SIGMA, SESSION_MIN, SESSION_MAX = 50, 0.9, 6, 900
SAME_SPEAKER_AGAIN = 0.05  # share of turns by the speaker of the turn before
SESSIONS_PER_FILE = 20  # JSONL and {"sessions": [...]} files hold several sessions

_WORD_BANK_TEXT = """
I you we they he she it me my your our their him her them this that these those what when where
why how who which there here then now today yesterday tomorrow week weekend morning evening night
time day year month moment always never sometimes often usually again still just really very so
too quite maybe perhaps probably actually almost already enough only also even much more most less
little lot some any every all each both few many other another same different new old good bad
better worse best hard easy long short big small high low right wrong true sure okay fine well
and but or because if while though although since until unless before after during about with
without into onto from over under between through around against toward for of at on in by to up
down out off away back
am is are was were be been being have has had do does did doing can could will would should might
must shall may go goes went going come came get got getting make made take took give gave find
found think thought know knew feel felt seem seemed want wanted need needed try tried tell told
ask asked say said talk talked listen listened look looked see saw hear heard notice noticed
remember forget forgot understand understood happen happened start started stop stopped keep kept
let help helped work worked call called move moved leave left stay stayed wait waited sleep slept
eat ate walk walked breathe breathing practice practiced plan planned change changed handle
manage managed cope coping accept accepted allow avoid avoided describe observe
feeling feelings emotion emotions thoughts body mind heart breath chest stomach head
anxiety anxious worry worried fear afraid scared panic stress stressed tired exhausted sad sadness
angry anger frustrated upset hurt lonely alone calm relaxed safe unsafe ashamed shame guilt guilty
happy glad proud hopeful hopeless overwhelmed numb restless nervous tense urge urges craving
family mother father mom dad sister brother partner friend friends boss coworker neighbor child
kids parents people someone everyone nobody home house room job office school class car phone
message text email meeting appointment session homework diary card skill skills exercise goal
goals problem problems situation reason reasons pattern patterns step steps way ways part thing
things something nothing everything anything kind sort bit place point fact facts question answer
wise mindful mindfulness balance validation opposite action distress tolerance regulation
interpersonal effectiveness boundary boundaries value values choice choices chance pressure
conflict argument mistake trouble support pain comfort routine habit energy focus attention
don't can't won't didn't isn't wasn't I'm you're it's that's there's I've I'd I'll we're
let's they're doesn't haven't couldn't wouldn't shouldn't
"""
WORD_BANK = _WORD_BANK_TEXT.split()
NUMBER_SHARE = 0.02  # share of words replaced by a number
COMMA_SHARE = 0.07  # share of words inside a sentence followed by a comma
SENTENCE_ENDS = np.array([".", ".", ".", ".", ".", ".", "?", "?", "!"])


# ----------------------------------------------------------------------------- synthetic corpus


def _lognormal_ints(
    rng: np.random.Generator, median: float, sigma: float, size: int, low: int, high: int
) -> np.ndarray:
    return np.clip(np.rint(rng.lognormal(math.log(median), sigma, size)), low, high).astype(np.int64)


def _turn_text(rng: np.random.Generator, n_words: int) -> str:
    words = [WORD_BANK[i] for i in rng.integers(0, len(WORD_BANK), n_words)]
    numbers = rng.random(n_words) < NUMBER_SHARE
    commas = rng.random(n_words) < COMMA_SHARE
    out, position = [], 0
    while position < n_words:
        end = min(n_words, position + int(rng.integers(3, 15)))
        for i in range(position, end):
            word = str(int(rng.integers(1, 100))) if numbers[i] else words[i]
            if i == position:
                word = word[0].upper() + word[1:]
            if i == end - 1:
                word += SENTENCE_ENDS[rng.integers(0, len(SENTENCE_ENDS))]
            elif commas[i]:
                word += ","
            out.append(word)
        position = end
    return " ".join(out)


def _session_turns(rng: np.random.Generator, word_counts: np.ndarray) -> list[tuple[bool, str]]:
    """(is_therapist, text) turns, alternating speakers except for an occasional second turn."""
    therapist = bool(rng.random() < 0.5)
    turns = []
    for n_words in word_counts:
        turns.append((therapist, _turn_text(rng, int(n_words))))
        if rng.random() >= SAME_SPEAKER_AGAIN:
            therapist = not therapist
    return turns


def _session_sizes(rng: np.random.Generator, exchanges: int) -> list[int]:
    sizes, total = [], 0
    while total < exchanges:
        size = int(_lognormal_ints(rng, SESSION_MEDIAN, SESSION_SIGMA, 1, SESSION_MIN, SESSION_MAX)[0])
        size = min(size, exchanges - total)
        if size < SESSION_MIN and sizes:  # a remainder too short for a session joins the one before
            sizes[-1] += size
        else:
            sizes.append(size)
        total += size
    return sizes


def write_corpus(folder: Path, exchanges: int, seed: int) -> dict[str, Any]:
    """Write the corpus in three of the contract's structures, rotating per session; returns its stats.

    Sessions are written as they are made, so this process stays small before the pipeline's
    child process starts (a child inherits its parent's RSS in `ru_maxrss`).
    """
    rng = np.random.default_rng(seed)
    sizes = _session_sizes(rng, exchanges)
    word_counts = _lognormal_ints(
        rng, WORDS_MEDIAN, math.log(WORDS_P90 / WORDS_MEDIAN) / 1.2815515655446004, exchanges, 1, WORDS_MAX
    )
    for sub in ("single", "jsonl", "batches"):
        (folder / sub).mkdir(parents=True)
    jsonl_lines: list[str] = []
    batch: list[dict] = []
    files, offset = 0, 0

    def flush(final: bool = False) -> None:
        nonlocal jsonl_lines, batch, files
        if jsonl_lines and (final or len(jsonl_lines) >= SESSIONS_PER_FILE * SESSION_MEDIAN):
            (folder / "jsonl" / f"turns_{files:05d}.jsonl").write_text("".join(jsonl_lines), encoding="utf-8")
            jsonl_lines, files = [], files + 1
        if batch and (final or len(batch) >= SESSIONS_PER_FILE):
            doc = {"batch_id": f"b{files}", "sessions": batch}
            (folder / "batches" / f"sessions_{files:05d}.json").write_text(json.dumps(doc), encoding="utf-8")
            batch, files = [], files + 1

    for number, size in enumerate(sizes):
        session_id = f"syn-{number:07d}"
        turns = _session_turns(rng, word_counts[offset : offset + size])
        offset += size
        if number % 3 == 0:  # structure 1: one session object a file, turns under "dialogue"
            doc = {
                "session_id": session_id,
                "dialogue": [{"speaker": "Therapist" if t else "Client", "text": text} for t, text in turns],
            }
            (folder / "single" / f"{session_id}.json").write_text(json.dumps(doc, indent=1), encoding="utf-8")
            files += 1
        elif number % 3 == 1:  # structure 5: JSONL, a turn a line with its session id
            jsonl_lines.extend(
                json.dumps(
                    {"session_id": session_id, "turn_id": i, "speaker": "counsellor" if t else "client", "text": text}
                )
                + "\n"
                for i, (t, text) in enumerate(turns)
            )
        else:  # structure 3: {"sessions": [...]}, turns under "messages" as role / content
            batch.append(
                {
                    "id": session_id,
                    "messages": [{"role": "therapist" if t else "patient", "content": text} for t, text in turns],
                }
            )
        flush()
    flush(final=True)
    return {
        "exchanges": exchanges,
        "sessions": len(sizes),
        "files": files,
        "session_turns": {"min": min(sizes), "median": float(np.median(sizes)), "max": max(sizes)},
        "turn_words": {
            "median": float(np.median(word_counts)),
            "p90": float(np.percentile(word_counts, 90)),
            "mean": round(float(word_counts.mean()), 2),
            "max": int(word_counts.max()),
        },
        "words": int(word_counts.sum()),
    }


# ----------------------------------------------------------------------------- the pipeline, in a child


def _peak_rss_mb() -> float:
    """High-water RSS of this process's own address space (VmHWM), in MiB.

    `ru_maxrss` is not used for the headline figure: after fork + exec it starts from the parent's RSS.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def _cpu_seconds(who: int) -> float:
    """User + system CPU time of this process (all its threads) or of its waited-for children."""
    import resource

    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _rss_mb() -> dict[str, float]:
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("RssAnon", "RssFile", "RssShmem"):
            fields[key] = int(value.split()[0]) / 1024
    return fields


def _ray_workers_rss_mb() -> list[float]:
    """RSS (MiB) of each Ray worker process running one of our units (its command line names the
    actor class), for engine ray."""
    sizes = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if b"_RayCalls" not in (proc / "cmdline").read_bytes():
                continue
            for line in (proc / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        except OSError:
            continue
    return sizes


class _RssSampler(threading.Thread):
    """Samples RSS (MiB) every 50 ms: anonymous memory (the heap) apart from file pages (mapped Arrow files)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.peak: dict[str, Any] = {"total_mb": 0.0}
        self.peak_anon_mb = 0.0
        self.ray_worker_peak_mb = 0.0
        self.ray_workers_peak_total_mb = 0.0

    def run(self) -> None:
        ticks = 0
        while not self.stop.wait(0.05):
            ticks += 1
            if ticks % 10 == 0:  # engine ray: its workers' memory, every half second
                workers = _ray_workers_rss_mb()
                if workers:
                    self.ray_worker_peak_mb = max(self.ray_worker_peak_mb, max(workers))
                    self.ray_workers_peak_total_mb = max(self.ray_workers_peak_total_mb, sum(workers))
            rss = _rss_mb()
            total = sum(rss.values())
            self.peak_anon_mb = max(self.peak_anon_mb, rss["RssAnon"])
            if total > self.peak["total_mb"]:
                self.peak = {
                    "total_mb": round(total, 1),
                    "anon_mb": round(rss["RssAnon"], 1),
                    "file_mb": round(rss["RssFile"] + rss["RssShmem"], 1),
                }


def run_pipeline_child(spec_path: str) -> None:
    """Child process: run the pipeline once and write its timings and peak RSS to spec['result']."""
    import resource

    import datasets

    import therapy_data_processor as tdp

    spec = json.loads(Path(spec_path).read_text())
    datasets.disable_progress_bars()
    logging.basicConfig(level=logging.WARNING)  # the pipeline's warnings still reach the user
    config = tdp.ProcessingConfig.from_dict(spec["config"])
    processor = tdp.TherapyDataProcessor(config)
    profiler = None
    if spec.get("profile"):
        import cProfile

        profiler = cProfile.Profile()
    start_anon_mb = round(_rss_mb()["RssAnon"], 1)
    sampler = _RssSampler()
    sampler.start()
    load_before = os.getloadavg()[0]
    cpu_before = _cpu_seconds(resource.RUSAGE_SELF)
    start = time.perf_counter()
    if profiler:
        manifest = profiler.runcall(processor.run)
    else:
        manifest = processor.run()
    end = time.perf_counter()
    cpu = _cpu_seconds(resource.RUSAGE_SELF) - cpu_before
    sampler.stop.set()
    sampler.join()
    if profiler:
        import pstats

        profiler.dump_stats(spec["profile"])
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(30)

    steps = manifest["step_seconds"]  # the pipeline's own clock, recorded in its manifest
    steps["other"] = round(end - start - sum(steps.values()), 3)  # set-up, the manifest, the swap
    result = {
        "pipeline_seconds": end - start,
        # with num_proc > 1 the map's workers are this process's children
        "pipeline_cpu_seconds": cpu + _cpu_seconds(resource.RUSAGE_CHILDREN),
        "workers_cpu_seconds": _cpu_seconds(resource.RUSAGE_CHILDREN),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "peak_rss_mb": _peak_rss_mb(),
        "rss_at_peak": sampler.peak,
        "rss_anon_mb": {"start": start_anon_mb, "end": round(_rss_mb()["RssAnon"], 1)},
        "peak_rss_anon_mb": round(sampler.peak_anon_mb, 1),
        "peak_rss_mb_getrusage": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "children_peak_rss_mb_getrusage": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "ray_worker_peak_rss_mb": round(sampler.ray_worker_peak_mb, 1),
        "ray_workers_peak_total_rss_mb": round(sampler.ray_workers_peak_total_mb, 1),
        "step_seconds": steps,
        "counts": manifest["counts"],
        "tokenizer_source": manifest["tokenizer_source"],
    }
    Path(spec["result"]).write_text(json.dumps(result))


def output_digest(output: Path) -> str:
    """sha256 of the saved dataset's files (the splits' data, features and state; not the manifest,
    whose timings differ): equal digests, identical datasets (engine local against engine ray)."""
    digest = hashlib.sha256()
    for path in sorted(output.glob("*/*")):
        if path.parent.name in SPLITS and path.is_file():
            digest.update(path.relative_to(output).as_posix().encode() + b"\0")
            with open(path, "rb") as data:
                for block in iter(lambda: data.read(1 << 24), b""):
                    digest.update(block)
    return digest.hexdigest()[:16]


def warm_tokenizer_cache(cache_dir: str) -> None:
    """Child process: build the embedded tokenizer into the persistent cache, if not there yet."""
    from therapy_pipeline.tokenizer import build_embedded_tokenizer

    build_embedded_tokenizer(cache_dir)
    from therapy_pipeline.deid import load_word_lists

    load_word_lists(cache_dir)  # the one-off derivation of the de-identification lists is not measured


def _child(flag: str, argument: str) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    subprocess.run([sys.executable, str(Path(__file__).resolve()), flag, argument], env=env, check=True)


# ----------------------------------------------------------------------------- baselines, in this process


def _flat_ids(column: Any) -> tuple[np.ndarray, np.ndarray]:
    """(values, offsets) of an Arrow list column, slices and chunks resolved."""
    from therapy_pipeline.columns import flat_values, row_offsets

    return flat_values(column).to_numpy(zero_copy_only=False), row_offsets(column)


def _count_mismatches(ids: list[list[int]], values: np.ndarray, offsets: np.ndarray, first: int) -> int:
    """Examples whose encoded ids differ from the saved input_ids (rows first, first + len(ids))."""
    lengths = np.fromiter((len(x) for x in ids), dtype=np.int64, count=len(ids))
    saved_lengths = np.diff(offsets[first : first + len(ids) + 1])
    start, end = offsets[first], offsets[first + len(ids)]
    if np.array_equal(lengths, saved_lengths) and np.array_equal(
        np.fromiter((i for x in ids for i in x), dtype=np.int64, count=int(lengths.sum())), values[start:end]
    ):
        return 0
    return sum(
        1
        for row, x in enumerate(ids)
        if not np.array_equal(np.asarray(x, dtype=np.int64), values[offsets[first + row] : offsets[first + row + 1]])
    )


def tokenizer_limit(tokenizer: Any, texts: list[str], values: np.ndarray, offsets: np.ndarray) -> dict[str, Any]:
    """Time only the fast tokenizer's batch encode of the final texts; compare ids with the saved ones."""
    import resource

    seconds = cpu = 0.0
    mismatches = tokens = 0
    for first in range(0, len(texts), ENCODE_BATCH):
        chunk = texts[first : first + ENCODE_BATCH]
        cpu_before = _cpu_seconds(resource.RUSAGE_SELF)
        start = time.perf_counter()
        ids = tokenizer(chunk, add_special_tokens=False)["input_ids"]
        seconds += time.perf_counter() - start
        cpu += _cpu_seconds(resource.RUSAGE_SELF) - cpu_before
        tokens += sum(len(x) for x in ids)
        mismatches += _count_mismatches(ids, values, offsets, first)
    return {"seconds": seconds, "cpu_seconds": cpu, "mismatches": mismatches, "tokens": tokens}


def naive_batched_map(dataset: Any, tokenizer: Any, num_proc: int, work: Path) -> tuple[float, Any]:
    """The straightforward alternative: render with the chat template and tokenize, in a batched map."""

    def render_and_tokenize(batch: dict[str, list]) -> dict[str, list]:
        texts = tokenizer.apply_chat_template(batch["messages"], tokenize=False)
        encoded = tokenizer(texts, add_special_tokens=False)
        return {"input_ids": encoded["input_ids"], "attention_mask": encoded["attention_mask"]}

    start = time.perf_counter()
    mapped = dataset.map(
        render_and_tokenize,
        batched=True,
        batch_size=ENCODE_BATCH,
        num_proc=num_proc if num_proc > 1 else None,
        remove_columns=dataset.column_names,
        cache_file_name=str(work / "naive.arrow"),
    )
    return time.perf_counter() - start, mapped


def padding_report(train: Any, tokenizer: Any, batch_size: int, seed: int) -> dict[str, Any]:
    from transformers import DataCollatorWithFlattening

    from therapy_pipeline.collator import TherapyDataCollator, padding_efficiency, training_orders

    table = train.with_format("arrow")[:]
    lengths = table["length"].to_numpy()
    values, offsets = _flat_ids(table["input_ids"])
    labels, label_offsets = _flat_ids(table["labels"])
    if not np.array_equal(np.diff(offsets), lengths):
        raise AssertionError("the length column differs from len(input_ids)")

    orders = training_orders(lengths, batch_size, seed)
    random_order, grouped_order = orders["random"], orders["grouped"]

    def features(rows: np.ndarray) -> list[dict[str, list[int]]]:
        return [
            {
                "input_ids": values[offsets[r] : offsets[r + 1]].tolist(),
                "attention_mask": [1] * int(lengths[r]),
                "labels": labels[label_offsets[r] : label_offsets[r + 1]].tolist(),
            }
            for r in rows
        ]

    # The arithmetic above is checked against the project's collator on the first batches.
    collator = TherapyDataCollator(tokenizer, pad_to_multiple_of=None, return_tensors="np")
    for order in (random_order, grouped_order):
        for first in range(0, min(len(order), 50 * batch_size), batch_size):
            rows = order[first : first + batch_size]
            mask = collator(features(rows))["attention_mask"]
            if int(mask.sum()) != int(lengths[rows].sum()) or mask.shape != (len(rows), lengths[rows].max()):
                raise AssertionError("TherapyDataCollator padded differently from the batch maximum")

    flattening = DataCollatorWithFlattening(return_tensors="np")
    real = total = 0
    for first in range(0, len(random_order), batch_size):
        rows = random_order[first : first + batch_size]
        batch = flattening([{k: f[k] for k in ("input_ids", "labels")} for f in features(rows)])
        positions = batch["position_ids"][0]
        expected = np.concatenate([np.arange(lengths[r]) for r in rows])
        if not np.array_equal(positions, expected):
            raise AssertionError("DataCollatorWithFlattening: position_ids do not restart at every example")
        real += int(lengths[rows].sum())
        total += batch["input_ids"].size

    return {
        "padding_efficiency": {
            "random": round(padding_efficiency(lengths, random_order, batch_size), 4),
            "grouped": round(padding_efficiency(lengths, grouped_order, batch_size), 4),
            "flattened": round(real / total, 4),
        },
        "padding_efficiency_pad_to_8": {
            "random": round(padding_efficiency(lengths, random_order, batch_size, 8), 4),
            "grouped": round(padding_efficiency(lengths, grouped_order, batch_size, 8), 4),
        },
        "train_length_tokens": {
            "median": float(np.median(lengths)),
            "p90": float(np.percentile(lengths, 90)),
            "max": int(lengths.max()),
        },
    }


# ----------------------------------------------------------------------------- main


def code_version() -> dict[str, Any]:
    """The commit measured and the tracked files that differ from it (results belong to a code state)."""

    def git(*arguments: str) -> str:
        try:
            done = subprocess.run(["git", "-C", str(REPO), *arguments], check=False, capture_output=True, text=True)
        except OSError:  # no git: a snapshot without history, see --label
            return ""
        return done.stdout if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD").strip()
    modified = git("status", "--porcelain", "--untracked-files=no").splitlines()
    return {"commit": commit or None, "modified": [line[3:] for line in modified]}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--exchanges", type=int, default=20000, help="exchanges (turns) in the synthetic corpus")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout, nothing else")
    parser.add_argument("--num-proc", type=int, default=1, help="the pipeline's num_proc (also the naive map's)")
    parser.add_argument("--batch-size", type=int, default=8, help="training batch size for padding efficiency")
    parser.add_argument("--seed", type=int, default=0, help="seed of the corpus, the shuffles and the sampler")
    parser.add_argument("--keep", action="store_true", help="keep the temporary corpus and output")
    parser.add_argument("--skip-naive", action="store_true", help="skip the naive batched Dataset.map baseline")
    parser.add_argument(
        "--cache-dir", default=str(REPO / ".cache"), help="persistent tokenizer cache (built before timing)"
    )
    parser.add_argument("--profile", metavar="FILE", help="run the pipeline under cProfile; stats to FILE")
    parser.add_argument("--deidentify", default="surrogate", choices=["surrogate", "tag", "off"],
                        help="the pipeline's deidentify setting (default surrogate, as config.yaml)")
    parser.add_argument("--label", help="free text recorded in the result (e.g. the commit of a snapshot)")
    parser.add_argument("--engine", default="local", choices=["local", "ray"],
                        help="the pipeline's engine (ray: a local Ray instance on this machine's cores)")
    parser.add_argument("--unit-mb", type=float, default=64.0, help="the pipeline's unit_mb")
    parser.add_argument("--skip-limit", action="store_true",
                        help="skip the tokenizer limit, the parity check and the padding report (the pipeline only)")
    parser.add_argument("--_child", help=argparse.SUPPRESS)
    parser.add_argument("--_warm", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args._child:
        run_pipeline_child(args._child)
        return 0
    if args._warm:
        warm_tokenizer_cache(args._warm)
        return 0

    def say(message: str) -> None:
        print(f"[bench] {message}", file=sys.stderr, flush=True)

    work = Path(tempfile.mkdtemp(prefix="bench_pipeline_"))
    try:
        start = time.perf_counter()
        corpus = write_corpus(work / "input", args.exchanges, args.seed)
        say(
            f"corpus: {corpus['exchanges']} exchanges in {corpus['sessions']} sessions, {corpus['files']} files "
            f"({time.perf_counter() - start:.1f} s); words a turn median {corpus['turn_words']['median']:g}, "
            f"p90 {corpus['turn_words']['p90']:g}; turns a session {corpus['session_turns']}"
        )
        _child("--_warm", args.cache_dir)
        output = work / "output"
        spec = {
            "config": {
                "input_data_dir": str(work / "input"),
                "output_dir": str(output),
                "cache_dir": args.cache_dir,
                "num_proc": args.num_proc,
                "deidentify": args.deidentify,
                # one key for every run (kept with the cache): the same corpus gives the same output,
                # so output_digest compares runs (engine local against engine ray)
                "deid_key_file": str(Path(args.cache_dir) / "bench-deid.key"),
            },
            "result": str(work / "pipeline_result.json"),
            "profile": args.profile and str(Path(args.profile).resolve()),
        }
        if args.engine != "local" or args.unit_mb != 64.0:  # (the defaults left out: older code runs too)
            spec["config"].update(engine=args.engine, unit_mb=args.unit_mb)
        (work / "spec.json").write_text(json.dumps(spec))
        say("running the pipeline in a child process")
        _child("--_child", str(work / "spec.json"))
        pipeline = json.loads((work / "pipeline_result.json").read_text())
        say(f"pipeline {pipeline['pipeline_seconds']:.2f} s; steps {pipeline['step_seconds']}")
        digest = output_digest(output)
        if args.skip_limit:  # the pipeline's own figures only
            brief = {
                "output_digest": digest,
                "code": {**code_version(), "label": args.label},
                "exchanges": args.exchanges,
                "engine": args.engine,
                "unit_mb": args.unit_mb,
                **{k: pipeline[k] for k in ("pipeline_seconds", "pipeline_cpu_seconds", "peak_rss_mb",
                                            "peak_rss_anon_mb", "rss_at_peak", "ray_worker_peak_rss_mb",
                                            "ray_workers_peak_total_rss_mb", "step_seconds",
                                            "load_average")},
                "exchanges_per_second": round(args.exchanges / pipeline["pipeline_seconds"], 1),
                "examples": pipeline["counts"]["examples"],
                "corpus": corpus,
            }
            print(json.dumps(brief) if args.json else json.dumps(brief, indent=2))
            return 0

        import datasets
        from transformers import AutoTokenizer

        datasets.disable_progress_bars()
        tokenizer = AutoTokenizer.from_pretrained(str(output / "tokenizer"))
        saved = datasets.load_from_disk(str(output))
        every = datasets.concatenate_datasets([saved[name] for name in SPLITS])
        messages = every.with_format("arrow")[:]["messages"].to_pylist()
        texts = tokenizer.apply_chat_template(messages, tokenize=False)
        values, offsets = _flat_ids(every.with_format("arrow")[:]["input_ids"])
        del messages

        naive_seconds = naive_parity = None
        if not args.skip_naive:
            say("naive batched Dataset.map")
            naive_seconds, mapped = naive_batched_map(
                every.select_columns(["messages"]), tokenizer, args.num_proc, work
            )
            naive_values, naive_offsets = _flat_ids(mapped.with_format("arrow")[:]["input_ids"])
            naive_parity = bool(np.array_equal(naive_offsets, offsets) and np.array_equal(naive_values, values))
            del mapped

        say("tokenizer limit")
        limit = tokenizer_limit(tokenizer, texts, values, offsets)
        del texts
        padding = padding_report(saved["train"], tokenizer, args.batch_size, args.seed)

        seconds = pipeline["pipeline_seconds"]
        result: dict[str, Any] = {
            "code": {**code_version(), "label": args.label},
            "exchanges": args.exchanges,
            "num_proc": args.num_proc,
            "examples": len(every),
            "tokens": int(offsets[-1]),
            "pipeline_seconds": round(seconds, 3),
            "tokenizer_limit_seconds": round(limit["seconds"], 3),
            "ratio": round(seconds / limit["seconds"], 3),
            "deidentify": args.deidentify,
            "deidentify_seconds": pipeline["step_seconds"].get("deidentify"),
            "output_digest": digest,
            "engine": args.engine,
            "unit_mb": args.unit_mb,
            "ray_worker_peak_rss_mb": pipeline["ray_worker_peak_rss_mb"],
            "ray_workers_peak_total_rss_mb": pipeline["ray_workers_peak_total_rss_mb"],
            "phi_replaced": pipeline["counts"].get("phi_replaced"),
            "pipeline_cpu_seconds": round(pipeline["pipeline_cpu_seconds"], 3),
            "tokenizer_limit_cpu_seconds": round(limit["cpu_seconds"], 3),
            "cpu_ratio": round(pipeline["pipeline_cpu_seconds"] / limit["cpu_seconds"], 3),
            # CPU seconds per wall second: about 2 for the limit on an idle 2-core machine, about 1
            # when another process holds a core (then the wall-time ratio flatters the pipeline).
            "tokenizer_limit_parallelism": round(limit["cpu_seconds"] / limit["seconds"], 2),
            "pipeline_parallelism": round(pipeline["pipeline_cpu_seconds"] / seconds, 2),
            "naive_batched_map_seconds": None if naive_seconds is None else round(naive_seconds, 3),
            "naive_ratio": None if naive_seconds is None else round(seconds / naive_seconds, 3),
            "parity": limit["mismatches"] == 0 and limit["tokens"] == int(offsets[-1]),
            "parity_mismatches": limit["mismatches"],
            "naive_parity": naive_parity,
            "exchanges_per_second": round(args.exchanges / seconds, 1),
            "tokens_per_second": round(int(offsets[-1]) / seconds, 1),
            "peak_rss_mb": round(pipeline["peak_rss_mb"], 1),
            "peak_rss_mb_getrusage": round(pipeline["peak_rss_mb_getrusage"], 1),
            "peak_rss_anon_mb": pipeline["peak_rss_anon_mb"],
            "rss_at_peak": pipeline["rss_at_peak"],
            "rss_anon_mb": pipeline["rss_anon_mb"],
            **padding,
            "step_seconds": pipeline["step_seconds"],
            "corpus": corpus,
            "exchanges_loaded": pipeline["counts"].get("exchanges_loaded"),
            "tokenizer_source": pipeline["tokenizer_source"],
            "load_average_during_pipeline": pipeline["load_average"],
            "load_average_at_end": round(os.getloadavg()[0], 2),
        }
        if args.num_proc > 1:
            result["children_peak_rss_mb_getrusage"] = round(pipeline["children_peak_rss_mb_getrusage"], 1)
            result["workers_cpu_seconds"] = round(pipeline["workers_cpu_seconds"], 3)
        if args.keep:
            result["work_dir"] = str(work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    if min(result["load_average_during_pipeline"][0], result["load_average_at_end"]) > 0.5:
        say("the machine was busy (1-minute load average above 0.5): wall times and the ratio are unreliable")
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key}: {json.dumps(value) if isinstance(value, (dict, list)) else value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
