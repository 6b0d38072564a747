"""Dynamic padding for training: input_ids with the pad id, attention_mask with 0, labels with -100.

transformers' `DataCollatorWithPadding` does not pad `labels` and fails on batches of different
lengths; `DataCollatorForSeq2Seq` does. This thin wrapper hands it only the model's columns, so
batches can come straight from the saved dataset (which also holds `messages`, `session_id`, ...).
"""

from __future__ import annotations

from typing import Any

from transformers import DataCollatorForSeq2Seq, PreTrainedTokenizerBase

MODEL_COLUMNS = ("input_ids", "attention_mask", "labels")


class TherapyDataCollator:
    def __init__(
        self, tokenizer: PreTrainedTokenizerBase, pad_to_multiple_of: int | None = 8, return_tensors: str = "pt"
    ) -> None:
        if tokenizer.pad_token_id is None:
            raise ValueError("the tokenizer needs a pad token (the saved tokenizer/ has one)")
        self.inner = DataCollatorForSeq2Seq(
            tokenizer,
            padding=True,
            label_pad_token_id=-100,
            pad_to_multiple_of=pad_to_multiple_of,
            return_tensors=return_tensors,
        )

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, Any]:
        return self.inner([{k: f[k] for k in MODEL_COLUMNS if k in f} for f in features])
