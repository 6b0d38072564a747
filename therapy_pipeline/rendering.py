"""What an example is, written the plain way: the definition the fast encoder must equal.

An example is a list of messages: the system instruction, then user and assistant turns (client =
user, therapist = assistant). It is rendered as Llama 3.1 Instruct renders it, each part tokenized
on its own as Meta's reference `ChatFormat` does:

    <|begin_of_text|>
    for every message: <|start_header_id|> role <|end_header_id|> "\\n\\n"  content  <|eot_id|>

with the system content preceded by the 3.1 preamble (knowledge cut-off and date) and every content
stripped. Text that spells a special token stays text. The seed's alpaca format is one plain prompt
(`alpaca_prompt`) followed by the response and <|eot_id|>.

One label rule for every format: a token is trained if it belongs to a supervised response (its
content and the <|eot_id|> after it), or, with `train_on_inputs`, always; elsewhere it is -100.

What a plan row asks for:
- sliding_window: one example per target, showing the `context_turns` turns before it as
  "Therapist: ..." / "Client: ..." lines in one user message; if it is too long for
  `max_length`, the oldest line goes first, never the response; with no line left it is dropped
  ("exceeds_max_length", or "no_context" if it had none to begin with).
- multi_turn: the chunk as one conversation, split at message boundaries into runs that fit
  (`pack_conversation`), every supervised therapist turn trained; a supervised turn too long alone
  is dropped ("response_exceeds_max_length").

`ReferenceRenderer` does exactly this, one example at a time; `encoding.ExampleEncoder` makes the same
rows fast, and tests/test_rendering.py holds the two equal on every format.
"""

from __future__ import annotations

from dataclasses import dataclass

from transformers import PreTrainedTokenizerBase

from .model import CLIENT, THERAPIST
from .planning import MULTI_TURN

IGNORE_INDEX = -100
SYSTEM_PREAMBLE = "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n"
SPEAKER_NAMES = {THERAPIST: "Therapist", CLIENT: "Client"}
ROLES = {THERAPIST: "assistant", CLIENT: "user"}


@dataclass(frozen=True)
class ExampleRules:
    """The settings that decide what an example is: read by the reference and the fast encoder."""

    instruction: str
    example_format: str  # sliding_window or multi_turn
    prompt_format: str  # chat or alpaca
    max_length: int
    train_on_inputs: bool


def context_line(speaker: str, text: str) -> str:
    return f"{SPEAKER_NAMES[speaker]}: {text}"


def alpaca_prompt(instruction: str, context: str) -> str:
    """The seed's plain-text format; the response follows the final newline."""
    return f"Instruction:\n{instruction.strip()}\n\nInput:\n{context}\n\nOutput:\n"


def labelled(pieces: list[tuple[list[int], bool]], train_on_inputs: bool) -> tuple[list[int], list[int]]:
    """The label rule: the pieces' ids one after another, and labels equal to the ids where the
    piece is trained (every piece with `train_on_inputs`), IGNORE_INDEX elsewhere."""
    ids: list[int] = []
    labels: list[int] = []
    for piece, trained in pieces:
        ids += piece
        labels += piece if trained or train_on_inputs else [IGNORE_INDEX] * len(piece)
    return ids, labels


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


class ReferenceRenderer:
    """Plan rows -> example rows, the plain way: every example rendered and tokenized on its own."""

    def __init__(self, tokenizer: PreTrainedTokenizerBase, rules: ExampleRules) -> None:
        self.tokenizer = tokenizer
        self.instruction = rules.instruction.strip()
        self.example_format = rules.example_format
        self.prompt_format = rules.prompt_format
        self.max_length = rules.max_length
        self.train_on_inputs = rules.train_on_inputs
        self.special = tokenizer.convert_tokens_to_ids

    def text_ids(self, text: str) -> list[int]:
        return self.tokenizer.encode(text, add_special_tokens=False, split_special_tokens=True)

    def message(self, role: str, content: str) -> tuple[list[int], list[int]]:
        """(header ids, content ids + <|eot_id|>) of one message."""
        header = [self.special("<|start_header_id|>"), *self.text_ids(role), self.special("<|end_header_id|>")]
        return header + self.text_ids("\n\n"), [*self.text_ids(content.strip()), self.special("<|eot_id|>")]

    def chat(self, messages: list[dict], trained: list[bool]) -> tuple[list[int], list[int]]:
        """A conversation rendered, each message's content trained where `trained` says."""
        system = {"role": "system", "content": SYSTEM_PREAMBLE + messages[0]["content"].strip()}
        pieces = [([self.special("<|begin_of_text|>")], False)]
        for message, train in zip([system, *messages[1:]], trained):
            header, body = self.message(message["role"], message["content"])
            pieces += [(header, False), (body, train)]
        return labelled(pieces, self.train_on_inputs)

    def examples(self, row: dict) -> list[dict]:
        """The example rows of one plan row, in the encoder's columns and order."""
        if self.example_format == MULTI_TURN:
            return self._multi_turn(row)
        out = []
        speakers, texts, indices = row["speakers"], row["texts"], row["turn_indices"]
        for target in (i for i, flag in enumerate(row["supervised"]) if flag):
            first = target - row["context_turns"][target]
            reason = "exceeds_max_length" if first < target else "no_context"
            while first < target:
                context = "\n".join(context_line(s, t) for s, t in zip(speakers[first:target], texts[first:target]))
                messages = [
                    {"role": "system", "content": self.instruction},
                    {"role": "user", "content": context},
                    {"role": "assistant", "content": texts[target]},
                ]
                if self.prompt_format == "alpaca":
                    prompt = [
                        self.special("<|begin_of_text|>"),
                        *self.text_ids(alpaca_prompt(self.instruction, context)),
                    ]
                    response = [*self.text_ids(texts[target]), self.special("<|eot_id|>")]
                    ids, labels = labelled([(prompt, False), (response, True)], self.train_on_inputs)
                else:
                    ids, labels = self.chat(messages, [False, False, True])
                if len(ids) <= self.max_length:
                    out.append(_row(row, messages, ids, labels, indices[first : target + 1], 1))
                    break
                first += 1  # the oldest context line goes first; the response never
            else:
                out.append(_row(row, [], [], [], [], 0, reason))
        return out

    def _multi_turn(self, row: dict) -> list[dict]:
        system = self.message("system", SYSTEM_PREAMBLE + self.instruction)
        budget = self.max_length - 1 - sum(map(len, system))
        messages = [{"role": ROLES[s], "content": t} for s, t in zip(row["speakers"], row["texts"])]
        sizes = [sum(map(len, self.message(m["role"], m["content"]))) for m in messages]
        out = []
        for first, last, dropped in pack_conversation(sizes, row["supervised"], budget):
            if dropped:
                out.append(_row(row, [], [], [], [], 0, "response_exceeds_max_length"))
                continue
            shown = [{"role": "system", "content": self.instruction}, *messages[first:last]]
            ids, labels = self.chat(shown, [False, *row["supervised"][first:last]])
            targets = sum(row["supervised"][first:last])
            out.append(_row(row, shown, ids, labels, row["turn_indices"][first:last], targets))
        return out


def _row(plan: dict, messages: list, ids: list, labels: list, turn_indices: list, targets: int, drop: str = "") -> dict:
    return {
        "session_id": plan["session_id"],
        "chunk_index": plan["chunk_index"],
        "messages": messages,
        "input_ids": ids,
        "attention_mask": [1] * len(ids),
        "labels": labels,
        "length": len(ids),
        "turn_indices": turn_indices,
        "targets": targets,
        "drop_reason": drop,
    }
