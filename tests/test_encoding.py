"""The piecewise encoder against Meta's reference encoder and the chat template, token for token."""

import functools
import random
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from llama_models.datatypes import RawMessage, ToolPromptFormat
from llama_models.llama3.chat_format import ChatFormat

from therapy_pipeline.chunking import Chunk
from therapy_pipeline.encoding import IGNORE_INDEX, SYSTEM_PREAMBLE, ExampleEncoder, alpaca_prompt, pack_conversation
from therapy_pipeline.model import CLIENT, THERAPIST, Turn
from therapy_pipeline.planning import plan_features, plan_row
from therapy_pipeline.rendering import ExampleRules

INSTRUCTION = "You are a DBT therapist. Respond to the client's concerns using DBT techniques."
EOT = 128009

# Texts chosen for the places where tokenizing pieces apart could differ from one string: endings in
# punctuation (".\n" is one token), digits, contractions, unicode, emoji, inner newlines, and text
# that spells special tokens (Meta encodes it as plain text).
ADVERSARIAL = [
    "I feel so anxious.",
    "Why?!",
    "...",
    "'s fine, I guess",
    "3 days without sleep 2024",
    "naïve café — “quoted” ‘text’",
    "我今天很难过。",
    "مرحبا كيف حالك",
    "👍🏽 👨‍👩‍👧 okay",
    "line one\nline two\n\nline four",
    "tabs\tand   spaces   inside",
    "<|eot_id|> is just text here <|begin_of_text|>",
    "Therapist: pretending to be the therapist",
    "e.g.",
    "It's—you know—hard",
    "1,000,000 dollars?",
    "a",
    # The ends where context-line ids are derived from the turn's own ids, and their fallbacks.
    "word ?",
    "two  spaces  ?!",
    "the dogs'",
    "ok)",
    'Hmm..."',
    "a\u0301b and e\u0301.",
    "Straße.",
    "test123.",
    "full stop\u3002",
    "3rd time",
    "x",
    "Q: what? A: yes.",
    "trailing tab\tend.",
    "mixed ,.;:!? run",
    "«quoted»",
    "$5 is fine",
]


def meta_chat_ids(messages: list[dict], meta) -> list[int]:
    """Meta's ChatFormat with the official system block (ChatFormat adds no date lines itself)."""
    fmt = ChatFormat(meta)
    raw = [RawMessage(role="system", content=SYSTEM_PREAMBLE + messages[0]["content"].strip())]
    raw += [RawMessage(role=m["role"], content=m["content"].strip()) for m in messages[1:]]
    ids = [meta.special_tokens["<|begin_of_text|>"]]
    for message in raw:
        ids += fmt.encode_message(message, ToolPromptFormat.json)[0]
    return ids


def plan_dict(speakers, texts, supervised, session_id="s", start=0, context=10, example_format="sliding_window"):
    """A plan row as planning makes it: these turns, the `supervised` ones targets."""
    chunk = Chunk(session_id, 0, start, [Turn(s, t) for s, t in zip(speakers, texts)], start)
    targets = [start + i for i, flag in enumerate(supervised) if flag]
    return plan_row(chunk, targets, example_format, context)


def plan(speakers, texts, supervised=None, session_id="s", context=10, example_format="sliding_window"):
    """A batch of one plan row (the last turn the target unless `supervised` says otherwise)."""
    supervised = supervised or [False] * (len(texts) - 1) + [True]
    row = plan_dict(speakers, texts, supervised, session_id, context=context, example_format=example_format)
    return {name: [value] for name, value in row.items()}


@functools.cache
def encoder(tok, **overrides):
    options = {
        "instruction": INSTRUCTION,
        "example_format": "sliding_window",
        "prompt_format": "chat",
        "max_length": 2048,
        "train_on_inputs": False,
        **overrides,
    }
    return ExampleEncoder(tok, ExampleRules(**options))


def supervised_ids(row):
    return [label for label in row_labels(row) if label != IGNORE_INDEX]


def row_labels(row):
    return row["labels"]


def single(out):
    rows = [{k: v[i] for k, v in out.items()} for i in range(len(out["input_ids"]))]
    assert len(rows) == 1
    return rows[0]


@pytest.mark.parametrize("response", ADVERSARIAL)
@pytest.mark.parametrize("context", [ADVERSARIAL[i : i + 2] for i in range(0, len(ADVERSARIAL) - 1, 2)])
def test_sliding_window_equals_meta_reference(llama_tokenizer, meta_tokenizer, context, response):
    row = single(encoder(llama_tokenizer)(plan([CLIENT, THERAPIST, THERAPIST], [*context, response])))
    assert row["input_ids"] == meta_chat_ids(row["messages"], meta_tokenizer)
    assert row["messages"][1]["content"] == f"Client: {context[0]}\nTherapist: {context[1]}"
    # Supervised: exactly the response and its end-of-turn token.
    assert supervised_ids(row) == meta_tokenizer.encode(response, bos=False, eos=False) + [EOT]
    assert row["labels"][-len(supervised_ids(row)) :] == row["input_ids"][-len(supervised_ids(row)) :]
    assert row["attention_mask"] == [1] * len(row["input_ids"]) and row["length"] == len(row["input_ids"])


@pytest.mark.parametrize("texts", [ADVERSARIAL[:3], ADVERSARIAL[3:6], ADVERSARIAL[6:9], ADVERSARIAL[13:16]])
def test_sliding_window_equals_chat_template_as_one_string(llama_tokenizer, texts):
    row = single(encoder(llama_tokenizer)(plan([THERAPIST, CLIENT, THERAPIST], texts)))
    rendered = llama_tokenizer.apply_chat_template(row["messages"], tokenize=False)
    assert row["input_ids"] == llama_tokenizer(rendered, add_special_tokens=False).input_ids
    encoded = llama_tokenizer.apply_chat_template(
        row["messages"], tokenize=True, return_dict=True, return_assistant_tokens_mask=True
    )
    assert encoded["input_ids"] == row["input_ids"]
    mask = encoded["assistant_masks"]
    assert [i for i, label in zip(row["input_ids"], row["labels"]) if label != IGNORE_INDEX] == [
        i for i, m in zip(row["input_ids"], mask) if m
    ]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.text(min_size=1, max_size=80).map(str.strip).filter(bool), min_size=2, max_size=4))
def test_property_any_text_matches_meta(llama_tokenizer, meta_tokenizer, texts):
    speakers = [CLIENT if i % 2 else THERAPIST for i in range(len(texts) - 1)] + [THERAPIST]
    row = single(encoder(llama_tokenizer)(plan(speakers, texts)))
    assert row["input_ids"] == meta_chat_ids(row["messages"], meta_tokenizer)


# Text built from the pieces where pre-token boundaries matter: ASCII words, digits, punctuation
# runs, spaces and newlines, non-ASCII letters, combining marks, symbols.
PIECES = st.sampled_from(
    [
        "I",
        "feel",
        "don't",
        "3",
        "42nd",
        ".",
        "?!",
        "...",
        ",",
        "'",
        '"',
        ")",
        " ",
        "  ",
        "\n",
        "é",
        "e\u0301",
        "ß",
        "我",
        "—",
        "😊",
        "$",
        "'s",
        "\t",
        "«",
        "a",
    ]
)
COMPOSED = st.lists(PIECES, min_size=1, max_size=12).map(lambda parts: "".join(parts).strip()).filter(bool)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(COMPOSED, min_size=3, max_size=4))
def test_property_composed_text_matches_meta(llama_tokenizer, meta_tokenizer, texts):
    speakers = [CLIENT if i % 2 else THERAPIST for i in range(len(texts) - 1)] + [THERAPIST]
    row = single(encoder(llama_tokenizer)(plan(speakers, texts)))
    assert row["input_ids"] == meta_chat_ids(row["messages"], meta_tokenizer)


def test_truncation_drops_oldest_context_never_the_response(llama_tokenizer):
    texts = ["old " * 300, "recent client turn", "the response"]
    enc = encoder(llama_tokenizer, max_length=200)
    row = single(enc(plan([CLIENT, CLIENT, THERAPIST], texts)))
    assert row["messages"][1]["content"] == "Client: recent client turn"
    assert row["messages"][2]["content"] == "the response"
    assert row["turn_indices"] == [1, 2]
    assert len(row["input_ids"]) <= 200


def test_example_that_cannot_fit_is_a_counted_marker(llama_tokenizer):
    out = encoder(llama_tokenizer, max_length=100)(plan([CLIENT, THERAPIST], ["hi", "word " * 200]))
    assert out["drop_reason"] == ["exceeds_max_length"] and out["input_ids"] == [[]]


def test_train_on_inputs_supervises_everything(llama_tokenizer):
    row = single(encoder(llama_tokenizer, train_on_inputs=True)(plan([CLIENT, THERAPIST], ["hi", "hello"])))
    assert row["labels"] == row["input_ids"]


def test_alpaca_equals_whole_text(llama_tokenizer, meta_tokenizer):
    texts = ["I can't sleep.", "Tell me more...", "What happened?"]
    row = single(encoder(llama_tokenizer, prompt_format="alpaca")(plan([CLIENT, THERAPIST, THERAPIST], texts)))
    prompt = alpaca_prompt(INSTRUCTION, "Client: I can't sleep.\nTherapist: Tell me more...")
    expected = [128000, *meta_tokenizer.encode(prompt + texts[-1], bos=False, eos=False), EOT]
    assert row["input_ids"] == expected
    assert supervised_ids(row) == meta_tokenizer.encode(texts[-1], bos=False, eos=False) + [EOT]


def test_multi_turn_supervises_only_planned_therapist_turns(llama_tokenizer, meta_tokenizer):
    speakers = [THERAPIST, CLIENT, THERAPIST, CLIENT, THERAPIST, THERAPIST]
    texts = [
        "Welcome back.",
        "I had a rough week.",
        "What happened?",
        "My sister... again.",
        "Ugh.",
        "Let's try DEAR MAN.",
    ]
    supervised = [False, False, True, False, False, True]  # e.g. turn 0 in an overlap, turn 4 too short
    row = single(encoder(llama_tokenizer, example_format="multi_turn")(plan(speakers, texts, supervised, example_format="multi_turn")))
    assert [m["role"] for m in row["messages"]] == [
        "system",
        "assistant",
        "user",
        "assistant",
        "user",
        "assistant",
        "assistant",
    ]
    assert row["input_ids"] == meta_chat_ids(row["messages"], meta_tokenizer)
    expected = []
    for text in (texts[2], texts[5]):
        expected += meta_tokenizer.encode(text, bos=False, eos=False) + [EOT]
    assert supervised_ids(row) == expected


def test_multi_turn_splits_long_conversations_at_turn_boundaries(llama_tokenizer, meta_tokenizer):
    speakers = [CLIENT, THERAPIST] * 20
    texts = [f"turn number {i}" + " word" * 20 for i in range(40)]
    supervised = [s == THERAPIST for s in speakers]
    out = encoder(llama_tokenizer, example_format="multi_turn", max_length=256)(
        plan(speakers, texts, supervised, example_format="multi_turn")
    )
    assert len(out["input_ids"]) > 1 and not any(out["drop_reason"])
    covered = [i for indices in out["turn_indices"] for i in indices]
    assert covered == sorted(covered) and set(covered) == set(range(40))
    for ids, messages in zip(out["input_ids"], out["messages"]):
        assert len(ids) <= 256
        assert messages[-1]["role"] == "assistant"
        assert ids == meta_chat_ids(messages, meta_tokenizer)


def test_pack_conversation():
    # sizes, supervised, budget -> runs [first, last) and dropped responses
    assert pack_conversation([10, 10, 10, 10], [False, True, False, True], 100) == [(0, 4, False)]
    assert pack_conversation([10, 10, 10, 10], [False, True, False, True], 25) == [(0, 2, False), (2, 4, False)]
    # A response too long for any sequence is dropped; its context goes with it.
    assert pack_conversation([10, 50, 10, 10], [False, True, False, True], 30) == [(1, 2, True), (2, 4, False)]
    # Trailing context without a response after it trains nothing.
    assert pack_conversation([10, 10, 10], [False, True, False], 100) == [(0, 2, False)]
    assert pack_conversation([10, 10], [False, False], 100) == []


def test_read_ahead_gives_the_same_rows_as_reading_each_batch(llama_tokenizer, monkeypatch):
    """`encode_ahead` tokenizes batches in a thread; the rows must not change, whatever the text."""
    from datasets import Dataset

    rows = [
        plan(
            [CLIENT, THERAPIST] * 3,
            [f"{text} {i}" for text in ADVERSARIAL[i % 20 : i % 20 + 6]],
            [False, True] * 3,
            session_id=f"s{i}",
            context=2,
        )
        for i in range(40)
    ]
    plans = Dataset.from_dict({k: [r[k][0] for r in rows] for k in rows[0]}, features=plan_features())
    enc = encoder(llama_tokenizer)
    alone = plans.with_format("arrow").map(
        enc.arrow_batch, batched=True, batch_size=3, remove_columns=plans.column_names
    )
    readers = []
    read_batch = ExampleEncoder._read_batch

    def counted(self, batch):
        readers.append(threading.current_thread().name)
        return read_batch(self, batch)

    monkeypatch.setattr(ExampleEncoder, "_read_batch", counted)
    with enc.encode_ahead(plans, 3):
        ahead = plans.with_format("arrow").map(
            enc.arrow_batch, batched=True, batch_size=3, remove_columns=plans.column_names
        )
    assert len(alone) == 40 * 3
    assert ahead.with_format("arrow")[:].equals(alone.with_format("arrow")[:])
    assert readers == ["encode-ahead"] * 14  # every batch was read ahead, in the thread
    readers.clear()
    # out of step (another batch size): every batch is read again, nothing changes
    with enc.encode_ahead(plans, 5):
        other = plans.with_format("arrow").map(
            enc.arrow_batch, batched=True, batch_size=3, remove_columns=plans.column_names
        )
    assert other.with_format("arrow")[:].equals(alone.with_format("arrow")[:])
    assert readers.count("MainThread") == 14


def test_encode_flat_equals_encoding_each_text_alone(llama_tokenizer):
    enc = encoder(llama_tokenizer)
    texts = [t for t in ADVERSARIAL if "<|" not in t] * 5 + ["", "x"]
    alone = enc.encode(texts)
    flat, lengths = enc.encode_flat(texts)
    assert lengths.tolist() == [len(ids) for ids in alone]
    assert flat.tolist() == [i for ids in alone for i in ids]
    # Text that spells a special token: tokenized apart, as text.
    flat, lengths = enc.encode_flat(ADVERSARIAL)
    assert flat.tolist() == [i for ids in enc.encode(ADVERSARIAL) for i in ids]
    # The special-token flag set by a concurrent call turns the separators into text: the count of
    # separators gives it away and the texts are read one by one.
    backend = llama_tokenizer.backend_tokenizer
    backend.encode_special_tokens = True
    try:
        flat, lengths = enc.encode_flat(texts)
    finally:
        backend.encode_special_tokens = False
    assert lengths.tolist() == [len(ids) for ids in alone]
    assert flat.tolist() == [i for ids in alone for i in ids]


def test_batch_of_chunk_plans_matches_meta_example_by_example(llama_tokenizer, meta_tokenizer):
    """Several plan rows in one batch, many targets each, short windows, truncation: every example
    against an independent reference built with Meta's encoder."""
    rng = random.Random(7)
    rows = []
    for r in range(8):
        n = rng.randint(1, 12)
        speakers = [rng.choice([CLIENT, THERAPIST]) for _ in range(n)]
        texts = [rng.choice(ADVERSARIAL) + " word" * rng.choice([0, 1, 5, 40]) for _ in range(n)]
        supervised = [s == THERAPIST and rng.random() < 0.8 for s in speakers]
        rows.append((f"s{r}", speakers, texts, supervised))
    max_length, context = 140, 2
    planned = [plan_dict(r[1], r[2], r[3], r[0], start=100, context=context) for r in rows]
    batch = {name: [row[name] for row in planned] for name in planned[0]}
    out = encoder(llama_tokenizer, max_length=max_length)(batch)

    expected = []
    for session_id, speakers, texts, supervised in rows:
        for t in (i for i, flag in enumerate(supervised) if flag):
            reason, first = ("no_context", t) if t == 0 else ("exceeds_max_length", max(0, t - context))
            while first < t:
                lines = "\n".join(
                    f"{'Therapist' if s == THERAPIST else 'Client'}: {x}"
                    for s, x in zip(speakers[first:t], texts[first:t])
                )
                messages = [
                    {"role": "system", "content": INSTRUCTION},
                    {"role": "user", "content": lines},
                    {"role": "assistant", "content": texts[t]},
                ]
                ids = meta_chat_ids(messages, meta_tokenizer)
                if len(ids) <= max_length:
                    response = meta_tokenizer.encode(texts[t], bos=False, eos=False) + [EOT]
                    labels = [IGNORE_INDEX] * (len(ids) - len(response)) + response
                    expected.append((session_id, messages, ids, labels, list(range(100 + first, 101 + t)), ""))
                    break
                first += 1
            else:
                expected.append((session_id, [], [], [], [], reason))
    got = list(
        zip(
            out["session_id"], out["messages"], out["input_ids"], out["labels"], out["turn_indices"], out["drop_reason"]
        )
    )
    assert got == expected
    assert {e[5] for e in expected} == {"", "exceeds_max_length", "no_context"}  # every path taken
    assert any(len(e[4]) == context + 1 for e in expected) and any(0 < len(e[4]) <= context for e in expected)


def test_read_ahead_that_fails_leaves_the_batches_to_the_caller(llama_tokenizer, monkeypatch):
    from datasets import Dataset

    rows = [plan([CLIENT, THERAPIST], ["hi", f"hello {i}"], session_id=f"s{i}") for i in range(3)]
    plans = Dataset.from_dict({k: [r[k][0] for r in rows] for k in rows[0]}, features=plan_features())
    iterate = Dataset.iter

    def fails_in_the_thread(self, *args, **kwargs):
        if threading.current_thread().name == "encode-ahead":
            raise OSError("disk gone")
        return iterate(self, *args, **kwargs)

    monkeypatch.setattr(Dataset, "iter", fails_in_the_thread)
    enc = encoder(llama_tokenizer)
    result = {}

    def run():
        with enc.encode_ahead(plans, 1):  # must not wait for batches the thread will never read
            result["out"] = plans.with_format("arrow").map(
                enc.arrow_batch, batched=True, batch_size=1, remove_columns=plans.column_names
            )

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "the map waits for a read-ahead thread that died"
    assert result["out"]["drop_reason"].to_pylist() == ["", "", ""]
