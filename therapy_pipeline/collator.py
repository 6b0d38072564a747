"""Dynamic padding for training: input_ids with the pad id, attention_mask with 0, labels with -100.

transformers' `DataCollatorWithPadding` does not pad `labels` and fails on batches of different
lengths; `DataCollatorForSeq2Seq` does. This thin wrapper hands it only the model's columns, so
batches can come straight from the saved dataset (which also holds `messages`, `session_id`, ...).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
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


def training_orders(lengths: Sequence[int], batch_size: int, seed: int) -> dict[str, np.ndarray]:
    """The row orders a trainer batches in: `random` (a seeded shuffle, the seed's recipe) and
    `grouped` (transformers' LengthGroupedSampler, used by `train_sampling_strategy="group_by_length"`)."""
    import torch
    from transformers.trainer_pt_utils import LengthGroupedSampler

    lengths = [int(n) for n in lengths]
    random_order = torch.randperm(len(lengths), generator=torch.Generator().manual_seed(seed)).numpy()
    sampler = LengthGroupedSampler(batch_size, lengths=lengths, generator=torch.Generator().manual_seed(seed))
    grouped = np.fromiter(iter(sampler), dtype=np.int64, count=len(lengths))
    return {"random": random_order, "grouped": grouped}


def padding_efficiency(lengths: Sequence[int], order: Sequence[int], batch_size: int, multiple: int = 1) -> float:
    """Real tokens / tokens after padding each batch of `order` to its longest (rounded up to `multiple`)."""
    lengths = np.asarray(lengths)
    order = np.asarray(order)
    real = padded = 0
    for first in range(0, len(order), batch_size):
        batch = lengths[order[first : first + batch_size]]
        longest = -(-int(batch.max()) // multiple) * multiple
        real += int(batch.sum())
        padded += longest * len(batch)
    return real / padded
