"""Seed step 4: example plans -> Llama 3.1 token ids and labels, in batches for `Dataset.map`.

Meta's reference (`llama_models.llama3.chat_format.ChatFormat`) encodes every message header and
every message content separately and joins the ids. We do the same, one step further: each distinct
piece (a context line, a response, the fixed system block) is tokenized once per batch and example
ids are assembled from the pieces. Pieces meet only where the pre-tokenizer always splits (after a
special token, or a newline followed by a speaker name), so the ids equal tokenizing the rendered
text as one string; tests/test_encoding.py holds that against Meta's encoder and the chat template.
"""

from __future__ import annotations

import contextlib
import itertools
import queue
import re
import string
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
from datasets import Dataset, Features, Sequence, Value
from transformers import PreTrainedTokenizerBase

from .formatting import SLIDING_WINDOW
from .model import CLIENT, THERAPIST
from .tokenizer import TokenizerError, is_llama3_chat_tokenizer

IGNORE_INDEX = -100
SYSTEM_PREAMBLE = "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n"
SPEAKER_NAMES = {THERAPIST: "Therapist", CLIENT: "Client"}
ROLES = {THERAPIST: "assistant", CLIENT: "user"}
_ASCII_LETTERS = frozenset(string.ascii_letters)
_ASCII_DIGITS = frozenset(string.digits)
_ASCII_PUNCTUATION = frozenset(string.punctuation)
_ASCII_LETTERS_DIGITS = _ASCII_LETTERS | _ASCII_DIGITS
_LEADING_WORD = re.compile("[A-Za-z]+")
_WHOLE = (-1, 0, 0, -1)
_SEPARATOR, _GROUP = "<|eot_id|>", 64  # encode_flat: texts per joined group  # _derive: tokenize the line whole
_KEY = ["session_id", "chunk_index"]
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


def context_line(speaker: str, text: str) -> str:
    return f"{SPEAKER_NAMES[speaker]}: {text}"


def alpaca_prompt(instruction: str, context: str) -> str:
    """The seed's plain-text format; the response follows the final newline."""
    return f"Instruction:\n{instruction.strip()}\n\nInput:\n{context}\n\nOutput:\n"


class ExampleEncoder:
    """Callable for `Dataset.map(batched=True)`: plan rows in, tokenized example rows out.

    Rows that cannot fit `max_length` come out as marker rows with empty ids and a `drop_reason`,
    so the caller counts them and filters them away; no drop goes uncounted.
    """

    def __init__(
        self,
        tokenizer: PreTrainedTokenizerBase,
        *,
        instruction: str,
        example_format: str,
        prompt_format: str,
        max_length: int,
        train_on_inputs: bool,
        context_exchanges: int,
    ) -> None:
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
        self.instruction = instruction.strip()
        self.example_format = example_format
        self.prompt_format = prompt_format
        self.max_length = max_length
        self.train_on_inputs = train_on_inputs
        self.context_exchanges = context_exchanges
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
        out["labels"].append(ids.copy() if self.train_on_inputs else labels)
        out["length"].append(len(ids))
        out["turn_indices"].append(turn_indices)
        out["targets"].append(targets)  # responses this row trains, counted where they are built
        out["drop_reason"].append(drop_reason)

    # ------------------------------------------------------------------ one example per response

    def _windows(self, session_turn_offsets: np.ndarray, supervised: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Flat indices of the targets, and of the first turn of each one's context window
        (`context_exchanges` turns back, never before the start of its plan row)."""
        targets = np.flatnonzero(supervised)
        row = np.searchsorted(session_turn_offsets, targets, side="right") - 1
        first = targets - np.minimum(targets - session_turn_offsets[row], self.context_exchanges)
        return targets, first

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
            for batch in plans.with_format("arrow").iter(batch_size):
                slots.acquire()
                if stop.is_set():
                    return
                try:
                    ready.put(self._read_batch(batch))
                except Exception:  # noqa: BLE001 - the caller reads the batch itself and sees the error
                    break
            ready.put(None)

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
        texts_column = plans.column("texts").combine_chunks()
        turn_offsets = _list_offsets(texts_column)
        texts = texts_column.flatten().to_pylist()
        speakers = _flat(plans, "speakers").to_pylist()
        supervised = _flat(plans, "supervised").to_numpy(zero_copy_only=False)
        turn_indices = _flat(plans, "turn_indices").to_numpy()
        targets, first = self._windows(turn_offsets, supervised)
        n = len(texts)

        # Which turns each example shows: context lines [first, target), the response at target.
        marks = np.bincount(first, minlength=n + 1) - np.bincount(targets, minlength=n + 1)
        in_context = np.cumsum(marks[:n]) > 0
        shown = in_context.copy()
        shown[targets] = True

        # Unique texts, tokenized once.
        unique: dict[str, int] = {}
        text_id = np.full(n, -1, dtype=np.int64)
        rows = np.flatnonzero(shown)
        text_id[rows] = [unique.setdefault(texts[i], len(unique)) for i in rows.tolist()]
        unique_texts = list(unique)
        return _TurnBatch(
            plans.select(_KEY),
            texts,
            speakers,
            turn_offsets,
            turn_indices,
            targets,
            first,
            in_context,
            text_id,
            unique_texts,
            *self.encode_flat(unique_texts),
        )

    def _sliding_window(self, plans: pa.Table) -> pa.Table:
        """The chat format, vectorized over the batch: every turn is tokenized once, its context
        lines are derived from its ids, and each example is gathered from those pieces by numpy."""
        batch = self._batch(plans)
        texts, speakers, turn_offsets, turn_indices = (
            batch.texts,
            batch.speakers,
            batch.turn_offsets,
            batch.turn_indices,
        )
        targets, first, in_context, text_id = batch.targets, batch.first, batch.in_context, batch.text_id
        unique_texts, bare_len, flat_bare, n = batch.unique_texts, batch.bare_len, batch.bare_ids, len(batch.texts)
        has_context = first < targets  # a target that opens its plan row has nothing to answer

        # Context lines of each unique text: head piece + a range of its ids + tail piece, where
        # pieces are numbered in the encoder's store (first words, final punctuation, headers) or,
        # for lines tokenized whole, after it in this batch.
        bare_start = _offsets(bare_len, np.int64)[:-1]
        context_ids = np.unique(text_id[in_context])
        m = len(context_ids)
        derive = self._derive
        derived = np.array([derive(unique_texts[u]) for u in context_ids.tolist()], dtype=np.int64).reshape(m, 4)
        head, skip, cut, tail = derived.T
        whole, whole_nl = head < 0, tail < 0  # (a whole line implies a whole line with newline)
        store_ids, store_start, store_len = self._store.arrays()
        end_head, nl_head = head.copy(), head.copy()
        nl_tail = np.where(whole_nl, self._empty, tail)
        lines_whole = [
            (k, " " + unique_texts[u]) for k, u in zip(np.flatnonzero(whole).tolist(), context_ids[whole].tolist())
        ]
        lines_whole_nl = [
            (k, " " + unique_texts[u] + "\n")
            for k, u in zip(np.flatnonzero(whole_nl).tolist(), context_ids[whole_nl].tolist())
        ]
        local_ids = self.encode([line for _, line in lines_whole + lines_whole_nl])
        local = len(store_len) + np.arange(len(local_ids))
        end_head[[k for k, _ in lines_whole]] = local[: len(lines_whole)]
        nl_head[[k for k, _ in lines_whole_nl]] = local[len(lines_whole) :]
        start = bare_start[context_ids] + skip
        end_len = np.where(whole, 0, bare_len[context_ids] - skip)
        nl_len = np.where(whole_nl, 0, bare_len[context_ids] - skip - cut)
        empty, prefix, suffix, eot = self._empty, self._prefix, self._suffix, self._eot_piece

        # Segment table: [pieces | 4 segments of each turn's line with "\n" | 4 without | response].
        local_len = np.fromiter(map(len, local_ids), dtype=np.int64, count=len(local_ids))
        flat_local = np.fromiter(itertools.chain.from_iterable(local_ids), dtype=np.int32, count=int(local_len.sum()))
        buffer = np.concatenate([flat_bare, store_ids, flat_local])
        piece_start = np.concatenate([store_start, len(store_ids) + _offsets(local_len, np.int64)[:-1]]) + len(
            flat_bare
        )
        piece_len = np.concatenate([store_len, local_len])
        where = np.searchsorted(context_ids, text_id)  # each turn's row in the context tables
        where = np.minimum(where, max(m - 1, 0))
        speaker_of = np.where(
            np.asarray(speakers) == THERAPIST, self._speaker_piece[THERAPIST], self._speaker_piece[CLIENT]
        )
        lines = {}
        for name, head_of, length_of, tail_of in (
            ("nl", nl_head, nl_len, nl_tail),
            ("end", end_head, end_len, np.full(m, empty)),
        ):
            seg_start = np.zeros((n, 4), dtype=np.int64)
            seg_len = np.zeros((n, 4), dtype=np.int64)
            if m:
                seg_start[:, 0], seg_len[:, 0] = piece_start[speaker_of], piece_len[speaker_of]
                h, t = head_of[where], tail_of[where]
                seg_start[:, 1], seg_len[:, 1] = piece_start[h], piece_len[h]
                seg_start[:, 2], seg_len[:, 2] = start[where], length_of[where]
                seg_start[:, 3], seg_len[:, 3] = piece_start[t], piece_len[t]
            lines[name] = (seg_start.ravel(), seg_len.ravel())
        response_start = np.where(text_id >= 0, bare_start[np.maximum(text_id, 0)], 0)
        response_len = np.where(text_id >= 0, bare_len[np.maximum(text_id, 0)], 0)
        seg_start = np.concatenate([piece_start, lines["nl"][0], lines["end"][0], response_start])
        seg_len = np.concatenate([piece_len, lines["nl"][1], lines["end"][1], response_len])
        nl_base, end_base = len(piece_start), len(piece_start) + 4 * n
        response_base = end_base + 4 * n
        supervised_segment = np.zeros(len(seg_start), dtype=bool)
        supervised_segment[response_base:] = True
        supervised_segment[eot] = True

        # Truncation: the oldest context lines go first until the example fits; the response never.
        # With cumulative[k] the length of lines 0..k-1 (with "\n"), an example from line a is
        # fixed + cumulative[target - 1] - cumulative[a] long: take the smallest a that fits.
        cumulative = _offsets(lines["nl"][1].reshape(n, 4).sum(axis=1), np.int64)
        last_line = np.maximum(targets - 1, 0)
        fixed = (
            piece_len[prefix]
            + piece_len[suffix]
            + response_len[targets]
            + 1
            + lines["end"][1].reshape(n, 4)[last_line].sum(axis=1)
            + cumulative[last_line]
        )
        first = np.maximum(first, np.searchsorted(cumulative, fixed - self.max_length, side="left"))
        kept = first < targets
        lengths = np.where(kept, fixed - cumulative[np.minimum(first, last_line)], 0)
        count = len(targets)

        # Gather: example -> its segments -> their ids.
        ranges_start = np.stack(
            [
                np.full(count, prefix),
                nl_base + 4 * first,
                end_base + 4 * last_line,
                np.full(count, suffix),
                response_base + targets,
                np.full(count, eot),
            ],
            axis=1,
        )
        ranges_len = np.stack(
            [
                np.ones(count),
                4 * (targets - 1 - first),
                np.full(count, 4),
                np.ones(count),
                np.ones(count),
                np.ones(count),
            ],
            axis=1,
        ).astype(np.int64)
        ranges_len[~kept] = 0
        segments = _gather_ranges(ranges_start.ravel(), ranges_len.ravel())
        ids = buffer[_gather_ranges(seg_start[segments], seg_len[segments])]
        if self.train_on_inputs:
            labels = ids
        else:
            labels = np.where(np.repeat(supervised_segment[segments], seg_len[segments]), ids, IGNORE_INDEX)
        offsets = _offsets(lengths)

        # Messages, as rendered by the chat template: the context lines joined, the response.
        line_text = [f"{SPEAKER_NAMES[s]}: {t}" if c else "" for s, t, c in zip(speakers, texts, in_context.tolist())]
        kept_targets, kept_first = targets[kept].tolist(), first[kept].tolist()
        contents = []
        for a, t in zip(kept_first, kept_targets):
            contents += (self.instruction, "\n".join(line_text[a:t]), texts[t])
        roles = pa.DictionaryArray.from_arrays(
            np.tile(np.arange(3, dtype=np.int8), len(kept_targets)), pa.array(["system", "user", "assistant"])
        ).cast(pa.string())
        message_type = self._schema.field("messages").type
        struct = pa.StructArray.from_arrays(
            [roles, pa.array(contents, type=pa.string())], fields=list(message_type.value_type)
        )
        row = np.searchsorted(turn_offsets, targets, side="right") - 1
        shown_len = np.where(kept, targets + 1 - first, 0)
        columns = {
            "session_id": plans.column("session_id").take(row),
            "chunk_index": plans.column("chunk_index").take(row),
            "messages": pa.ListArray.from_arrays(_offsets(np.where(kept, 3, 0)), struct, type=message_type),
            "input_ids": pa.ListArray.from_arrays(offsets, ids.astype(np.int32, copy=False)),
            "attention_mask": pa.ListArray.from_arrays(offsets, np.ones(len(ids), dtype=np.int8)),
            "labels": pa.ListArray.from_arrays(offsets, labels.astype(np.int32, copy=False)),
            "length": lengths.astype(np.int32),
            "turn_indices": pa.ListArray.from_arrays(
                _offsets(shown_len), turn_indices[_gather_ranges(first, shown_len)].astype(np.int32)
            ),
            "targets": kept.astype(np.int32),
            "drop_reason": pa.array(
                np.where(kept, "", np.where(has_context, "exceeds_max_length", "no_context")).tolist(), pa.string()
            ),
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
        targets, firsts = self._windows(turn_offsets, np.array(list(itertools.chain(*batch["supervised"])), bool))
        texts = list(itertools.chain.from_iterable(batch["texts"]))
        speakers = list(itertools.chain.from_iterable(batch["speakers"]))
        indices = list(itertools.chain.from_iterable(batch["turn_indices"]))
        rows = np.searchsorted(turn_offsets, targets, side="right") - 1
        for row, target, first in zip(rows.tolist(), targets.tolist(), firsts.tolist()):
            response_ids = [*self.encode([texts[target]])[0], self.eot]
            while first < target:
                context = "\n".join(context_line(speakers[j], texts[j]) for j in range(first, target))
                prompt = [self.bos, *self.encode([alpaca_prompt(self.instruction, context)])[0]]
                if len(prompt) + len(response_ids) <= self.max_length:
                    break
                first += 1  # context goes first, from the oldest turn; the response never
            if first == target:
                self._emit(out, row, batch, [], [], [], [], 0, "exceeds_max_length")
                continue
            messages = [
                {"role": "system", "content": self.instruction},
                {"role": "user", "content": context},
                {"role": "assistant", "content": texts[target]},
            ]
            labels = [IGNORE_INDEX] * len(prompt) + response_ids
            self._emit(out, row, batch, messages, prompt + response_ids, labels, indices[first : target + 1], 1)

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
                input_ids, labels = list(self.system_ids), [IGNORE_INDEX] * len(self.system_ids)
                for i in range(first, last):
                    messages.append({"role": ROLES[speakers[i]], "content": texts[i]})
                    input_ids += blocks[i]
                    header = len(self.headers[ROLES[speakers[i]]])
                    labels += (
                        [IGNORE_INDEX] * header + blocks[i][header:]
                        if supervised[i]
                        else [IGNORE_INDEX] * len(blocks[i])
                    )
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
    offsets = np.zeros(len(lengths) + 1, dtype=dtype)
    np.cumsum(lengths, out=offsets[1:])
    return offsets


def _gather_ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The indices of the ranges [start, start + length), one after another."""
    lengths = np.asarray(lengths, dtype=np.int64)
    ends = np.cumsum(lengths)
    total = int(ends[-1]) if len(ends) else 0
    return np.repeat(np.asarray(starts, dtype=np.int64) - (ends - lengths), lengths) + np.arange(total)


def _flat(plans: pa.Table, name: str) -> pa.Array:
    """The values of a list column, flattened (a batch may be a slice of a larger table)."""
    return plans.column(name).combine_chunks().flatten()


def _list_offsets(column: pa.ListArray) -> np.ndarray:
    offsets = column.offsets.to_numpy().astype(np.int64)
    return offsets - offsets[0]


def pack_conversation(sizes: list[int], supervised: list[bool], budget: int) -> list[tuple[int, int, bool]]:
    """Split a conversation at message boundaries into [first, last) runs of at most `budget` tokens.

    Each run ends with a supervised message (what follows it opens the next run as its context).
    A supervised message that cannot fit even alone comes back as (i, i + 1, True): dropped.
    Runs with nothing supervised are not returned: they would train nothing.
    """
    runs: list[tuple[int, int, bool]] = []
    first, n = 0, len(sizes)
    while first < n:
        last, total = first, 0
        while last < n and total + sizes[last] <= budget:
            total += sizes[last]
            last += 1
        if last == first:  # this message alone is over budget
            if supervised[first]:
                runs.append((first, first + 1, True))
            first += 1
            continue
        end = last
        while end > first and not supervised[end - 1]:
            end -= 1
        if end == first:
            first = last
            continue
        runs.append((first, end, False))
        first = end
    return runs


def plan_features() -> Features:
    """Arrow schema of the plan rows handed to the encoder."""
    return Features(
        {
            "session_id": Value("string"),
            "chunk_index": Value("int32"),
            "speakers": Sequence(Value("string")),
            "texts": Sequence(Value("string")),
            "turn_indices": Sequence(Value("int32")),
            "supervised": Sequence(Value("bool")),
        }
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
