"""Length statistics of the raw sessions, and of a processed dataset where one exists.

python simple_length_analysis.py [--config F] [--input-dir D] [--output-dir D] [--set KEY=VALUE ...]
                                 [--report-dir D] [--json]

Sessions are read, de-identified, chunked and planned by the pipeline's own step functions, and the
plans are tokenized by its `ExampleEncoder` without a length limit, so the numbers describe exactly
what the pipeline would see. The report (PNG histograms and report.md) holds numbers only, never
transcript text. Exit codes: 0 done; 1 the input or the tokenizer could not be read, or the report
not written; 2 bad usage or config.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import math
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np

matplotlib.use("Agg")  # files only, no display; must be chosen before pyplot is imported
import matplotlib.pyplot as plt
from datasets import Dataset
from matplotlib.ticker import LogLocator, MaxNLocator, NullFormatter, StrMethodFormatter

from therapy_data_processor import clients_of, deduplicate, load_sessions
from therapy_pipeline import deid
from therapy_pipeline.chunking import chunk_sessions, overlap_turns
from therapy_pipeline.collator import padding_efficiency, training_orders
from therapy_pipeline.columns import column_values
from therapy_pipeline.config import ConfigError, ProcessingConfig, example_rules, load_config, plan_rules, speaker_roles
from therapy_pipeline.encoding import MAP_BATCH_SIZE, ExampleEncoder
from therapy_pipeline.logs import setup_logging
from therapy_pipeline.model import CLIENT, THERAPIST, InputError, Session
from therapy_pipeline.planning import SLIDING_WINDOW, plan_examples
from therapy_pipeline.splitting import SPLITS
from therapy_pipeline.tokenizer import TokenizerError, load_tokenizer

logger = logging.getLogger("simple_length_analysis")

UNLIMITED = 10**9  # max_length for the encoder: every example comes out whole, never cut
BATCH = 1000
PADDING_BATCH_SIZE = 8
PLOT_DPI = 110
PLOTS = {
    "words": "words_per_exchange.png",
    "sessions": "exchanges_per_session.png",
    "examples": "tokens_per_example.png",
}
COLORS = {THERAPIST: "#1f77b4", CLIENT: "#ff7f0e", "limit": "#d62728"}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Length statistics of raw therapy sessions (words, exchanges, tokens) and of a "
                    "processed dataset where one exists; writes PNG histograms and report.md.")
    parser.add_argument("--config", default="config.yaml", help="YAML config (default: config.yaml)")
    parser.add_argument("--input-dir", help="overrides input_data_dir")
    parser.add_argument("--output-dir", help="overrides output_dir (a processed dataset there is described too)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override any config key, as for run_data_processing.py; repeatable")
    parser.add_argument("--report-dir", help="where the PNGs and report.md go "
                                             "(default: <output_dir>/length_report)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object on stdout (logs stay on stderr)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    setup_logging(None, quiet=False)
    try:
        config = load_config(args.config, args.overrides, input_data_dir=args.input_dir, output_dir=args.output_dir)
    except ConfigError as err:
        for line in str(err).splitlines():
            print(f"config error: {line}", file=sys.stderr)
        return 2

    # The pipeline's own steps, up to the plans: the numbers describe exactly what it would see.
    try:
        loaded = load_sessions(config.input_data_dir, config.speaker_map, config.strict, speaker_roles(config),
                               config.unmapped_speakers)
        tokenizer, tokenizer_source = load_tokenizer(config.model_name, config.cache_dir)
        deidentifier = None
        if config.deidentify != deid.OFF:
            deidentifier = deid.Deidentifier.create(config.deidentify, config.deid_key_file, config.cache_dir)
    except (InputError, TokenizerError, deid.KeyFileError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    deduplicate(loaded, config.dedupe)  # the copies of other sessions are not trained: not measured either
    # What de-identification would replace in these sessions; lengths are measured after it, as trained.
    sessions, deid_stats = deid.deidentify_sessions(loaded.sessions, deidentifier)
    overlap = overlap_turns(config.max_session_exchanges, config.overlap_percentage)
    chunks, _ = chunk_sessions(sessions, config.max_session_exchanges, overlap)
    # The plans hold transcript text: a private temporary folder (0700), removed when this exits.
    work = tempfile.TemporaryDirectory(prefix="length-analysis-")
    clients = clients_of(sessions)
    planned = plan_examples(chunks, plan_rules(config), config.split_by, config.split_ratios, config.seed,
                            Path(work.name), clients)

    stats = raw_statistics(sessions)
    stats["deidentification"] = {"mode": config.deidentify,
                                 "values_replaced": deid_stats.counts.get("phi_replaced", {})}
    per_client = list(Counter(clients.values()).values())
    stats["clients"] = {"clients": len(per_client), "sessions_with_client_id": len(clients),
                        "sessions_without_client_id": len(sessions) - len(clients),
                        "sessions_per_client": describe(per_client)}
    stats["speakers"] = {key: loaded.stats.counts.get(key, 0)
                         for key in ("sessions_with_speaker_roles", "sessions_roles_by_first_speaker")}
    dropped = loaded.stats.exchanges_dropped
    stats["duplicates"] = {"mode": config.dedupe, "sessions": loaded.stats.counts.get("sessions_deduplicated", 0),
                           "exchanges": dropped.get("duplicate_session", 0) + dropped.get("near_duplicate_session", 0)}
    over_limit = {s.session_id for s in sessions if len(s.turns) > config.max_session_exchanges}
    stats["chunking"] = {"sessions_over_limit": len(over_limit),
                         "chunks": sum(1 for c in chunks if c.session_id in over_limit)}
    excluded = planned.stats.targets_excluded
    stats["filters"] = {"therapist_turns": planned.stats.counts["therapist_turns"],
                        "too_short": excluded["too_short"], "too_long": excluded["too_long"],
                        "opens_session": excluded["opens_session"], "opens_chunk": excluded["opens_chunk"],
                        "eligible": planned.stats.counts["targets_eligible"]}

    # max_length unlimited: every example comes out whole, never cut
    encoder = ExampleEncoder(tokenizer, dataclasses.replace(example_rules(config), max_length=UNLIMITED))
    turns = [t for s in sessions for t in s.turns]
    turn_tokens = [len(ids) for start in range(0, len(turns), BATCH)
                   for ids in encoder.encode([t.text for t in turns[start:start + BATCH]])]
    example_lengths = example_token_lengths(encoder, planned.plans)
    over = sum(1 for n in example_lengths if n > config.max_length)
    stats["tokens"] = {
        "per_turn": describe(turn_tokens),
        "per_example": {"count": len(example_lengths), **describe(example_lengths)},
        "over_max_length": {"count": over, "share": over / len(example_lengths) if example_lengths else None},
        "max_length_covering": {f"p{q}": covering_length(example_lengths, q) for q in (95, 99, 100)},
        "processed": processed_statistics(Path(config.output_dir), config.seed),
    }

    report_dir = Path(args.report_dir) if args.report_dir else Path(config.output_dir) / "length_report"
    words = {speaker: [t.words for t in turns if t.speaker == speaker] for speaker in (THERAPIST, CLIENT)}
    context = {"input_dir": config.input_data_dir, "tokenizer": tokenizer_source,
               "files": loaded.stats.counts["files"], "files_skipped": loaded.stats.counts["files_skipped"],
               "sessions_skipped": loaded.stats.counts["sessions_skipped"],
               "overlap": overlap_turns(config.max_session_exchanges, config.overlap_percentage)}
    try:
        report_dir.mkdir(parents=True, exist_ok=True)
        plots = write_plots(report_dir, config, words, [len(s.turns) for s in sessions], example_lengths)
        stats["report_dir"] = str(report_dir)
        stats["plots"] = [str(p) for p in plots]
        sentence = seed_sentence(stats)
        tables = summary_tables(stats, config, context)
        (report_dir / "report.md").write_text(report_markdown(sentence, tables, plots, report_dir, config,
                                                              context), encoding="utf-8")
    except OSError as err:
        print(f"error: cannot write the report in {report_dir}: {err.strerror or err}", file=sys.stderr)
        return 1

    result = rounded(stats)
    if args.json:
        logger.info("%s", sentence)
        print(json.dumps(result, indent=2))
    else:
        print(sentence)
        for title, table in tables:
            print(f"\n{title}\n{table}")
        print(f"\nreport: {report_dir / 'report.md'}")
    return 0


# ---------------------------------------------------------------------------- statistics

def describe(values: Sequence[float]) -> dict[str, Any]:
    """mean, median, p90, p99 (numpy, linear interpolation) and max; None for no values."""
    if len(values) == 0:
        return dict.fromkeys(("mean", "median", "p90", "p99", "max"))
    array = np.asarray(values)
    p90, p99 = np.percentile(array, [90, 99])
    return {"mean": float(np.mean(array)), "median": float(np.median(array)), "p90": float(p90),
            "p99": float(p99), "max": int(array.max())}


def raw_statistics(sessions: list[Session]) -> dict[str, Any]:
    """Counts and word statistics of the loaded turns (exchanges with text)."""
    turns = [t for s in sessions for t in s.turns]
    per_session = [len(s.turns) for s in sessions]
    by_speaker = {}
    for speaker in (THERAPIST, CLIENT):
        spoken = [t.words for t in turns if t.speaker == speaker]
        by_speaker[speaker] = {"exchanges": len(spoken), "words_per_exchange": describe(spoken)}
    return {
        "sessions": len(sessions),
        "exchanges": len(turns),
        "words_per_exchange": describe([t.words for t in turns]),
        "exchanges_per_session": {"min": min(per_session, default=None), "max": max(per_session, default=None),
                                  "mean": float(np.mean(per_session)) if per_session else None},
        "by_speaker": by_speaker,
    }


def example_token_lengths(encoder: ExampleEncoder, plans: Dataset) -> list[int]:
    """Token count of every planned example, whole (the encoder's max_length is unlimited)."""
    lengths: list[int] = []
    for batch in plans.with_format("arrow").iter(batch_size=MAP_BATCH_SIZE):  # as the pipeline batches plans
        rows = encoder.arrow_batch(batch)
        lengths.extend(
            n for n, dropped in zip(rows["length"].to_pylist(), rows["drop_reason"].to_pylist()) if not dropped
        )
    return lengths


def covering_length(lengths: Sequence[int], percent: int) -> int | None:
    """The smallest max_length that holds at least `percent`% of the examples whole (nearest rank)."""
    if len(lengths) == 0:
        return None
    rank = math.ceil(percent / 100 * len(lengths))
    return int(sorted(lengths)[max(rank, 1) - 1])


def processed_statistics(output_dir: Path, seed: int) -> dict[str, Any] | None:
    """Per-split lengths of the dataset saved at output_dir, and padding efficiency of its train split."""
    try:
        splits = json.loads((output_dir / "dataset_dict.json").read_text(encoding="utf-8"))["splits"]
        lengths = {name: split_lengths(output_dir / name) for name in SPLITS if name in splits}
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError) as err:
        logger.warning("%s: cannot read the processed dataset (%s); skipping its statistics", output_dir, err)
        return None
    result: dict[str, Any] = {}
    for name, values in lengths.items():
        stats = describe(values)
        result[name] = {"count": len(values), **{k: stats[k] for k in ("mean", "median", "p90", "max")}}
    train = lengths.get("train", [])
    result["padding_efficiency"] = {
        name: padding_efficiency(train, order, PADDING_BATCH_SIZE) if train else None
        for name, order in training_orders(train, PADDING_BATCH_SIZE, seed).items()
    }
    return result


def split_lengths(split_dir: Path) -> list[int]:
    """Token counts of one saved split."""
    state = json.loads((split_dir / "state.json").read_text(encoding="utf-8"))
    if not state.get("_data_files"):
        return []  # datasets saves an empty split without data files, and cannot load that back
    split = Dataset.load_from_disk(str(split_dir))
    if "length" in split.column_names:
        return column_values(split, "length")
    return [len(ids) for ids in column_values(split, "input_ids")]


def rounded(value: Any) -> Any:
    """Floats to 2 decimals, numpy scalars to Python, recursively (for JSON)."""
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [rounded(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return round(value, 2)
    return value


# ---------------------------------------------------------------------------- text

def _num(value: float | None, decimals: int = 1) -> str:
    """12 -> "12", 18.66 -> "18.7", 4847 -> "4,847"; None -> "-"."""
    if value is None:
        return "-"
    text = f"{value:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def seed_sentence(stats: dict[str, Any]) -> str:
    words, per_session = stats["words_per_exchange"], stats["exchanges_per_session"]
    return (f"{_num(stats['exchanges'])} exchanges in {_num(stats['sessions'])} sessions, "
            f"{_num(words['mean'])} words mean, {_num(words['median'])} median, "
            f"{_num(words['p90'])} at the 90th percentile, "
            f"sessions of {_num(per_session['min'])}-{_num(per_session['max'])} exchanges")


def _table(header: list[str], rows: list[list[Any]]) -> str:
    """A Markdown table with padded columns, readable as plain text too."""
    cells = [header] + [[c if isinstance(c, str) else _num(c, 2) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]

    def line(row: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) if i == 0 else c.rjust(w)
                                 for i, (c, w) in enumerate(zip(row, widths))) + " |"

    rule = "|" + "|".join("-" * (w + 1) + ":" if i else ":" + "-" * (w + 1) for i, w in enumerate(widths)) + "|"
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def summary_tables(stats: dict[str, Any], config: ProcessingConfig,
                   context: dict[str, Any]) -> list[tuple[str, str]]:
    """(title, table) pairs shared by the report and the plain-text summary."""
    stat_keys = ["mean", "median", "p90", "p99", "max"]
    words = [["all", stats["exchanges"], *(stats["words_per_exchange"][k] for k in stat_keys)]]
    for speaker in (THERAPIST, CLIENT):
        entry = stats["by_speaker"][speaker]
        words.append([speaker, entry["exchanges"], *(entry["words_per_exchange"][k] for k in stat_keys)])
    per_session = stats["exchanges_per_session"]
    chunking, filters, tokens = stats["chunking"], stats["filters"], stats["tokens"]
    per_example, over = tokens["per_example"], tokens["over_max_length"]
    share = "-" if over["share"] is None else f"{100 * over['share']:.2f}%"
    covering = tokens["max_length_covering"]
    tables = [
        ("Words per exchange (words)", _table(["speaker", "exchanges", *stat_keys], words)),
        ("Sessions", _table(["", "value"], [
            ["sessions", stats["sessions"]],
            ["files read / skipped", f"{context['files']} / {context['files_skipped']}"],
            ["sessions skipped", context["sessions_skipped"]],
            ["exchanges per session: min", per_session["min"]],
            ["exchanges per session: mean", per_session["mean"]],
            ["exchanges per session: max", per_session["max"]],
            [f"sessions over max_session_exchanges ({config.max_session_exchanges})",
             chunking["sessions_over_limit"]],
            [f"chunks they make (overlap {context['overlap']} exchanges)", chunking["chunks"]],
            ["roles from speaker_roles_file / by first speaker (sessions)",
             f"{stats['speakers']['sessions_with_speaker_roles']} / {stats['speakers']['sessions_roles_by_first_speaker']}"],
            [f"copies of another session, dropped (dedupe {config.dedupe})", stats["duplicates"]["sessions"]],
            ["clients (client_id / patient_id)", stats["clients"]["clients"]],
            ["sessions without a client id (each its own client)", stats["clients"]["sessions_without_client_id"]],
            ["sessions per client: median / max", " / ".join(
                str(stats["clients"]["sessions_per_client"][k] or "-") for k in ("median", "max"))],
        ])),
        ("Therapist turns as training targets", _table(["", "turns"], [
            ["therapist turns", filters["therapist_turns"]],
            [f"too short (< {config.min_exchange_length} words)", filters["too_short"]],
            [f"too long (> {config.max_exchange_length} words)", filters["too_long"]],
            ["opens its session (sliding_window: no input)", filters["opens_session"]],
            ["opens its chunk (sliding_window, overlap 0: no input)", filters["opens_chunk"]],
            ["eligible", filters["eligible"]],
        ])),
        ("Tokens (tokens)", _table(["", "count", *stat_keys], [
            ["per turn (content only)", stats["exchanges"], *(tokens["per_turn"][k] for k in stat_keys)],
            [f"per example ({config.example_format}, {config.prompt_format}, whole)", per_example["count"],
             *(per_example[k] for k in stat_keys)],
        ])),
        (f"Examples against max_length ({config.max_length} tokens)", _table(["", "value"], [
            [f"examples over {config.max_length} tokens", f"{over['count']:,} ({share})"],
            ["smallest max_length holding 95% whole", covering["p95"]],
            ["smallest max_length holding 99% whole", covering["p99"]],
            ["smallest max_length holding 100% whole", covering["p100"]],
        ])),
    ]
    replaced = stats["deidentification"]["values_replaced"]
    if config.deidentify != deid.OFF:
        rows = [[kind, count] for kind, count in replaced.items()] or [["none found", 0]]
        tables.append((f"De-identification ({config.deidentify}): values it replaces, by type",
                       _table(["type", "values"], [*rows, ["all", sum(replaced.values())]])))
    processed = tokens["processed"]
    if processed is not None:
        rows = [[name, s["count"], s["mean"], s["median"], s["p90"], s["max"]]
                for name, s in processed.items() if name in SPLITS]
        efficiency = processed["padding_efficiency"]
        tables.append((f"Processed dataset in {config.output_dir} (tokens)",
                       _table(["split", "examples", "mean", "median", "p90", "max"], rows)))
        title = f"Padding efficiency of the train split (real / padded tokens, batches of {PADDING_BATCH_SIZE})"
        tables.append((title, _table(["batching", "efficiency"], [
            ["random (seeded shuffle)", efficiency["random"]],
            ["length-grouped (Trainer group_by_length)", efficiency["grouped"]],
        ])))
    return tables


def report_markdown(sentence: str, tables: list[tuple[str, str]], plots: list[Path], report_dir: Path,
                    config: ProcessingConfig, context: dict[str, Any]) -> str:
    if config.example_format == SLIDING_WINDOW:
        over_note = ("An example over max_length loses context turns, oldest first; one whose response "
                     "alone does not fit is dropped.")
    else:
        over_note = "A conversation over max_length is split at message boundaries into several examples."
    parts = [
        "# Length analysis",
        "",
        (f"Input `{context['input_dir']}`; tokenizer {context['tokenizer']}. Numbers only: no transcript "
         "text is shown anywhere in this report."),
        "",
        f"**{sentence}.**",
        "",
    ]
    for title, table in tables:
        parts += [f"## {title}", "", table, ""]
    parts += [
        "## Method",
        "",
        "- Words: whitespace split of each exchange (turn) with text, as loaded by the pipeline.",
        "- Mean and median: numpy; percentiles: `numpy.percentile` with its default linear interpolation.",
        ("- Tokens per turn: content tokens only (no headers or special tokens). Tokens per example: the "
         "pipeline's plans and encoder under the current config, with no length limit, so each example "
         "is counted whole."),
        f"- {over_note} The smallest max_length holding q% whole is the nearest-rank q-th percentile.",
        (f"- Padding efficiency: real tokens / tokens after padding each batch of {PADDING_BATCH_SIZE} to "
         f"its longest example; random batches follow a shuffle with seed {config.seed}; length-grouped "
         "batches come from transformers' `LengthGroupedSampler` (the Trainer's "
         "`train_sampling_strategy=\"group_by_length\"`)."),
        "",
        "## Plots",
        "",
    ]
    for plot in plots:
        parts += [f"![{plot.stem.replace('_', ' ')}]({plot.relative_to(report_dir).as_posix()})", ""]
    return "\n".join(parts)


# ---------------------------------------------------------------------------- plots

def _bins(values: Sequence[int], max_bins: int = 60) -> np.ndarray:
    """Integer-aligned histogram edges covering the values in at most `max_bins` bins."""
    low, high = int(min(values)), int(max(values))
    width = max(1, math.ceil((high - low + 1) / max_bins))
    return np.arange(low, high + width + 1, width) - 0.5


def _skewed(values: Sequence[int]) -> bool:
    """A long tail: a linear count axis would hide it, so counts go on a log scale."""
    return len(values) > 0 and max(values) > 5 * max(float(np.percentile(values, 90)), 1.0)


def _limit_line(ax: plt.Axes, x: float, label: str, style: str = "--", color: str = COLORS["limit"]) -> None:
    ax.axvline(x, color=color, linestyle=style, linewidth=1.8, label=label)


def _finish(fig: plt.Figure, ax: plt.Axes, path: Path, title: str, xlabel: str, ylabel: str,
            log_counts: bool, log_x: bool = False) -> Path:
    ax.set_title(title, fontsize=13)
    ax.set_xlabel(xlabel + (", log scale" if log_x else ""), fontsize=11)
    ax.set_ylabel(ylabel + (" (log scale)" if log_counts else ""), fontsize=11)
    if log_counts:
        ax.set_yscale("log")
    else:
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no 1.75 examples
    if log_x:
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1, 2, 5)))
        ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
    ax.tick_params(labelsize=10)
    ax.grid(axis="y", alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=10, framealpha=0.95)
    fig.tight_layout()
    fig.savefig(path, dpi=PLOT_DPI)
    plt.close(fig)
    return path


def write_plots(report_dir: Path, config: ProcessingConfig, words: dict[str, list[int]],
                exchanges_per_session: list[int], example_lengths: list[int]) -> list[Path]:
    """The three histograms, each with title, axis units, and its config limits marked."""
    paths = []

    fig, ax = plt.subplots(figsize=(8, 4.8))
    everything = [n for spoken in words.values() for n in spoken]
    if everything:
        bins = _bins(everything)
        for speaker, spoken in words.items():
            ax.hist(spoken, bins=bins, histtype="stepfilled", alpha=0.45, color=COLORS[speaker],
                    edgecolor=COLORS[speaker], label=f"{speaker} ({len(spoken):,} exchanges)")
    if config.min_exchange_length > 1:
        _limit_line(ax, config.min_exchange_length - 0.5,
                    f"min_exchange_length = {config.min_exchange_length} (therapist targets)", style=":")
    _limit_line(ax, config.max_exchange_length + 0.5,
                f"max_exchange_length = {config.max_exchange_length} (therapist targets)")
    paths.append(_finish(fig, ax, report_dir / PLOTS["words"], "Words per exchange, therapist vs client",
                         "words per exchange (words)", "exchanges", _skewed(everything)))

    fig, ax = plt.subplots(figsize=(8, 4.8))
    if exchanges_per_session:
        ax.hist(exchanges_per_session, bins=_bins(exchanges_per_session, 30), color=COLORS[THERAPIST],
                edgecolor="white", linewidth=0.5, label=f"sessions ({len(exchanges_per_session):,})")
    _limit_line(ax, config.max_session_exchanges + 0.5,
                f"max_session_exchanges = {config.max_session_exchanges} (longer sessions are chunked)")
    paths.append(_finish(fig, ax, report_dir / PLOTS["sessions"], "Exchanges per session",
                         "exchanges per session (exchanges)", "sessions", False))

    fig, ax = plt.subplots(figsize=(8, 4.8))
    log_x = False
    if example_lengths:
        low, high = min(example_lengths), max(example_lengths)
        # max_length far beyond the examples would squeeze them into a sliver of a linear axis.
        log_x = max(high, config.max_length) / max(low, 1) > 8
        bins = np.geomspace(max(low, 1), high + 1, 50) if log_x else _bins(example_lengths)
        ax.hist(example_lengths, bins=bins, color=COLORS[THERAPIST], alpha=0.85,
                label=f"examples ({len(example_lengths):,}, {config.example_format})")
        for percent, style in ((95, ":"), (99, "-.")):
            _limit_line(ax, covering_length(example_lengths, percent), f"{percent}% of examples fit "
                        f"{covering_length(example_lengths, percent):,} tokens", style=style, color="#444444")
    _limit_line(ax, config.max_length, f"max_length = {config.max_length:,} tokens")
    paths.append(_finish(fig, ax, report_dir / PLOTS["examples"], "Tokens per example (whole, before any cut)",
                         "tokens per example (tokens)", "examples", _skewed(example_lengths), log_x))
    return paths


if __name__ == "__main__":
    sys.exit(main())
