"""`--export llamafactory`: JSONL and a `dataset_info.json` that LLaMA-Factory reads with its own
`llama3` template, rendering every row to exactly our `input_ids` and `labels`.

Its `llama3` template differs from Llama 3.1's rendering in two ways we can carry in the data: it has
no "Cutting Knowledge Date / Today Date" system preamble (so the preamble goes into the system
content) and it does not strip contents (so they are written stripped). Two things we cannot carry:
its ShareGPT converter drops, with a log line only, a conversation whose roles do not alternate
user / assistant after the system message, and it trains every assistant turn. So a row is written
only when its roles alternate and every assistant turn in it is trained, as every sliding_window
chat row is (never with `train_on_inputs` or the alpaca format); other rows (multi_turn
conversations with two therapist turns in a row, or with a therapist turn that is context only) are
left out and counted: train those with `tokenized_path` on `export/tokenized` instead, which carries
our ids and labels as they are.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from datasets import DatasetDict

from .columns import column_values
from .rendering import IGNORE_INDEX, SYSTEM_PREAMBLE

logger = logging.getLogger(__name__)

DATASET_NAME = "therapy_{split}"


def llamafactory_messages(messages: list[dict], labels: list[int], eot: int) -> list[dict] | None:
    """The row's messages as LLaMA-Factory's `llama3` template must see them to give our ids and
    labels, or None if it cannot (roles that do not alternate, or an assistant turn not trained)."""
    if not messages or messages[0]["role"] != "system" or len(messages) % 2 == 0:
        return None
    roles = [m["role"] for m in messages[1:]]
    if roles != ["user", "assistant"] * (len(roles) // 2):
        return None
    trained_responses = sum(1 for label in labels if label == eot)  # each trained response ends in one
    if trained_responses != len(roles) // 2 or labels[0] != IGNORE_INDEX:
        return None  # a context-only assistant turn, or train_on_inputs: not what its template trains
    system = {"role": "system", "content": SYSTEM_PREAMBLE + messages[0]["content"].strip()}
    return [system, *({"role": m["role"], "content": m["content"].strip()} for m in messages[1:])]


def dataset_info(splits: list[str]) -> dict:
    """The `dataset_info.json` entries: ShareGPT formatting with OpenAI-style role tags (not its
    "openai" formatting, which appends text to the system message)."""
    tags = {
        "role_tag": "role",
        "content_tag": "content",
        "user_tag": "user",
        "assistant_tag": "assistant",
        "system_tag": "system",
    }
    return {
        DATASET_NAME.format(split=name): {
            "file_name": f"{name}.jsonl",
            "formatting": "sharegpt",
            "columns": {"messages": "messages"},
            "tags": tags,
        }
        for name in splits
    }


def write_export(dataset: DatasetDict, folder: Path, eot: int, chat: bool = True) -> dict:
    """Writes `folder/<split>.jsonl` and `folder/dataset_info.json` (`eot`: the id of <|eot_id|>;
    `chat` False for the alpaca prompt format, whose plain-text rows its chat template cannot
    render: every row is then left out); returns, per split, the rows written and left out."""
    folder.mkdir(parents=True)
    counts = {}
    for name in dataset:
        written = left_out = 0
        with open(folder / f"{name}.jsonl", "w", encoding="utf-8") as out:
            for messages, labels in zip(
                column_values(dataset[name], "messages"), column_values(dataset[name], "labels")
            ):
                converted = llamafactory_messages(messages, labels, eot) if chat else None
                if converted is None:
                    left_out += 1
                    continue
                out.write(json.dumps({"messages": converted}, ensure_ascii=False) + "\n")
                written += 1
        counts[name] = {"rows": written, "left_out": left_out}
    (folder / "dataset_info.json").write_text(
        json.dumps(dataset_info(list(dataset)), indent=2) + "\n", encoding="utf-8"
    )
    left = sum(c["left_out"] for c in counts.values())
    if left:
        logger.warning(
            "llamafactory export: %d rows left out that its llama3 template cannot render to our ids and labels "
            "(roles that do not alternate, a context-only therapist turn, train_on_inputs, or the alpaca "
            "format); use tokenized_path on export/tokenized for every row",
            left,
        )
    return counts
