"""Logging for the scripts: one set-up, shared, so that no script imports another."""

from __future__ import annotations

import logging
import os
import sys

import datasets


def setup_logging(log_file: str | None, quiet: bool) -> None:
    """INFO (or WARNING with `quiet`) to stderr, and to `log_file` (created 0600) when given."""
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file:
        fd = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        handlers.append(logging.StreamHandler(os.fdopen(fd, "a", encoding="utf-8")))
    logging.basicConfig(
        level=logging.WARNING if quiet else logging.INFO,
        handlers=handlers,
        format="%(asctime)s %(levelname)s %(message)s",
        datefmt="%H:%M:%S",
        force=True,
    )
    # Libraries log at INFO too; only our own messages (counts and reasons, never text) go there.
    # (transformers: another library may have set its verbosity to INFO and turned its propagation on,
    # as LLaMA-Factory's argument parser does.)
    for noisy in ("httpx", "huggingface_hub", "datasets", "filelock", "urllib3", "transformers"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if quiet:
        datasets.disable_progress_bars()
