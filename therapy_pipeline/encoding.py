"""Seed step 4: example plans -> Llama 3.1 token ids and labels, in batches for `Dataset.map`.

Meta's reference (`llama_models.llama3.chat_format.ChatFormat`) encodes every message header and
every message content separately and joins the ids. We do the same, one step further: each distinct
piece (a context line, a response, the fixed system block) is tokenized once per batch and example
ids are assembled from the pieces. Pieces meet only where the pre-tokenizer always splits (after a
special token, or a newline followed by a speaker name), so the ids equal tokenizing the rendered
text as one string; tests/test_encoding.py holds that against Meta's encoder and the chat template.
"""

from __future__ import annotations

import itertools
import string
from typing import Any

import numpy as np
import pyarrow as pa
from datasets import Features, Sequence, Value
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
    ) -> None:
        if not is_llama3_chat_tokenizer(tokenizer):
            raise TokenizerError(
                f"tokenizer of '{tokenizer.name_or_path}' is not a Llama 3 chat tokenizer "
                "(needs <|start_header_id|>, <|end_header_id|>, <|eot_id|>)"
            )
        self._backend = tokenizer.backend_tokenizer
        special = tokenizer.convert_tokens_to_ids
        self.bos, self.eot = special("<|begin_of_text|>"), special("<|eot_id|>")
        start, end = special("<|start_header_id|>"), special("<|end_header_id|>")
        self.instruction = instruction.strip()
        self.example_format = example_format
        self.prompt_format = prompt_format
        self.max_length = max_length
        self.train_on_inputs = train_on_inputs
        blank_line = self.encode(["\n\n"])[0]
        self.headers = {
            role: [start, *self.encode([role])[0], end, *blank_line] for role in ("system", "user", "assistant")
        }
        self._speaker_ids = {speaker: self.encode([f"{name}:"])[0] for speaker, name in SPEAKER_NAMES.items()}
        self._space_id, self._newline_id = (ids[0] for ids in self.encode([" ", "\n"]))
        self._pieces: dict[tuple[str, str], tuple[int, list[int]]] = {}
        self.system_ids = [
            self.bos,
            *self.headers["system"],
            *self.encode([SYSTEM_PREAMBLE + self.instruction])[0],
            self.eot,
        ]

        self._schema = example_features().arrow_schema
        self._user_prefix = [*self.system_ids, *self.headers["user"]]
        self._user_suffix = [self.eot, *self.headers["assistant"]]

    def encode(self, texts: list[str]) -> list[list[int]]:
        # Transcript text that spells a special token stays text, as in Meta's encoder; the flag is
        # set for this call only, as transformers does for `split_special_tokens`.
        backend = self._backend
        saved, backend.encode_special_tokens = backend.encode_special_tokens, True
        try:
            return [e.ids for e in backend.encode_batch_fast(texts, add_special_tokens=False)]
        finally:
            backend.encode_special_tokens = saved

    def _encode_unique(self, texts: list[str]) -> dict[str, list[int]]:
        unique = list(dict.fromkeys(texts))
        return dict(zip(unique, self.encode(unique)))

    def __call__(self, batch: dict[str, list]) -> dict[str, list]:
        out: dict[str, list] = {name: [] for name in OUTPUT_COLUMNS}
        if self.example_format == SLIDING_WINDOW:
            self._sliding_window(batch, out)
        else:
            self._multi_turn(batch, out)
        return out

    def arrow_batch(self, batch: dict[str, list]) -> pa.Table:
        """`self(batch)` as an Arrow table for `Dataset.map`: the token columns go through flat
        numpy buffers in one step, where lists of lists would convert value by value."""
        out: dict[str, Any] = self(batch)
        lengths = np.fromiter(out["length"], dtype=np.int32, count=len(out["length"]))
        offsets = pa.array(np.concatenate([np.zeros(1, dtype=np.int32), np.cumsum(lengths, dtype=np.int32)]))
        total = int(offsets[-1].as_py())
        for name in ("input_ids", "labels"):
            flat = np.fromiter(itertools.chain.from_iterable(out[name]), dtype=np.int32, count=total)
            out[name] = pa.ListArray.from_arrays(offsets, pa.array(flat))
        out["attention_mask"] = pa.ListArray.from_arrays(offsets, pa.array(np.ones(total, dtype=np.int8)))
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
        out["attention_mask"].append([1] * len(ids))
        out["labels"].append(ids.copy() if self.train_on_inputs else labels)
        out["length"].append(len(ids))
        out["turn_indices"].append(turn_indices)
        out["targets"].append(targets)  # responses this row trains, counted where they are built
        out["drop_reason"].append(drop_reason)

    # ------------------------------------------------------------------ one example per response

    def _sliding_window(self, batch: dict[str, list], out: dict) -> None:
        bare = self._encode_unique([t for texts in batch["texts"] for t in texts])
        lines_of = self._context_lines if self.prompt_format == "chat" else None
        line_ids = lines_of(batch, bare) if lines_of else {}
        for row, (speakers, texts) in enumerate(zip(batch["speakers"], batch["texts"])):
            context = list(zip(speakers[:-1], texts[:-1]))
            response_ids = [*bare[texts[-1]], self.eot]
            first = 0
            while first < len(context):
                prompt = self._prompt_ids(context[first:], line_ids)
                if len(prompt) + len(response_ids) <= self.max_length:
                    break
                first += 1  # context goes first, from the oldest turn; the response never
            if first == len(context):
                self._emit(out, row, batch, [], [], [], [], 0, "exceeds_max_length")
                continue
            messages = [
                {"role": "system", "content": self.instruction},
                {"role": "user", "content": "\n".join(context_line(s, t) for s, t in context[first:])},
                {"role": "assistant", "content": texts[-1]},
            ]
            ids = prompt + response_ids
            labels = [IGNORE_INDEX] * len(prompt) + response_ids
            self._emit(out, row, batch, messages, ids, labels, batch["turn_indices"][row][first:], 1)

    def _prompt_ids(self, context: list[tuple[str, str]], line_ids: dict) -> list[int]:
        if self.prompt_format == "alpaca":
            text = alpaca_prompt(self.instruction, "\n".join(context_line(s, t) for s, t in context))
            return [self.bos, *self.encode([text])[0]]
        ids = self._user_prefix.copy()
        for turn in context[:-1]:
            ids += line_ids[turn, True]
        ids += line_ids[context[-1], False]
        ids += self._user_suffix
        return ids

    def _context_lines(self, batch: dict[str, list], bare: dict[str, list[int]]) -> dict:
        """(speaker, text), ends_with_newline -> ids of that `Speaker: text` line, for this batch.

        Every line but the last of a context ends with its newline: "\n" before a speaker name is
        a pre-tokenizer boundary, so lines are tokenized apart and joined.
        """
        wanted = {}
        for speakers, texts in zip(batch["speakers"], batch["texts"]):
            n = len(texts) - 1
            for i in range(n):
                wanted[(speakers[i], texts[i]), i < n - 1] = None
        line_ids: dict = {}
        fallback: list[tuple] = []
        for key in wanted:
            (speaker, text), newline = key
            derived = self._line_from_turn(text, bare[text], newline)
            if derived is None:
                fallback.append(key)
            else:
                line_ids[key] = [*self._speaker_ids[speaker], *derived]
        encoded = self.encode([" " + text + ("\n" if newline else "") for (_, text), newline in fallback])
        for ((speaker, text), newline), ids in zip(fallback, encoded):
            line_ids[(speaker, text), newline] = [*self._speaker_ids[speaker], *ids]
        return line_ids

    def _line_from_turn(self, text: str, bare: list[int], newline: bool) -> list[int] | None:
        """Ids of " " + text (+ "\n") derived from the ids of text, or None where not provable.

        BPE never crosses a pre-token boundary, so only the pre-tokens at the two ends change:
        - start: a leading ASCII word w (a whole pre-token) becomes " w"; a leading ASCII digit
          keeps its pre-token and the space stands alone (id 220);
        - end: after an ASCII letter or digit "\n" is its own pre-token; a final run of ASCII
          punctuation takes the newline into its pre-token (".\n" is one token): re-tokenize it.
        Everything else is tokenized directly by the caller.
        """
        first = text[0]
        if first in _ASCII_LETTERS:
            end = 1
            while end < len(text) and text[end] in _ASCII_LETTERS:
                end += 1
            if end < len(text) and text[end].isalpha():  # the word goes on in non-ASCII letters
                return None
            word_len, spaced_word = self._piece(text[:end], " " + text[:end])
            ids = [*spaced_word, *bare[word_len:]]
        elif first in _ASCII_DIGITS:
            ids = [self._space_id, *bare]
        else:
            return None
        if not newline:
            return ids
        last = text[-1]
        if last in _ASCII_LETTERS or last in _ASCII_DIGITS:
            return [*ids, self._newline_id]
        if last not in _ASCII_PUNCTUATION:
            return None
        start = len(text) - 1
        while start > 0 and text[start - 1] in _ASCII_PUNCTUATION:
            start -= 1
        before = text[start - 1] if start else ""
        if before == " ":
            start -= 1  # " ?!" is one pre-token: the space joins the punctuation run
        elif not (before in _ASCII_LETTERS or before in _ASCII_DIGITS):
            return None
        tail_len, tail_newline = self._piece(text[start:], text[start:] + "\n")
        return [*ids[: len(ids) - tail_len], *tail_newline]

    def _piece(self, text: str, variant: str) -> tuple[int, list[int]]:
        """(token count of text, ids of variant), cached: first words and final punctuation repeat."""
        cached = self._pieces.get((text, variant))
        if cached is None:
            plain, other = self.encode([text, variant])
            cached = self._pieces[text, variant] = (len(plain), other)
        return cached

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
