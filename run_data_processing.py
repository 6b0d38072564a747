"""Run the whole pipeline: python run_data_processing.py [--config F] [--set KEY=VALUE ...]

Exit codes: 0 done (skipped input, if any, is reported); 1 the run failed and the previous output
was left as it was; 2 bad usage or config.
"""

from __future__ import annotations

import argparse
import logging
import sys
import textwrap
from pathlib import Path

from therapy_data_processor import TherapyDataProcessor
from therapy_pipeline.config import ConfigError, ProcessingConfig, load_config
from therapy_pipeline.deid import KeyFileError
from therapy_pipeline.engines import EngineError
from therapy_pipeline.logs import setup_logging
from therapy_pipeline.model import InputError
from therapy_pipeline.saving import EXPORTS, MANIFEST, file_in_the_way
from therapy_pipeline.tokenizer import TokenizerError

logger = logging.getLogger("run_data_processing")


def config_epilog() -> str:
    lines = ["config keys (config.yaml, or --set KEY=VALUE):"]
    for key, (default, help_text) in ProcessingConfig.field_help().items():
        lines.append(f"  {key} (default {default!r})")
        lines.extend(textwrap.wrap(help_text, 88, initial_indent="      ", subsequent_indent="      "))
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Turn therapy session transcripts into a Llama 3.1 fine-tuning dataset.",
        epilog=config_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", default="config.yaml", help="YAML config (default: config.yaml)")
    parser.add_argument("--input-dir", help="overrides input_data_dir")
    parser.add_argument("--output-dir", help="overrides output_dir")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override any config key; repeatable (value parsed as YAML)",
    )
    parser.add_argument(
        "--export",
        action="append",
        choices=EXPORTS,
        default=[],
        help="also write under export/ (repeatable): jsonl: {train,validation,test}.jsonl of {messages: [...]}; "
        "tokenized: a copy of only input_ids, attention_mask, labels (Axolotl, LLaMA-Factory tokenized_path); "
        "llamafactory: dataset_info.json and JSONL that LLaMA-Factory's llama3 template renders to our ids",
    )
    parser.add_argument("--log-file", help="also write the log here (created owner-readable only)")
    parser.add_argument("-q", "--quiet", action="store_true", help="warnings and errors only")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    setup_logging(args.log_file, args.quiet)
    try:
        config = load_config(args.config, args.overrides, input_data_dir=args.input_dir, output_dir=args.output_dir)
        if not Path(config.input_data_dir).is_dir():
            raise ConfigError(f"input_data_dir: no such directory: {config.input_data_dir}")
        blocked = file_in_the_way(Path(config.output_dir))
        if blocked is not None:
            raise ConfigError(f"output_dir: {blocked} is a file, not a folder")
    except ConfigError as err:
        for line in str(err).splitlines():
            print(f"config error: {line}", file=sys.stderr)
        return 2
    try:
        processor = TherapyDataProcessor(config)
        manifest = processor.run(export=args.export)
    except (InputError, TokenizerError, KeyFileError, EngineError) as err:
        print(f"error: {err}", file=sys.stderr)
        print("the previous output, if any, was left as it was", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"error: {err.strerror or err}: {err.filename or ''}".rstrip(": "), file=sys.stderr)
        print("the previous output, if any, was left as it was", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: the previous output, if any, was left as it was", file=sys.stderr)
        return 1
    counts = manifest["counts"]
    # The console names the files (the user must find them); the manifest names them by pseudonym
    # when de-identification is on.
    for skip in processor.skipped:
        print(f"skipped {skip}", file=sys.stderr)
    print(
        f"done: {counts['sessions']} sessions, {counts['exchanges_loaded']} exchanges -> "
        + ", ".join(f"{n} {counts['examples'][n]}" for n in ("train", "validation", "test"))
        + f" examples in {config.output_dir} (see {MANIFEST})"
    )
    if "phi_replaced" in counts:
        replaced = counts["phi_replaced"]
        print(
            f"de-identified ({config.deidentify}): {sum(replaced.values())} values replaced"
            + (" (" + ", ".join(f"{k} {v}" for k, v in replaced.items()) + ")" if replaced else "")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
