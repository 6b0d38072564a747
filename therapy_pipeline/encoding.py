"""The tokenize step, fast: plan rows -> Llama 3.1 token ids and labels, in batches for `Dataset.map`.

What an example is (its messages, its rendering, its labels) is defined plainly in `rendering.py`;
this module makes the same rows fast, and tests/test_rendering.py holds the two equal on every format.

Meta's reference (`llama_models.llama3.chat_format.ChatFormat`) encodes every message header and
every message content separately and joins the ids. We do the same, one step further: each distinct
turn of a batch is tokenized once, its context line ("Client: ...") is derived from its ids, the
fixed headers and system block are tokenized once per run, and numpy gathers every example's ids
from these pieces. Pieces meet only where the pre-tokenizer always splits (after a special token,
or a newline followed by a speaker name), so the ids equal tokenizing the rendered text as one
string; tests/test_encoding.py holds that against Meta's encoder and the chat template.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import queue
import re
import string
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from datasets import Dataset, Features, Sequence, Value
from transformers import PreTrainedTokenizerBase

from .columns import column_values, flat_values, row_offsets
from .model import CLIENT, THERAPIST, Stats
from .planning import SLIDING_WINDOW, covered, plan_features, windows
from .rendering import (
    IGNORE_INDEX,
    ROLES,
    SPEAKER_NAMES,
    SYSTEM_PREAMBLE,
    ExampleRules,
    alpaca_prompt,
    context_line,
    labelled,
    pack_conversation,
)
from .tokenizer import TokenizerError, is_llama3_chat_tokenizer

logger = logging.getLogger(__name__)

_ASCII_LETTERS = frozenset(string.ascii_letters)
_ASCII_DIGITS = frozenset(string.digits)
_ASCII_PUNCTUATION = frozenset(string.punctuation)
_ASCII_LETTERS_DIGITS = _ASCII_LETTERS | _ASCII_DIGITS
_LEADING_WORD = re.compile("[A-Za-z]+")
_WHOLE = (-1, 0, 0, -1)  # _derive: tokenize the line whole
_SEPARATOR, _GROUP = "<|eot_id|>", 64  # encode_flat: texts per joined group
_LINE = 4  # segments of a context line: speaker name, head, a range of the turn's ids, tail
_KEY = ["session_id", "chunk_index"]
MAP_BATCH_SIZE = 64  # plan rows (chunks) per encoder call: a few thousand turns tokenized together
AHEAD_BATCHES = 2  # batches read and tokenized ahead of the one being assembled
OUTPUT_COLUMNS = (
    "session_id",
    "chunk_index",
    "messages",
    "input_ids",
    "attention_mask",
    "labels",
    "length",
    "turn_indices",
    "targets",
    "drop_reason",
)


class ExampleEncoder:
    """Callable for `Dataset.map(batched=True)`: plan rows in, tokenized example rows out.

    Rows that cannot fit `max_length` come out as marker rows with empty ids and a `drop_reason`,
    which `encode_plans` counts and filters away; no drop goes uncounted.
    """

    def __init__(self, tokenizer: PreTrainedTokenizerBase, rules: ExampleRules) -> None:
        if not is_llama3_chat_tokenizer(tokenizer):
            raise TokenizerError(
                f"tokenizer of '{tokenizer.name_or_path}' is not a Llama 3 chat tokenizer "
                "(needs <|start_header_id|>, <|end_header_id|>, <|eot_id|>)"
            )
        self._backend = tokenizer.backend_tokenizer
        self._flag_lock = threading.Lock()
        special = tokenizer.convert_tokens_to_ids
        self.bos, self.eot = special("<|begin_of_text|>"), special("<|eot_id|>")
        start, end = special("<|start_header_id|>"), special("<|end_header_id|>")
        self.instruction = rules.instruction.strip()
        self.example_format = rules.example_format
        self.prompt_format = rules.prompt_format
        self.max_length = rules.max_length
        self.train_on_inputs = rules.train_on_inputs
        blank_line = self.encode(["\n\n"])[0]
        self.headers = {
            role: [start, *self.encode([role])[0], end, *blank_line] for role in ("system", "user", "assistant")
        }
        self.system_ids = [
            self.bos,
            *self.headers["system"],
            *self.encode([SYSTEM_PREAMBLE + self.instruction])[0],
            self.eot,
        ]

        self._schema = example_features().arrow_schema
        self._plan_schema = plan_features().arrow_schema
        self._ahead: tuple[queue.Queue, threading.Semaphore] | None = None
        self._user_prefix = [*self.system_ids, *self.headers["user"]]
        self._user_suffix = [self.eot, *self.headers["assistant"]]
        # The pieces every batch's examples are gathered from, besides the turns' own ids.
        self._store = _PieceStore()
        self._empty, self._prefix, self._suffix, self._eot_piece = (
            self._store.add(ids) for ids in ([], self._user_prefix, self._user_suffix, [self.eot])
        )
        self._speaker_piece = {s: self._store.add(self.encode([f"{name}:"])[0]) for s, name in SPEAKER_NAMES.items()}
        self._space_piece, self._newline_piece = (self._store.add(ids) for ids in self.encode([" ", "\n"]))
        self._heads: dict[str, tuple[int, int]] = {}  # first word -> (its token count, " word" piece)
        self._tails: dict[str, tuple[int, int]] = {}  # final punctuation -> (token count, run + "\n" piece)

    def encode(self, texts: list[str]) -> list[list[int]]:
        """Ids of each text alone. Text that spells a special token stays text, as in Meta's encoder."""
        backend = self._backend
        if not any("<|" in text for text in texts):  # every Llama 3 special token starts so
            return [e.ids for e in backend.encode_batch_fast(texts, add_special_tokens=False)]
        # The flag is set for this call only, as transformers does for `split_special_tokens`; the
        # lock keeps the read-ahead thread from restoring it under another call. (Touching the flag
        # waits for any encode running in the other thread: hence only when needed.)
        with self._flag_lock:
            saved, backend.encode_special_tokens = backend.encode_special_tokens, True
            try:
                return [e.ids for e in backend.encode_batch_fast(texts, add_special_tokens=False)]
            finally:
                backend.encode_special_tokens = saved

    def encode_flat(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """`encode` as one flat array of ids and each text's length.

        The texts are tokenized in groups joined by <|eot_id|>: a special token splits the text
        before pre-tokenization, so each text comes out exactly as alone, and reading the ids of a
        few long encodings costs a third of reading many short ones.
        """
        if not any("<|" in text for text in texts):
            groups = [_SEPARATOR.join(texts[i : i + _GROUP]) + _SEPARATOR for i in range(0, len(texts), _GROUP)]
            encodings = self._backend.encode_batch_fast(groups, add_special_tokens=False)
            flat = np.fromiter(itertools.chain.from_iterable(e.ids for e in encodings), dtype=np.int32)
            ends = np.flatnonzero(flat == self.eot)
            # Only the separators are <|eot_id|>, unless the special-token flag was set meanwhile
            # by a call for text that spells one (`encode`): then the count is short, so read again.
            if len(ends) == len(texts):
                return flat[flat != self.eot], np.diff(ends, prepend=-1) - 1
        ids = self.encode(texts)
        lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
        return np.fromiter(itertools.chain.from_iterable(ids), dtype=np.int32, count=int(lengths.sum())), lengths

    def encode_plans(self, plans: Dataset, work: Path, fingerprint: str, num_proc: int = 1) -> tuple[Dataset, Stats]:
        """The tokenize step: every plan row encoded by a batched `Dataset.map` into `work`, the rows
        that cannot fit `max_length` counted (`examples_dropped`) and removed.

        In one process, a thread tokenizes the next batches while `map` assembles the current one;
        with `num_proc` workers, each encodes its own shard. The batch size is the encoder's.
        """
        stats = Stats()
        workers = min(num_proc, -(-len(plans) // MAP_BATCH_SIZE))  # a worker needs at least a batch
        parallel = workers if workers > 1 else None
        with self.encode_ahead(plans, MAP_BATCH_SIZE) if parallel is None else contextlib.nullcontext():
            encoded = plans.with_format("arrow").map(
                self.arrow_batch,
                batched=True,
                batch_size=MAP_BATCH_SIZE,
                num_proc=parallel,
                remove_columns=plans.column_names,
                features=example_features(),
                cache_file_name=str(work / "encoded.arrow"),
                new_fingerprint=f"{fingerprint}-encoded",
                desc="Tokenizing chunk plans",
            )
        encoded = encoded.with_format(None)  # the encoder reads Arrow; the output is read as Python again
        reasons = Counter(r for r in column_values(encoded, "drop_reason") if r)
        stats.examples_dropped.update(reasons)
        if reasons:
            encoded = encoded.filter(
                lambda r: [x == "" for x in r],
                input_columns="drop_reason",
                batched=True,
                cache_file_name=str(work / "kept.arrow"),
                new_fingerprint=f"{fingerprint}-kept",
                desc="Removing examples that cannot fit max_length",
            )
        log_examples(len(encoded), reasons)
        return encoded.remove_columns(["drop_reason"]), stats

    def _encode_unique(self, texts: list[str]) -> dict[str, list[int]]:
        unique = list(dict.fromkeys(texts))
        return dict(zip(unique, self.encode(unique)))

    def __call__(self, batch: dict[str, list] | pa.Table) -> dict[str, list]:
        """`arrow_batch` as Python lists (tests, the length analysis)."""
        return self.arrow_batch(batch).to_pydict()

    def arrow_batch(self, batch: dict[str, list] | pa.Table) -> pa.Table:
        """Plan rows (one per chunk; `Dataset.map` with the "arrow" format) in, example rows out."""
        plans = batch if isinstance(batch, pa.Table) else pa.Table.from_pydict(batch, schema=self._plan_schema)
        if self.example_format == SLIDING_WINDOW and self.prompt_format == "chat":
            return self._sliding_window(plans)
        out: dict[str, list] = {name: [] for name in OUTPUT_COLUMNS}
        rows = plans.to_pydict()
        if self.example_format == SLIDING_WINDOW:
            self._sliding_window_alpaca(rows, out)
        else:
            self._multi_turn(rows, out)
        return self._table(out)

    def _table(self, out: dict[str, Any]) -> pa.Table:
        """Example rows as lists -> Arrow: the token columns go through flat numpy buffers in one
        step, where lists of lists would convert value by value."""
        lengths = np.fromiter(out["length"], dtype=np.int32, count=len(out["length"]))
        offsets = _offsets(lengths)
        total = int(offsets[-1])
        for name in ("input_ids", "labels"):
            flat = np.fromiter(itertools.chain.from_iterable(out[name]), dtype=np.int32, count=total)
            out[name] = pa.ListArray.from_arrays(offsets, flat)
        out["attention_mask"] = pa.ListArray.from_arrays(offsets, np.ones(total, dtype=np.int8))
        return pa.Table.from_pydict(out, schema=self._schema)

    def _emit(
        self,
        out: dict,
        row: int,
        batch: dict,
        messages: list[dict],
        ids: list[int],
        labels: list[int],
        turn_indices: list[int],
        targets: int,
        drop_reason: str = "",
    ) -> None:
        out["session_id"].append(batch["session_id"][row])
        out["chunk_index"].append(batch["chunk_index"][row])
        out["messages"].append(messages)
        out["input_ids"].append(ids)
        out["attention_mask"].append(None)  # made from the lengths in `_table`
        out["labels"].append(labels)
        out["length"].append(len(ids))
        out["turn_indices"].append(turn_indices)
        out["targets"].append(targets)  # responses this row trains, counted where they are built
        out["drop_reason"].append(drop_reason)

    # ------------------------------------------------------------------ one example per response

    @contextlib.contextmanager
    def encode_ahead(self, plans: Dataset, batch_size: int) -> Iterator[None]:
        """Within this block, a thread reads and tokenizes the next batches of `plans` while the
        caller assembles the current one: the tokenizer releases the GIL, so its Rust runs beside
        the Python. For a `Dataset.map(batched=True)` over `plans` with `batch_size`, in this
        process; a batch that is not the one read ahead is simply read again."""
        if not (self.example_format == SLIDING_WINDOW and self.prompt_format == "chat"):
            yield
            return
        ready: queue.Queue = queue.Queue()
        slots, stop = threading.Semaphore(AHEAD_BATCHES), threading.Event()

        def read_ahead() -> None:
            # On any error the thread stops; the caller reads that batch itself and meets the error.
            try:
                with contextlib.suppress(Exception):
                    for batch in plans.with_format("arrow").iter(batch_size):
                        slots.acquire()
                        if stop.is_set():
                            return
                        ready.put(self._read_batch(batch))
            finally:
                ready.put(None)  # the caller never waits for a batch that will not come

        thread = threading.Thread(target=read_ahead, name="encode-ahead", daemon=True)
        self._ahead = (ready, slots)
        thread.start()
        try:
            yield
        finally:
            self._ahead = None
            stop.set()
            slots.release()
            thread.join()

    def _batch(self, plans: pa.Table) -> _TurnBatch:
        if self._ahead is not None:
            ready, slots = self._ahead
            batch = ready.get()
            slots.release()
            if batch is not None and batch.key.equals(plans.select(_KEY)):
                return batch
            self._ahead = None  # out of step: read every batch here from now on
        return self._read_batch(plans)

    def _read_batch(self, plans: pa.Table) -> _TurnBatch:
        """The plan rows as flat turns, each example's window, and the ids of every text shown."""
        turn_offsets = row_offsets(plans.column("texts"))
        texts = flat_values(plans.column("texts")).to_pylist()
        speakers = flat_values(plans.column("speakers")).to_pylist()
        turn_indices = flat_values(plans.column("turn_indices")).to_numpy()
        # Which turns each example shows, as planned: context lines [first, target), the response at target.
        targets, first = windows(
            flat_values(plans.column("supervised")).to_numpy(zero_copy_only=False),
            flat_values(plans.column("context_turns")).to_numpy(),
        )
        n = len(texts)
        in_context = covered(first, targets, n)
        shown = in_context.copy()
        shown[targets] = True

        # Unique texts, tokenized once.
        unique: dict[str, int] = {}
        text_id = np.full(n, -1, dtype=np.int64)
        rows = np.flatnonzero(shown)
        text_id[rows] = [unique.setdefault(texts[i], len(unique)) for i in rows.tolist()]
        unique_texts = list(unique)
        bare_ids, bare_len = self.encode_flat(unique_texts)
        return _TurnBatch(
            key=plans.select(_KEY),
            texts=texts,
            speakers=speakers,
            turn_offsets=turn_offsets,
            turn_indices=turn_indices,
            targets=targets,
            first=first,
            in_context=in_context,
            text_id=text_id,
            unique_texts=unique_texts,
            bare_ids=bare_ids,
            bare_len=bare_len,
        )

    def _sliding_window(self, plans: pa.Table) -> pa.Table:
        """The chat format, vectorized over the batch: every turn is tokenized once, and each
        example is gathered by numpy from its turns' ids and a few fixed pieces."""
        batch = self._batch(plans)
        if not len(batch.targets):
            return self._schema.empty_table()
        segments = self._segments(batch)
        first, lengths = self._fit(batch, segments)
        kept = first < batch.targets
        ids, labels = self._gather(batch, segments, first, kept)
        if len(ids) != lengths.sum():
            raise AssertionError("gathered ids disagree with the example lengths (a bug)")
        return self._example_table(plans, batch, first, kept, lengths, ids, labels)

    def _segments(self, batch: _TurnBatch) -> _Segments:
        """Every id sequence this batch's examples are made of, as ranges of one buffer."""
        n = len(batch.texts)
        unique_start = _offsets(batch.bare_len, np.int64)[:-1]
        context = np.unique(batch.text_id[batch.in_context])  # the unique texts shown as context lines
        line_nl, line, (whole_ids, whole_len) = self._context_lines(
            [batch.unique_texts[u] for u in context.tolist()], batch.bare_len[context]
        )
        store_ids, store_start, store_len = self._store.arrays()
        buffer = np.concatenate([batch.bare_ids, store_ids, whole_ids])
        piece_start = len(batch.bare_ids) + np.concatenate([store_start, len(store_ids) + _offsets(whole_len)[:-1]])
        piece_len = np.concatenate([store_len, whole_len])

        # A turn's context line: speaker name, head, a range of the turn's own ids, tail. Turns that no
        # example shows as context get the segments of some other row (the clamp): never gathered.
        row = np.minimum(np.searchsorted(context, batch.text_id), max(len(context) - 1, 0))  # turn -> row of context
        speaker = np.where(
            np.asarray(batch.speakers) == THERAPIST, self._speaker_piece[THERAPIST], self._speaker_piece[CLIENT]
        )

        def line_segments(head: np.ndarray, skip: np.ndarray, count: np.ndarray, tail: np.ndarray) -> tuple:
            start, length = np.zeros((n, _LINE), dtype=np.int64), np.zeros((n, _LINE), dtype=np.int64)
            if len(context):
                h, t = head[row], tail[row]
                start[:, 0], length[:, 0] = piece_start[speaker], piece_len[speaker]
                start[:, 1], length[:, 1] = piece_start[h], piece_len[h]
                start[:, 2], length[:, 2] = unique_start[context][row] + skip[row], count[row]
                start[:, 3], length[:, 3] = piece_start[t], piece_len[t]
            return start.ravel(), length.ravel()

        (nl_start, nl_len), (end_start, end_len) = line_segments(*line_nl), line_segments(*line)
        unique = np.maximum(batch.text_id, 0)
        response_start = np.where(batch.text_id >= 0, unique_start[unique], 0)
        response_len = np.where(batch.text_id >= 0, batch.bare_len[unique], 0)
        line_base = len(piece_start)
        return _Segments(
            buffer=buffer,
            start=np.concatenate([piece_start, nl_start, end_start, response_start]),
            length=np.concatenate([piece_len, nl_len, end_len, response_len]),
            line_base=line_base,
            last_line_base=line_base + _LINE * n,
            response_base=line_base + 2 * _LINE * n,
            line_len=nl_len.reshape(n, _LINE).sum(axis=1),
            last_line_len=end_len.reshape(n, _LINE).sum(axis=1),
            response_len=response_len,
        )

    def _context_lines(self, texts: list[str], lengths: np.ndarray) -> tuple[tuple, tuple, tuple]:
        """The context lines of these texts (ids `lengths` long), with and without the final "\n",
        each as arrays (head piece, skip, count, tail piece): head + the text's ids [skip, skip +
        count) + tail. Lines not derivable are tokenized whole here (the third item, `encode_flat`),
        as pieces numbered after the store's."""
        m = len(texts)
        head, skip, cut, tail = np.array([self._derive(t) for t in texts], dtype=np.int64).reshape(m, 4).T
        whole, whole_nl = np.flatnonzero(head < 0), np.flatnonzero(tail < 0)  # (whole implies whole_nl)
        lines = [" " + texts[k] for k in whole.tolist()] + [" " + texts[k] + "\n" for k in whole_nl.tolist()]
        numbers = len(self._store.lengths) + np.arange(len(lines))
        line_head, nl_head = head.copy(), head.copy()
        line_head[whole], nl_head[whole_nl] = numbers[: len(whole)], numbers[len(whole) :]
        line_count = np.where(head < 0, 0, lengths - skip)
        nl_count = np.where(tail < 0, 0, lengths - skip - cut)
        nl_tail = np.where(tail < 0, self._empty, tail)
        line_end = (line_head, skip, line_count, np.full(m, self._empty))
        return (nl_head, skip, nl_count, nl_tail), line_end, self.encode_flat(lines)

    def _fit(self, batch: _TurnBatch, segments: _Segments) -> tuple[np.ndarray, np.ndarray]:
        """The first context line each example keeps, and its length: the oldest lines go first
        until it fits `max_length`; the response never. (first == target: it cannot fit.)

        With cumulative[k] the length of the lines (with "\n") of turns 0..k-1, an example showing
        turns a..t is fixed + cumulative[t - 1] - cumulative[a] long: the smallest a that fits is
        one binary search.
        """
        targets = batch.targets
        # The last context line. A target opening its row has none: its made-up `previous` is never
        # used, as first == target (from batch.first) marks it not kept.
        previous = np.maximum(targets - 1, 0)
        cumulative = _offsets(segments.line_len, np.int64)
        fixed = (
            len(self._user_prefix)
            + len(self._user_suffix)
            + segments.response_len[targets]
            + 1  # <|eot_id|>
            + segments.last_line_len[previous]
            + cumulative[previous]
        )
        first = np.maximum(batch.first, np.searchsorted(cumulative, fixed - self.max_length, side="left"))
        return first, np.where(first < targets, fixed - cumulative[np.minimum(first, previous)], 0)

    def _gather(
        self, batch: _TurnBatch, segments: _Segments, first: np.ndarray, kept: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """input_ids and labels of all examples, one after another: example -> its segments -> ids."""
        targets, count = batch.targets, len(batch.targets)
        ones = np.ones(count, dtype=np.int64)
        starts = np.stack(
            [
                ones * self._prefix,
                segments.line_base + _LINE * first,
                segments.last_line_base + _LINE * (targets - 1),
                ones * self._suffix,
                segments.response_base + targets,
                ones * self._eot_piece,
            ],
            axis=1,
        )
        lengths = np.stack([ones, _LINE * (targets - 1 - first), _LINE * ones, ones, ones, ones], axis=1)
        lengths[~kept] = 0
        chosen = _gather_ranges(starts.ravel(), lengths.ravel())
        ids = segments.buffer[_gather_ranges(segments.start[chosen], segments.length[chosen])]
        if self.train_on_inputs:
            return ids, ids
        supervised = (chosen >= segments.response_base) | (chosen == self._eot_piece)
        return ids, np.where(np.repeat(supervised, segments.length[chosen]), ids, IGNORE_INDEX)

    def _example_table(
        self,
        plans: pa.Table,
        batch: _TurnBatch,
        first: np.ndarray,
        kept: np.ndarray,
        lengths: np.ndarray,
        ids: np.ndarray,
        labels: np.ndarray,
    ) -> pa.Table:
        targets, texts = batch.targets, batch.texts
        # Messages, as the chat template renders them: the context lines joined, the response.
        line = [context_line(s, t) if c else "" for s, t, c in zip(batch.speakers, texts, batch.in_context)]
        contents = []
        for a, t in zip(first[kept].tolist(), targets[kept].tolist()):
            contents += (self.instruction, "\n".join(line[a:t]), texts[t])
        roles = pa.DictionaryArray.from_arrays(
            np.tile(np.arange(3, dtype=np.int8), int(kept.sum())), pa.array(["system", "user", "assistant"])
        ).cast(pa.string())
        message_type = self._schema.field("messages").type
        messages = pa.StructArray.from_arrays(
            [roles, pa.array(contents, type=pa.string())], fields=list(message_type.value_type)
        )
        has_context = batch.first < targets  # a target that opens its plan row has nothing to answer
        drop_reason = np.where(kept, "", np.where(has_context, "exceeds_max_length", "no_context"))
        row = np.searchsorted(batch.turn_offsets, targets, side="right") - 1
        shown = np.where(kept, targets + 1 - first, 0)
        offsets = _offsets(lengths)
        columns = {
            "session_id": plans.column("session_id").take(row),
            "chunk_index": plans.column("chunk_index").take(row),
            "messages": pa.ListArray.from_arrays(_offsets(np.where(kept, 3, 0)), messages, type=message_type),
            "input_ids": pa.ListArray.from_arrays(offsets, ids.astype(np.int32, copy=False)),
            "attention_mask": pa.ListArray.from_arrays(offsets, np.ones(len(ids), dtype=np.int8)),
            "labels": pa.ListArray.from_arrays(offsets, labels.astype(np.int32, copy=False)),
            "length": lengths.astype(np.int32),
            "turn_indices": pa.ListArray.from_arrays(
                _offsets(shown), batch.turn_indices[_gather_ranges(first, shown)].astype(np.int32)
            ),
            "targets": kept.astype(np.int32),  # responses this row trains, counted where they are built
            "drop_reason": pa.array(drop_reason.tolist(), type=pa.string()),
        }
        return pa.Table.from_pydict(columns, schema=self._schema)

    def _derive(self, text: str) -> tuple[int, int, int, int]:
        """How " " + text and " " + text + "\n" tokenize, in terms of the ids of text itself:
        (head, skip, cut, tail) with " " + text = head + bare[skip:] and
        " " + text + "\n" = head + bare[skip:len(bare) - cut] + tail, head and tail numbered in the
        piece store. Head -1: not provable at the start, tokenize both lines whole; tail -1:
        tokenize the line with its newline whole.

        BPE never crosses a pre-token boundary, so only the pre-tokens at the two ends change:
        - start: a leading ASCII word w (a whole pre-token) becomes " w"; a leading ASCII digit
          keeps its pre-token and the space stands alone (id 220);
        - end: after an ASCII letter or digit "\n" is its own pre-token; a final run of ASCII
          punctuation takes the newline into its pre-token (".\n" is one token): re-tokenize it.
        """
        word = _LEADING_WORD.match(text)
        if word:
            end = word.end()
            if end < len(text) and text[end].isalpha():  # the word goes on in non-ASCII letters
                return _WHOLE
            skip, head = self._heads.get(word[0]) or self._add_piece(self._heads, word[0], " ")
        elif text[0] in _ASCII_DIGITS:
            skip, head = 0, self._space_piece
        else:
            return _WHOLE
        last = text[-1]
        if last in _ASCII_LETTERS_DIGITS:
            return head, skip, 0, self._newline_piece
        if last not in _ASCII_PUNCTUATION:
            return head, skip, 0, -1
        start = len(text.rstrip(string.punctuation))
        before = text[start - 1] if start else ""
        if before == " ":
            start -= 1  # " ?!" is one pre-token: the space joins the punctuation run
        elif before not in _ASCII_LETTERS_DIGITS:
            return head, skip, 0, -1
        run = text[start:]
        cut, tail = self._tails.get(run) or self._add_piece(self._tails, run, "\n")
        return head, skip, cut, tail

    def _add_piece(self, cache: dict, text: str, space_or_newline: str) -> tuple[int, int]:
        """(token count of text, store number of text with a space before or a newline after)."""
        variant = " " + text if space_or_newline == " " else text + "\n"
        plain, other = self.encode([text, variant])
        cache[text] = (len(plain), self._store.add(other))
        return cache[text]

    def _sliding_window_alpaca(self, batch: dict[str, list], out: dict) -> None:
        """The seed's plain-text prompt: each example is tokenized whole (no pieces to reuse)."""
        turn_offsets = _offsets(np.fromiter(map(len, batch["texts"]), dtype=np.int64))
        targets, firsts = windows(
            np.fromiter(itertools.chain.from_iterable(batch["supervised"]), dtype=bool),
            np.fromiter(itertools.chain.from_iterable(batch["context_turns"]), dtype=np.int64),
        )
        texts = list(itertools.chain.from_iterable(batch["texts"]))
        speakers = list(itertools.chain.from_iterable(batch["speakers"]))
        indices = list(itertools.chain.from_iterable(batch["turn_indices"]))
        rows = np.searchsorted(turn_offsets, targets, side="right") - 1
        for row, target, first in zip(rows.tolist(), targets.tolist(), firsts.tolist()):
            response_ids = [*self.encode([texts[target]])[0], self.eot]
            reason = "exceeds_max_length" if first < target else "no_context"
            while first < target:
                context = "\n".join(context_line(speakers[j], texts[j]) for j in range(first, target))
                prompt = [self.bos, *self.encode([alpaca_prompt(self.instruction, context)])[0]]
                if len(prompt) + len(response_ids) <= self.max_length:
                    break
                first += 1  # context goes first, from the oldest turn; the response never
            if first == target:
                self._emit(out, row, batch, [], [], [], [], 0, reason)
                continue
            messages = [
                {"role": "system", "content": self.instruction},
                {"role": "user", "content": context},
                {"role": "assistant", "content": texts[target]},
            ]
            ids, labels = labelled([(prompt, False), (response_ids, True)], self.train_on_inputs)
            self._emit(out, row, batch, messages, ids, labels, indices[first : target + 1], 1)

    # ------------------------------------------------------------------ one conversation per chunk

    def _multi_turn(self, batch: dict[str, list], out: dict) -> None:
        ids = self._encode_unique([t for texts in batch["texts"] for t in texts])
        budget = self.max_length - len(self.system_ids)
        for row, (speakers, texts) in enumerate(zip(batch["speakers"], batch["texts"])):
            supervised = batch["supervised"][row]
            turn_indices = batch["turn_indices"][row]
            blocks = [[*self.headers[ROLES[s]], *ids[t], self.eot] for s, t in zip(speakers, texts)]
            for first, last, dropped in pack_conversation([len(b) for b in blocks], supervised, budget):
                if dropped:
                    self._emit(out, row, batch, [], [], [], [], 0, "response_exceeds_max_length")
                    continue
                messages = [{"role": "system", "content": self.instruction}]
                pieces = [(self.system_ids, False)]
                for i in range(first, last):
                    messages.append({"role": ROLES[speakers[i]], "content": texts[i]})
                    header = len(self.headers[ROLES[speakers[i]]])
                    pieces += [(blocks[i][:header], False), (blocks[i][header:], supervised[i])]
                input_ids, labels = labelled(pieces, self.train_on_inputs)
                targets = sum(supervised[first:last])
                self._emit(out, row, batch, messages, input_ids, labels, turn_indices[first:last], targets)


@dataclass(slots=True)
class _TurnBatch:
    """One batch of plans, read: flat turns, example windows, the shown texts and their ids."""

    key: pa.Table  # the rows' session ids and chunk indices
    texts: list[str]
    speakers: list[str]
    turn_offsets: np.ndarray  # where each plan row's turns start
    turn_indices: np.ndarray  # each turn's index in its session
    targets: np.ndarray  # flat index of each example's response
    first: np.ndarray  # flat index of each example's first context turn, before truncation
    in_context: np.ndarray  # per turn: shown as a context line by some example
    text_id: np.ndarray  # per turn: its index in unique_texts, -1 if not shown
    unique_texts: list[str]
    bare_ids: np.ndarray  # ids of the unique texts, one after another
    bare_len: np.ndarray  # how many of them each has


@dataclass(slots=True)
class _Segments:
    """The id sequences a batch's examples are made of, as (start, length) ranges of one buffer.

    Segments are numbered: first the pieces (the store's, then lines tokenized whole in this batch),
    then _LINE per turn for its context line with "\n" (speaker name, head, a range of the turn's
    ids, tail), _LINE per turn for the line without it, and 1 per turn for the turn as a response.
    """

    buffer: np.ndarray
    start: np.ndarray
    length: np.ndarray
    line_base: int
    last_line_base: int
    response_base: int
    line_len: np.ndarray  # per turn: tokens of its context line with "\n"
    last_line_len: np.ndarray  # per turn: tokens of its context line without it
    response_len: np.ndarray  # per turn: tokens of its text


class _PieceStore:
    """Short id sequences the encoder reuses across batches (headers, speaker names, first words
    with a space, final punctuation with a newline), numbered in the order they were added."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.starts: list[int] = []
        self.lengths: list[int] = []
        self._arrays: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def add(self, ids: list[int]) -> int:
        self.starts.append(len(self.ids))
        self.lengths.append(len(ids))
        self.ids += ids
        self._arrays = None
        return len(self.lengths) - 1

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(all ids, start of each piece, length of each piece)."""
        if self._arrays is None:
            self._arrays = (
                np.array(self.ids, dtype=np.int32),
                np.array(self.starts, dtype=np.int64),
                np.array(self.lengths, dtype=np.int64),
            )
        return self._arrays


def _offsets(lengths: np.ndarray, dtype: type = np.int32) -> np.ndarray:
    """[0, l0, l0 + l1, ...]: Arrow list offsets of rows with these lengths."""
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    if offsets[-1] > np.iinfo(dtype).max:
        raise ValueError(f"{offsets[-1]} values in one batch: over the {np.dtype(dtype).name} offsets of Arrow lists")
    return offsets.astype(dtype, copy=False)


def _gather_ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The indices of the ranges [start, start + length), one after another."""
    lengths = np.asarray(lengths, dtype=np.int64)
    ends = np.cumsum(lengths)
    total = int(ends[-1]) if len(ends) else 0
    return np.repeat(np.asarray(starts, dtype=np.int64) - (ends - lengths), lengths) + np.arange(total)


def log_examples(examples: int, dropped: Counter) -> None:
    """The tokenize step's line: examples made, and those dropped by reason."""
    logger.info(
        "%d examples tokenized; %d dropped (%s)",
        examples,
        sum(dropped.values()),
        ", ".join(f"{k}: {v}" for k, v in sorted(dropped.items())) or "none",
    )


def example_features() -> Features:
    return Features(
        {
            "session_id": Value("string"),
            "chunk_index": Value("int32"),
            "messages": [{"role": Value("string"), "content": Value("string")}],
            "input_ids": Sequence(Value("int32")),
            "attention_mask": Sequence(Value("int8")),
            "labels": Sequence(Value("int32")),
            "length": Value("int32"),
            "turn_indices": Sequence(Value("int32")),
            "targets": Value("int32"),
            "drop_reason": Value("string"),
        }
    )
