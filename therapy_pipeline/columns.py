"""Arrow column helpers, in one place: whole columns as Python lists, list columns as flat arrays."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from datasets import Dataset


def column_values(dataset: Dataset, name: str) -> list:
    """A whole column as a list, through Arrow: `dataset[name]` iterates row by row in datasets 4+."""
    return dataset.with_format("arrow")[name].to_pylist()


def _one_array(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def flat_values(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """The values of a list column, row after row (a batch may be a slice of a larger table)."""
    return _one_array(column).flatten()


def row_lengths(column: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """How many values each row of a list column holds (a missing row holds none)."""
    return pc.fill_null(pc.list_value_length(_one_array(column)), 0).to_numpy().astype(np.int64)


def row_offsets(column: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Where each row's values start in `flat_values`, and the end: [0, l0, l0 + l1, ...]."""
    lengths = row_lengths(column)
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return offsets
