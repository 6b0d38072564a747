"""Parity of the embedded Llama 3.1 tokenizer with Meta's reference implementation in llama-models."""

import os

os.environ["HF_HUB_OFFLINE"] = "1"  # before any hub import: these tests never touch the network

import json
import random
import shutil
from pathlib import Path

import huggingface_hub
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from llama_models.datatypes import RawMessage, ToolPromptFormat
from llama_models.llama3.chat_format import ChatFormat
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import AutoTokenizer, PreTrainedTokenizerFast

from therapy_pipeline import tokenizer as tokmod
from therapy_pipeline.tokenizer import (
    LLAMA31_CHAT_TEMPLATE,
    LLAMA31_SPECIAL_TOKENS,
    PAD_TOKEN,
    TokenizerError,
    build_embedded_tokenizer,
    is_llama3_chat_tokenizer,
    load_tokenizer,
)

OFFICIAL_SYSTEM_PREFIX = "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n"


# Session fixtures from conftest.py: `llama_tokenizer` (built once into `tokenizer_cache`) and
# `meta_tokenizer` (Meta's reference encoder).


@pytest.fixture
def offline(monkeypatch):
    # The hub reads HF_HUB_OFFLINE at import; another test module may have imported it first.
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)


def encode(llama_tokenizer, text):
    return llama_tokenizer(text, add_special_tokens=False, split_special_tokens=True).input_ids


# --- ids ----------------------------------------------------------------------------------------


def test_special_tokens_match_meta(llama_tokenizer, meta_tokenizer):
    tok = llama_tokenizer
    ours = {t: tok.convert_tokens_to_ids(t) for t in LLAMA31_SPECIAL_TOKENS}
    assert ours == meta_tokenizer.special_tokens
    assert LLAMA31_SPECIAL_TOKENS == sorted(ours, key=ours.get)  # the list is in id order
    assert [tok.convert_ids_to_tokens(i) for i in range(128000, 128256)] == LLAMA31_SPECIAL_TOKENS
    assert len(tok) == meta_tokenizer.n_words == 128256
    assert (tok.bos_token_id, tok.eos_token_id, tok.pad_token_id) == (128000, 128009, 128004)
    assert tok.pad_token == PAD_TOKEN
    assert is_llama3_chat_tokenizer(tok)


def test_bos_prepended_like_official(llama_tokenizer):
    assert llama_tokenizer("hi").input_ids == [128000, 6151]
    assert llama_tokenizer("hi", add_special_tokens=False).input_ids == [6151]


# --- text parity --------------------------------------------------------------------------------

PARITY_TEXTS = [
    "",
    " ",
    "\n",
    "Hello, world!",
    "中文测试，日本語のテキスト、한국어 문장",
    "مرحبا، كيف حالك اليوم؟",
    "e\u0301 cafe\u0301 n\u0303 Zu\u0308rich",
    "👨‍👩‍👧‍👦 family 🏳️‍🌈 flag 👍🏽 ok",
    "   leading spaces",
    "trailing spaces   ",
    "runs    of     spaces\u00a0and\u2003others",
    "a\tb\t\tc\t",
    "line one\r\nline two\r\n\r\n\nend",
    "\n\n   \n\t \n",
    "12345678901234567890 3.14159 1,000,000 2024-07-26",
    "it's, don't, we'LL, THEY'RE, I'd, you've, I'M",
    "!!! ??? ... --- *** ((( ))) ;;; ~~~",
    "say <|eot_id|> then <|begin_of_text|>x<|start_header_id|>user<|end_header_id|>",
    "<|reserved_special_token_250|><|finetune_right_pad_id|>",
    "\x00\x01\x7f control chars",
]


@pytest.mark.parametrize("text", PARITY_TEXTS)
def test_text_parity(llama_tokenizer, meta_tokenizer, text):
    # Meta encodes literal special-token strings as plain text (disallowed_special=()), so must we.
    assert encode(llama_tokenizer, text) == meta_tokenizer.encode(text, bos=False, eos=False)


def test_long_turn_parity(llama_tokenizer, meta_tokenizer):
    rng = random.Random(0)
    words = ["I", "have", "been", "feeling", "anxious", "about", "work,", "and", "don't", "know", "42"]
    text = " ".join(rng.choice(words) for _ in range(20_000))
    assert encode(llama_tokenizer, text) == meta_tokenizer.encode(text, bos=False, eos=False)


# Meta's encoder cuts runs of more than 25,000 non-whitespace characters into separate encode
# calls (a tiktoken limit), which changes ids at the cut; generated texts stay far below that.
@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_text_parity_property(llama_tokenizer, meta_tokenizer, text):
    assert encode(llama_tokenizer, text) == meta_tokenizer.encode(text, bos=False, eos=False)


# Texts built from the pieces where the split regex has its edge cases.
TRICKY_PIECES = [
    *[" ", "  ", "\t", "\n", "\r\n", "\u00a0"],
    *["'s", "'LL", "'", "a", "Ab", "123", "4567", "é", "中", "😊", "\u200d"],
    *["!", "...", "<|eot_id|>", "<|", "|>"],
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(TRICKY_PIECES), max_size=40).map("".join))
def test_tricky_text_parity_property(llama_tokenizer, meta_tokenizer, text):
    assert encode(llama_tokenizer, text) == meta_tokenizer.encode(text, bos=False, eos=False)


# --- chat parity --------------------------------------------------------------------------------

CONVERSATIONS = [
    [
        {"role": "system", "content": "You are a DBT therapist."},
        {"role": "user", "content": "I feel overwhelmed."},
        {"role": "assistant", "content": "Let's slow down and notice what you feel right now."},
        {"role": "user", "content": "OK."},
        {"role": "assistant", "content": "What do you notice in your body?"},
    ],
    [  # no system message: the system block is still present, with the dates only
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "Hello."},
    ],
    [  # consecutive same-role messages, empty contents
        {"role": "system", "content": ""},
        {"role": "user", "content": "first"},
        {"role": "user", "content": "second"},
        {"role": "assistant", "content": ""},
        {"role": "assistant", "content": "third"},
        {"role": "user", "content": ""},
    ],
    [  # surrounding whitespace is trimmed, inner whitespace kept
        {"role": "system", "content": "  \n sys text \t\n"},
        {"role": "user", "content": "\n\n  spaced   out  \r\n"},
        {"role": "assistant", "content": "   line one\n\nline two   "},
    ],
    [
        {"role": "system", "content": "Répondez en français. 中文也可以。"},
        {"role": "user", "content": "Ça va? 😊 مرحبا"},
        {"role": "assistant", "content": "Très bien 👍🏽 — et vous?"},
    ],
]


def meta_chat_ids(meta_tokenizer, messages):
    """Meta's ChatFormat encoding of the official rendering: an always-present system block with the dates."""
    chat_format = ChatFormat(meta_tokenizer)
    has_system = messages[0]["role"] == "system"
    system_text = messages[0]["content"].strip() if has_system else ""
    raw = [RawMessage(role="system", content=OFFICIAL_SYSTEM_PREFIX + system_text)]
    raw += [RawMessage(role=m["role"], content=m["content"].strip()) for m in messages[has_system:]]
    ids = [meta_tokenizer.special_tokens["<|begin_of_text|>"]]
    assistant_mask = [0]
    for message in raw:
        message_ids = chat_format.encode_message(message, ToolPromptFormat.json)[0]
        ids += message_ids
        # What the assistant says: its content and the <|eot_id|> after it, not its header.
        supervised = 0
        if message.role == "assistant":
            supervised = len(meta_tokenizer.encode(message.content, bos=False, eos=False)) + 1
        assistant_mask += [0] * (len(message_ids) - supervised) + [1] * supervised
    return ids, assistant_mask


@pytest.mark.parametrize("messages", CONVERSATIONS)
def test_chat_parity(llama_tokenizer, meta_tokenizer, messages):
    text = llama_tokenizer.apply_chat_template(messages, tokenize=False)
    expected_ids, _ = meta_chat_ids(meta_tokenizer, messages)
    assert llama_tokenizer(text, add_special_tokens=False).input_ids == expected_ids
    # transformers 5 returns a dict-like encoding from tokenize=True
    assert llama_tokenizer.apply_chat_template(messages, tokenize=True)["input_ids"] == expected_ids


@pytest.mark.parametrize("messages", CONVERSATIONS)
def test_assistant_mask_is_content_and_eot(llama_tokenizer, meta_tokenizer, messages):
    out = llama_tokenizer.apply_chat_template(messages, return_dict=True, return_assistant_tokens_mask=True)
    expected_ids, expected_mask = meta_chat_ids(meta_tokenizer, messages)
    assert out["input_ids"] == expected_ids
    assert out["assistant_masks"] == expected_mask


def test_generation_prompt_matches_meta_dialog_prompt(llama_tokenizer, meta_tokenizer):
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "How do I calm down?"},
    ]
    encoding = llama_tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True)
    raw = [
        RawMessage(role="system", content=OFFICIAL_SYSTEM_PREFIX + "Be brief."),
        RawMessage(role="user", content="How do I calm down?"),
    ]
    assert encoding["input_ids"] == ChatFormat(meta_tokenizer).encode_dialog_prompt(raw).tokens


def test_rendering_literal(llama_tokenizer):
    messages = [{"role": "system", "content": " SYS "}, {"role": "user", "content": "hi\n"}]
    assert llama_tokenizer.apply_chat_template(messages, tokenize=False) == (
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
        "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n"
        "SYS<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>"
    )
    rendered = llama_tokenizer.apply_chat_template(
        messages, tokenize=False, add_generation_prompt=True, date_string="01 Jan 2025"
    )
    assert rendered == (
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
        "Cutting Knowledge Date: December 2023\nToday Date: 01 Jan 2025\n\n"
        "SYS<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\n"
    )


# --- loading, caching, saving -------------------------------------------------------------------


def cached_dir(cache: str | Path) -> Path:
    return Path(cache) / f"llama31-embedded-{tokmod._cache_key()}"


def test_cache_is_reused(llama_tokenizer, tokenizer_cache, monkeypatch):
    def no_conversion():
        raise AssertionError("rebuilt although a cache exists")

    monkeypatch.setattr(tokmod, "_convert_embedded", no_conversion)
    cached = build_embedded_tokenizer(tokenizer_cache)
    assert cached.get_vocab() == llama_tokenizer.get_vocab()
    assert cached.chat_template == LLAMA31_CHAT_TEMPLATE
    assert cached_dir(tokenizer_cache).is_dir()
    assert not [p for p in Path(tokenizer_cache).iterdir() if p.name.startswith(".llama31-embedded")]


def test_corrupt_cache_is_rebuilt(llama_tokenizer, tokenizer_cache, tmp_path):
    cached = cached_dir(tokenizer_cache)
    shutil.copytree(cached, tmp_path / cached.name)
    (tmp_path / cached.name / "tokenizer.json").write_text('{"truncated')
    rebuilt = build_embedded_tokenizer(tmp_path)
    assert rebuilt.get_vocab() == llama_tokenizer.get_vocab()
    from_cache = PreTrainedTokenizerFast.from_pretrained(tmp_path / cached.name)
    assert from_cache.get_vocab() == llama_tokenizer.get_vocab()


def test_offline_llama31_falls_back_to_embedded(offline, tokenizer_cache, llama_tokenizer, caplog):
    loaded, source = load_tokenizer("meta-llama/Llama-3.1-8B-Instruct", tokenizer_cache)
    assert source.startswith("embedded:llama-models ")
    assert "sha256=" in source
    assert "embedded Llama 3.1 tokenizer" in caplog.text
    assert loaded.get_vocab() == llama_tokenizer.get_vocab()
    assert loaded.pad_token_id == 128004


def test_offline_unknown_model_is_an_error(offline, tokenizer_cache):
    with pytest.raises(TokenizerError, match="cannot load tokenizer 'nobody/not-a-model'"):
        load_tokenizer("nobody/not-a-model", tokenizer_cache)


def test_missing_local_dir_is_an_error(offline, tmp_path):
    with pytest.raises(TokenizerError, match="no such directory"):
        load_tokenizer(str(tmp_path / "models" / "llama-3.1"), tmp_path / "cache")


def test_local_dir_fixes_pad_and_template(llama_tokenizer, tmp_path):
    # A Llama 3.1 base-model-like tokenizer: pad == eos and no chat template.
    llama_tokenizer.save_pretrained(tmp_path / "saved")
    bare = AutoTokenizer.from_pretrained(tmp_path / "saved")
    bare.pad_token = bare.eos_token
    bare.chat_template = None
    bare.save_pretrained(tmp_path / "bare")
    assert not (tmp_path / "bare" / "chat_template.jinja").exists()
    assert json.loads((tmp_path / "bare" / "tokenizer_config.json").read_text()).get("chat_template") is None

    loaded, source = load_tokenizer(str(tmp_path / "bare"), tmp_path / "cache")
    assert source == f"local:{(tmp_path / 'bare').resolve()}"
    assert (loaded.pad_token, loaded.pad_token_id) == (PAD_TOKEN, 128004)
    assert loaded.chat_template == LLAMA31_CHAT_TEMPLATE


def test_local_non_llama_without_pad_is_an_error(tmp_path):
    backend = Tokenizer(models.WordLevel({"[UNK]": 0, "hello": 1}, unk_token="[UNK]"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    plain = PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="[UNK]", eos_token="hello")
    plain.save_pretrained(tmp_path)

    assert not is_llama3_chat_tokenizer(AutoTokenizer.from_pretrained(tmp_path))
    with pytest.raises(TokenizerError, match="needs a pad token"):
        load_tokenizer(str(tmp_path), tmp_path / "cache")


def test_saved_tokenizer_round_trips(offline, llama_tokenizer, tmp_path):
    llama_tokenizer.save_pretrained(tmp_path)
    reloaded = AutoTokenizer.from_pretrained(tmp_path)
    assert reloaded.get_vocab() == llama_tokenizer.get_vocab()
    assert reloaded.pad_token == PAD_TOKEN and reloaded.pad_token_id == 128004
    assert reloaded.chat_template == LLAMA31_CHAT_TEMPLATE
    messages = CONVERSATIONS[0]
    assert reloaded.apply_chat_template(messages, tokenize=True)["input_ids"] == (
        llama_tokenizer.apply_chat_template(messages, tokenize=True)["input_ids"]
    )
    assert reloaded("hi").input_ids == [128000, 6151]
