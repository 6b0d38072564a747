"""The fast encoder against the plain definition of an example (`rendering.ReferenceRenderer`).

Plan rows are generated (speakers, texts with the hard cases of tokenizing in pieces, targets,
windows) and encoded in batches by `ExampleEncoder`; every row must equal what the reference makes
of the same plans one example at a time, in every format, with and without `train_on_inputs`, at
lengths that force truncation and drops.
"""

import functools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from llama_models.datatypes import RawMessage, ToolPromptFormat
from llama_models.llama3.chat_format import ChatFormat

from therapy_pipeline.chunking import Chunk
from therapy_pipeline.encoding import ExampleEncoder
from therapy_pipeline.model import CLIENT, THERAPIST, Turn
from therapy_pipeline.planning import MULTI_TURN, SLIDING_WINDOW, plan_row
from therapy_pipeline.rendering import IGNORE_INDEX, SYSTEM_PREAMBLE, ExampleRules, ReferenceRenderer

INSTRUCTION = "  You are a DBT therapist. Respond using DBT skills.  "
FORMATS = [(SLIDING_WINDOW, "chat"), (SLIDING_WINDOW, "alpaca"), (MULTI_TURN, "chat")]
# Pieces of text where tokenizing in pieces could differ from the whole: punctuation runs before
# the newline, digits, non-ASCII letters after ASCII ones, special-token spellings, inner newlines.
WORDS = [
    "I",
    "feel",
    "so",
    "anxious",
    "why",
    "ok",
    "3",
    "2024",
    "café",
    "naïve",
    "Straße",
    "我",
    "👍🏽",
    "<|eot_id|>",
    "Therapist:",
    "e.g.",
    "?!",
    "...",
    ")",
    "'s",
    "\n",
    "\t",
    "—",
    "$5",
    "test123",
]
texts = st.lists(st.sampled_from(WORDS), min_size=1, max_size=12).map(lambda words: " ".join(words).strip() or "x")
turns = st.lists(st.tuples(st.sampled_from([CLIENT, THERAPIST]), texts), min_size=1, max_size=10)


@functools.cache
def engines(tokenizer, example_format, prompt_format, max_length, train_on_inputs):
    options = {
        "instruction": INSTRUCTION,
        "example_format": example_format,
        "prompt_format": prompt_format,
        "max_length": max_length,
        "train_on_inputs": train_on_inputs,
    }
    rules = ExampleRules(**options)
    return ExampleEncoder(tokenizer, rules), ReferenceRenderer(tokenizer, rules)


def plans_of(sessions, example_format, context, start, trained=None):
    """Plan rows of these sessions, as planning makes them: the therapist turns that `trained` marks
    (all of them by default) are targets, the others context only (as in a chunk's overlap or a
    turn too short to train); here without the word-count rule, so that a target can open its row."""
    rows = []
    for number, session in enumerate(sessions):
        chunk = Chunk(f"s{number}", number % 3, start, [Turn(s, t) for s, t in session], start)
        flags = trained[number] if trained else [True] * len(session)
        targets = [start + i for i, (speaker, _) in enumerate(session) if speaker == THERAPIST and flags[i % len(flags)]]
        if targets:
            rows.append(plan_row(chunk, targets, example_format, context))
    return rows


def as_rows(columns):
    return [{name: values[i] for name, values in columns.items()} for i in range(len(columns["session_id"]))]


@pytest.mark.parametrize("train_on_inputs", [False, True])
@pytest.mark.parametrize(("example_format", "prompt_format"), FORMATS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    sessions=st.lists(turns, min_size=1, max_size=6),
    trained=st.lists(st.lists(st.booleans(), min_size=1, max_size=10), min_size=6, max_size=6),
    context=st.integers(1, 4),
    max_length=st.sampled_from([64, 96, 160, 4096]),
    start=st.sampled_from([0, 7]),
)
def test_fast_encoder_equals_the_reference(
    llama_tokenizer, example_format, prompt_format, train_on_inputs, sessions, trained, context, max_length, start
):
    rows = plans_of(sessions, example_format, context, start, trained)
    if not rows:
        return
    encoder, reference = engines(llama_tokenizer, example_format, prompt_format, max_length, train_on_inputs)
    batch = {name: [row[name] for row in rows] for name in rows[0]}
    expected = [example for row in rows for example in reference.examples(row)]
    assert as_rows(encoder(batch)) == expected


@pytest.mark.parametrize(("example_format", "prompt_format"), FORMATS)
def test_every_path_of_the_reference_is_taken(llama_tokenizer, example_format, prompt_format):
    """The property test's inputs reach truncation, drops and whole examples in every format."""
    session = [(CLIENT, "word " * 30), (THERAPIST, "ok"), (CLIENT, "why"), (THERAPIST, "word " * 90), (THERAPIST, "ok")]
    rows = plans_of([session], example_format, 3, 0)
    _, reference = engines(llama_tokenizer, example_format, prompt_format, 96, False)
    examples = reference.examples(rows[0])
    reasons = {e["drop_reason"] for e in examples}
    if example_format == SLIDING_WINDOW:
        assert {"", "exceeds_max_length"} <= reasons
        assert any(
            0 < len(e["turn_indices"]) - 1 < rows[0]["context_turns"][3] for e in examples if not e["drop_reason"]
        )
    else:
        assert reasons == {"", "response_exceeds_max_length"}


def test_reference_chat_rendering_is_metas(llama_tokenizer, meta_tokenizer):
    """The reference renders a conversation exactly as Meta's ChatFormat, and trains only the
    supervised contents and their end-of-turn tokens."""
    _, reference = engines(llama_tokenizer, MULTI_TURN, "chat", 4096, False)
    messages = [
        {"role": "system", "content": INSTRUCTION},
        {"role": "user", "content": "I can't sleep. <|eot_id|>"},
        {"role": "assistant", "content": "  Tell me more...  "},
    ]
    ids, labels = reference.chat(messages, [False, False, True])
    fmt = ChatFormat(meta_tokenizer)
    expected = [meta_tokenizer.special_tokens["<|begin_of_text|>"]]
    raw = [RawMessage(role="system", content=SYSTEM_PREAMBLE + INSTRUCTION.strip())]
    raw += [RawMessage(role=m["role"], content=m["content"].strip()) for m in messages[1:]]
    for message in raw:
        expected += fmt.encode_message(message, ToolPromptFormat.json)[0]
    assert ids == expected
    response = meta_tokenizer.encode("Tell me more...", bos=False, eos=False) + [128009]
    assert [label for label in labels if label != IGNORE_INDEX] == response
    assert labels[-len(response) :] == response
